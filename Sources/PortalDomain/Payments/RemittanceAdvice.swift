import Chronology

/// One line of a remittance advice: a document's line (an invoice's CPLI, a claim item, a scheduled payment's
/// CPLI, a credit note's difference) and its amount (R-PAY-2).
public struct RemittanceLine: Sendable, Hashable, Codable {
    public var documentKind: DocumentKind
    /// The invoice or credit note id, or `<contractId>/<period>` of a scheduled payment.
    public var documentID: String
    /// The provider's reference of an invoice or credit note, or `SP-<contractId>-P<period>`.
    public var documentReference: String
    public var clientReference: String
    public var clientName: String
    public var cpliID: CPLIID
    public var period: PeriodNumber
    public var amount: Money

    public init(
        documentKind: DocumentKind, documentID: String, documentReference: String, clientReference: String, clientName: String,
        cpliID: CPLIID, period: PeriodNumber, amount: Money
    ) {
        self.documentKind = documentKind
        self.documentID = documentID
        self.documentReference = documentReference
        self.clientReference = clientReference
        self.clientName = clientName
        self.cpliID = cpliID
        self.period = period
        self.amount = amount
    }

    /// The remittance lines of a document's charge lines.
    static func lines(of charges: [ChargeLine], kind: DocumentKind, id: String, reference: String) -> [RemittanceLine] {
        charges.map {
            RemittanceLine(
                documentKind: kind, documentID: id, documentReference: reference, clientReference: $0.clientReference,
                clientName: $0.clientName, cpliID: $0.cpliID, period: $0.period, amount: $0.amount)
        }
    }
}

/// What one provider is told of a payment run (R-PAY-2): payment date and reference, and per line the
/// document, client, CPLI, period and amount, with the total. Rebuilt from the run's `RemittanceIssued` event
/// alone, it renders the same bytes every time (R-PAY-3): fixed column order, fixed number formats, `\n` line
/// ends, and nothing about when it was rendered. The projection, the HTTP API and the audit tool all render
/// through here.
public struct RemittanceAdvice: Sendable, Hashable, Codable {
    public var paymentRunID: PaymentRunID
    public var paymentReference: String
    public var paymentDate: BusinessDate
    public var organisationID: OrganisationID
    public var organisationName: String
    public var lines: [RemittanceLine]
    /// The sum of the lines; negative when credit notes exceed what is paid (the provider's debit balance).
    public var total: Money

    public init(
        paymentRunID: PaymentRunID, paymentReference: String, paymentDate: BusinessDate, organisationID: OrganisationID,
        organisationName: String, lines: [RemittanceLine]
    ) {
        self.paymentRunID = paymentRunID
        self.paymentReference = paymentReference
        self.paymentDate = paymentDate
        self.organisationID = organisationID
        self.organisationName = organisationName
        self.lines = lines
        self.total = Money.sum(lines.map(\.amount))
    }

    /// The advice recorded by a payment run.
    public init(_ issued: RemittanceIssued) {
        self.init(
            paymentRunID: issued.paymentRunID, paymentReference: issued.paymentReference, paymentDate: issued.paymentDate,
            organisationID: issued.organisationID, organisationName: issued.organisationName, lines: issued.lines)
    }

    /// The CSV columns, in order.
    public static let csvColumns = [
        "payment_reference", "payment_date", "organisation_id", "organisation_name", "document_kind", "document_id",
        "document_reference", "client_reference", "client_name", "cpli", "period", "amount",
    ]

    /// The advice as CSV (``CSVText``: RFC 4180 quoting, `\n` line ends, formula cells neutralised): a header,
    /// one row per line, and a last row whose document kind is `total`. Amounts are plain decimals with two
    /// places (`-12.30`), written as numbers; a text field starting with `=`, `+`, `-` or `@` is prefixed with
    /// `'` as it always was, so the bytes whose SHA-256 a payment run recorded regenerate unchanged (R-PAY-3).
    public var csv: String {
        let head: [CSVText.Cell] = [.text(paymentReference), .number(paymentDate.iso8601), .text(organisationID.rawValue), .text(organisationName)]
        var rows = lines.map { line -> [CSVText.Cell] in
            head + [
                .text(line.documentKind.rawValue), .text(line.documentID), .text(line.documentReference), .text(line.clientReference),
                .text(line.clientName), .text(line.cpliID.rawValue), .number(line.period.description), .number(line.amount.description),
            ]
        }
        rows.append(head + ["total", "", "", "", "", "", "", .number(total.description)])
        return CSVText.render(header: Self.csvColumns, rows: rows)
    }

    /// The CSV's UTF-8 bytes: what the payment run's `csvSHA256` is computed over.
    public var csvBytes: [UInt8] { Array(csv.utf8) }

    /// A plain printable advice: the payment's facts, a table of lines with amounts right-aligned, and the
    /// total; `\n` line ends.
    public var text: String {
        let headings = ["Document", "Reference", "Client", "CPLI", "Period", "Amount"]
        let rows = lines.map { line in
            [line.documentKind.rawValue, line.documentReference, "\(line.clientReference) \(line.clientName)", line.cpliID.rawValue,
             line.period.description, Self.pounds(line.amount)]
        }
        let totalRow = ["", "", "", "", "Total", Self.pounds(total)]
        var widths = headings.map(\.count)
        for row in rows + [totalRow] {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return index >= 4 ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
        var out = [
            "REMITTANCE ADVICE",
            "",
            "Provider:          \(organisationName) (\(organisationID))",
            "Payment reference: \(paymentReference)",
            "Payment date:      \(paymentDate)",
            "Payment run:       \(paymentRunID)",
            "Amounts in GBP.",
            "",
            render(headings),
            render(widths.map { String(repeating: "-", count: $0) }),
        ]
        out += rows.map(render)
        out.append(render(widths.map { String(repeating: "-", count: $0) }))
        out.append(render(totalRow))
        return out.joined(separator: "\n") + "\n"
    }

    /// `1,234.56`, `-12.30`: pounds with thousands separators and two decimals.
    static func pounds(_ amount: Money) -> String {
        let plain = amount.description
        let negative = plain.hasPrefix("-")
        let digits = negative ? String(plain.dropFirst()) : plain
        let parts = digits.split(separator: ".")
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        return (negative ? "-" : "") + whole + grouped + "." + parts[1]
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = Substring(self)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
