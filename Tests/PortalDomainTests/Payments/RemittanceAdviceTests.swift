import Chronology
import PortalDomain
import Testing

@Suite("R-PAY-3: remittance advice rendering")
struct RemittanceAdviceTests {
    typealias F = Fixture

    static func line(_ kind: DocumentKind, _ id: String, _ reference: String, client: String = "Ann Example", amount: Int64) -> RemittanceLine {
        RemittanceLine(documentKind: kind, documentID: id, documentReference: reference, clientReference: "C1001", clientName: client,
                       cpliID: "cpli-1", period: F.period9, amount: Money(pence: amount))
    }

    static let advice = RemittanceAdvice(
        paymentRunID: "run-1", paymentReference: "BACS-1218/oasis", paymentDate: F.date("2026-12-18"), organisationID: "oasis",
        organisationName: "Oasis Care and Support",
        lines: [line(.invoice, "inv-9", "INV001", amount: 77700), line(.creditNote, "cn-1", "CN001", amount: -4625)])

    @Test("R-PAY-2: the CSV has fixed columns, plain two-place amounts, a total row and \\n line ends")
    func csv() {
        let expected = """
            payment_reference,payment_date,organisation_id,organisation_name,document_kind,document_id,document_reference,client_reference,client_name,cpli,period,amount
            BACS-1218/oasis,2026-12-18,oasis,Oasis Care and Support,invoice,inv-9,INV001,C1001,Ann Example,cpli-1,9,777.00
            BACS-1218/oasis,2026-12-18,oasis,Oasis Care and Support,credit-note,cn-1,CN001,C1001,Ann Example,cpli-1,9,-46.25
            BACS-1218/oasis,2026-12-18,oasis,Oasis Care and Support,total,,,,,,,730.75

            """
        #expect(Self.advice.csv == expected)
        #expect(Self.advice.total == Money(pence: 73075))
        #expect(!Self.advice.csv.contains("\r"))
    }

    @Test("the CSV quotes commas and quotes, and defuses spreadsheet formulas in text fields")
    func csvEscaping() {
        let advice = RemittanceAdvice(
            paymentRunID: "run-1", paymentReference: "R", paymentDate: F.date("2026-12-18"), organisationID: "oasis", organisationName: "Oasis, \"North\"",
            lines: [Self.line(.invoice, "inv-9", "=HYPERLINK(\"x\")", client: "-Smith", amount: 100)])
        let row = advice.csv.split(separator: "\n")[1]
        #expect(row == "R,2026-12-18,oasis,\"Oasis, \"\"North\"\"\",invoice,inv-9,\"'=HYPERLINK(\"\"x\"\")\",C1001,'-Smith,cpli-1,9,1.00")
    }

    @Test("R-PAY-2: the printable advice lists the payment, a right-aligned table of lines and the total")
    func text() {
        let gap = String(repeating: " ", count: 52)
        let expected = """
            REMITTANCE ADVICE

            Provider:          Oasis Care and Support (oasis)
            Payment reference: BACS-1218/oasis
            Payment date:      2026-12-18
            Payment run:       run-1
            Amounts in GBP.

            Document     Reference  Client             CPLI    Period  Amount
            -----------  ---------  -----------------  ------  ------  ------
            invoice      INV001     C1001 Ann Example  cpli-1       9  777.00
            credit-note  CN001      C1001 Ann Example  cpli-1       9  -46.25
            -----------  ---------  -----------------  ------  ------  ------
            \(gap)Total  730.75

            """
        #expect(Self.advice.text == expected)
    }

    @Test("R-PAY-3: an advice rebuilt from its RemittanceIssued event, through JSON, renders byte-identical CSV and text")
    func rebuiltFromTheEvent() throws {
        let large = RemittanceAdvice(
            paymentRunID: "run-1", paymentReference: "BACS-1218/oasis", paymentDate: F.date("2026-12-18"), organisationID: "oasis",
            organisationName: "Oasis Care and Support", lines: Self.advice.lines + [Self.line(.scheduledPayment, "k-s/9", "SP-k-s-P9", amount: 123_456_789)])
        let issued = RemittanceIssued(large, csvSHA256: String(repeating: "d", count: 64))
        let stored = try EventCoding.encode(issued)
        let decoded = try EventRegistry.decode(PaymentRunEvent.self, type: RemittanceIssued.eventType, schemaVersion: 1, payload: stored)
        guard case .remittanceIssued(let back) = decoded else { Issue.record("wrong event"); return }
        let rebuilt = RemittanceAdvice(back)
        #expect(rebuilt.csvBytes == large.csvBytes)
        #expect(rebuilt.text == large.text)
        #expect(rebuilt.text.contains("1,234,567.89"))
        #expect(rebuilt.text.hasSuffix("Total  1,235,298.64\n"))
    }
}
