import Chronology
import PortalDomain
import Testing

/// The portal's one CSV writer (``CSVText``): RFC 4180 quoting and one rule for formula cells, in every export.
@Suite("CSV: one writer, RFC 4180 quoting, formula cells neutralised")
struct CSVTextTests {
    typealias F = Fixture

    /// The comments of the issue, each one a formula (or a hidden one) in a spreadsheet.
    static let formulas = ["=1+1", "+SUM(A1)", "-2", "@x", "\t=1", "\r=1", "=cmd|' /C calc'!A0"]

    @Test("A text cell starting with =, +, -, @, tab or CR gets a leading apostrophe; numbers and other text are written as they are")
    func neutralisation() {
        #expect(Self.formulas.map { CSVText.field(.text($0)) } == [
            "'=1+1", "'+SUM(A1)", "'-2", "'@x", "'\t=1", "\"'\r=1\"", "'=cmd|' /C calc'!A0",
        ])
        #expect(CSVText.field(.number("-46.25")) == "-46.25")
        #expect(CSVText.field(.text("Ann Example")) == "Ann Example")
        #expect(CSVText.field(.text("a = b")) == "a = b", "only the first character counts")
        #expect(CSVText.field(.text("")) == "")
    }

    @Test("RFC 4180: a field with a comma, quote, CR or LF is quoted with quotes doubled; lines end as the file says, the last too")
    func quoting() throws {
        let text = CSVText.render(header: ["a", "b"], rows: [[.text("x, y"), .text("say \"hi\"")], [.text("two\nlines"), .number("1")]], lineEnd: .crlf)
        #expect(text == "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",1\r\n")
        // Read back by the one reader: the same cells.
        #expect(try CSVText.records(text) == [["a", "b"], ["x, y", "say \"hi\""], ["two\nlines", "1"]])
        let neutralised = CSVText.render(header: ["comment"], rows: Self.formulas.map { [.text($0)] })
        #expect(try CSVText.records(neutralised).dropFirst().map(\.first) == Self.formulas.map { "'" + $0 })
    }

    @Test("R-PAY-3: remittance text fields that start a formula open as text; amounts stay numbers; bytes as remittances always had them")
    func remittance() {
        let lines = Self.formulas.enumerated().map { index, formula in
            RemittanceLine(documentKind: .invoice, documentID: "inv-\(index)", documentReference: formula, clientReference: "C1",
                           clientName: formula, cpliID: "cpli-1", period: F.period9, amount: Money(pence: -200))
        }
        let advice = RemittanceAdvice(paymentRunID: "run-1", paymentReference: "=R", paymentDate: F.date("2026-12-18"), organisationID: "oasis",
                                      organisationName: "@Oasis", lines: lines)
        let rows = advice.csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows[1] == "'=R,2026-12-18,oasis,'@Oasis,invoice,inv-0,'=1+1,C1,'=1+1,cpli-1,9,-2.00")
        #expect(rows[3] == "'=R,2026-12-18,oasis,'@Oasis,invoice,inv-2,'-2,C1,'-2,cpli-1,9,-2.00")
        #expect(rows[5] == "'=R,2026-12-18,oasis,'@Oasis,invoice,inv-4,'\t=1,C1,'\t=1,cpli-1,9,-2.00")
        #expect(rows.last == "" && rows[rows.count - 2] == "'=R,2026-12-18,oasis,'@Oasis,total,,,,,,,-14.00")
        // The rule for =, +, -, @ is the one remittances were written with before the shared writer: the bytes of
        // the advice of RemittanceAdviceTests (recorded SHA-256 in existing logs) are unchanged, pinned there.
    }

    @Test("R-ACT-2: a header naming a column twice, or an unknown column a letter or two from a known one, is refused naming that column")
    func importHeaders() {
        let cases: [(String, String)] = [
            ("service,cpli,week,actual,actual\n", "actual"),
            ("service,cpli,week,actual,Actual \n", "Actual "),
            ("service,cpli,week,actual,actuals\n", "actuals"),
            ("service,cpli,week,actual,visit\n", "visit"),
            ("service,cpli,week,actual,coment\n", "coment"),
        ]
        for (header, column) in cases {
            let rejected = #expect(throws: ImportRejected.self) {
                try ActualsFile.parse(header + "oasis-hs,cpli-1,2026-11-16,4,\n")
            }
            #expect(rejected?.problems.map(\.column) == [column], "\(header)")
            #expect(rejected?.problems.first?.row == 1)
            #expect(rejected?.problems.first?.rule == "R-ACT-2")
        }
        // Unknown columns far from every known one are still ignored (a provider's own notes column).
        #expect(throws: Never.self) { try ActualsFile.parse("service,cpli,week,actual,notes,client_name\noasis-hs,cpli-1,2026-11-16,4,x,Ann\n") }
    }
}
