import Chronology
import Foundation
import PortalDomain

/// A contract document (ISO) as a PDF (R-ISO-2): the client, provider and service by name, the status, and
/// each CPLI with its service type, planned quantity, rate, weekly and four-weekly cost and dates, with the
/// totals; on as many A4 pages as the order needs, each numbered. Set in DejaVu Sans (or Liberation Sans),
/// embedded, so every name prints as written.
enum ContractDocumentPDF {
    /// What the document prints.
    struct Document {
        var isoID: ISOID
        var clientName: String
        var clientReference: String
        var providerName: String
        var serviceName: String
        var status: String
        var rejectionReason: String?
        var cplis: [CPLIView]
    }

    static let margin = 56.0
    static let textWidth = PDFDocument.pageWidth - 2 * margin
    static let top = PDFDocument.pageHeight - 60
    static let bottom = 64.0

    /// The PDF of `document` in `fonts` (regular, then bold when there is one).
    static func render(_ document: Document, fonts: [TrueTypeFont]) -> [UInt8] {
        var layout = Layout(pdf: PDFDocument(fonts: fonts))
        let bold = fonts.count > 1 ? 1 : 0
        layout.write("Individual Service Order", font: bold, size: 17, after: 8)
        layout.write("Client: \(document.clientName) (reference \(document.clientReference))", size: 11)
        layout.write("Provider: \(document.providerName)", size: 11)
        layout.write("Service: \(document.serviceName)", size: 11)
        layout.write("Order: \(document.isoID)    Status: \(document.status)", size: 11)
        if let reason = document.rejectionReason { layout.write("Reason for rejection: \(reason)", size: 11) }
        layout.space(10)
        layout.write("Care Package Line Items (\(document.cplis.count))", font: bold, size: 13, after: 4)
        for (index, cpli) in document.cplis.enumerated() {
            layout.keepTogether(height: 48)
            layout.write("\(index + 1). \(serviceTypeName(cpli.serviceType)), CPLI \(cpli.cpliID)", font: bold, size: 10)
            let unit = cpli.unit == .hours ? ("hours", "an hour") : ("nights", "a night")
            layout.write("\(quantity(cpli.plannedPerWeek)) \(unit.0) a week at \(pounds(cpli.rate)) \(unit.1): \(pounds(cpli.weeklyCost)) a week, "
                         + "\(pounds(cpli.periodCost)) a four-week period", size: 10, indent: 14)
            var dates = "From \(longDate(cpli.startDate))" + (cpli.endDate.map { " to \(longDate($0))" } ?? ", no end date")
            if let original = cpli.temporaryOf { dates += "; a temporary top-up of CPLI \(original)" }
            layout.write(dates + "; \(cpli.status)", size: 10, indent: 14, after: 5)
        }
        let weekly = Money.sum(document.cplis.map(\.weeklyCost)), period = Money.sum(document.cplis.map(\.periodCost))
        layout.space(4)
        layout.write("Total: \(pounds(weekly)) a week, \(pounds(period)) a four-week period", font: bold, size: 11)

        var pdf = layout.pdf
        let pages = pdf.pages.count
        var numbered = PDFDocument(fonts: fonts)
        for (number, page) in pdf.pages.enumerated() {
            if number > 0 { numbered.newPage() }
            for line in page { numbered.place(line) }
            let footer = "Individual Service Order \(document.isoID), \(document.clientName): page \(number + 1) of \(pages)"
            numbered.place(.init(font: 0, size: 8, x: margin, y: 36, text: footer))
        }
        pdf = numbered
        return pdf.render()
    }

    /// Lines set from the top of the page down, wrapped at the text width, a new page when one is full.
    struct Layout {
        var pdf: PDFDocument
        var y = ContractDocumentPDF.top

        mutating func space(_ points: Double) { y -= points }

        /// Starts a new page unless `height` points are left on this one.
        mutating func keepTogether(height: Double) {
            if y - height < ContractDocumentPDF.bottom { newPage() }
        }

        mutating func newPage() {
            pdf.newPage()
            y = ContractDocumentPDF.top
        }

        mutating func write(_ text: String, font: Int = 0, size: Double, indent: Double = 0, after: Double = 0) {
            for line in wrapped(text, font: font, size: size, width: ContractDocumentPDF.textWidth - indent) {
                if y - size < ContractDocumentPDF.bottom { newPage() }
                y -= size * 1.3
                pdf.place(.init(font: font, size: size, x: ContractDocumentPDF.margin + indent, y: y, text: line))
            }
            y -= after
        }

        /// The text in lines no wider than `width`, broken at spaces (a word wider than a line is broken anywhere).
        func wrapped(_ text: String, font: Int, size: Double, width: Double) -> [String] {
            var lines: [String] = []
            var current = ""
            for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
                let candidate = current.isEmpty ? word : current + " " + word
                if pdf.width(candidate, font: font, size: size) <= width {
                    current = candidate
                    continue
                }
                if !current.isEmpty { lines.append(current) }
                current = ""
                for character in word {
                    if !current.isEmpty, pdf.width(current + String(character), font: font, size: size) > width {
                        lines.append(current)
                        current = ""
                    }
                    current.append(character)
                }
            }
            if !current.isEmpty || lines.isEmpty { lines.append(current) }
            return lines
        }
    }

    static func serviceTypeName(_ type: ServiceType) -> String {
        switch type {
        case .homeSupportContractRate: "Home Support Contract Rate"
        case .homeSupportBlockRate: "Home Support Block Rate"
        case .nightSits: "Night Sits"
        case .liveInCare: "Live in Care"
        case .breaksForCarersDaySittingRate: "Breaks for Carers Day Sitting Rate"
        }
    }

    /// `£1,269.00`.
    static func pounds(_ money: Money) -> String {
        let pence = money.pence.magnitude
        var whole = String(pence / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        let cents = String(pence % 100)
        return (money.pence < 0 ? "-" : "") + "£" + whole + grouped + "." + (cents.count == 1 ? "0" + cents : cents)
    }

    /// A rate per unit: `£18.50`, or to the four places it has (`£18.5025`).
    static func pounds(_ rate: Rate) -> String {
        let text = rate.description
        let trimmed = text.hasSuffix("00") ? String(text.dropLast(2)) : text
        return "£" + trimmed
    }

    /// `10.5`, `4.2857`, `7`.
    static func quantity(_ quantity: Quantity) -> String {
        var text = quantity.description
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// `16 November 2026`.
    static func longDate(_ date: BusinessDate) -> String { "\(date.day) \(months[date.month - 1]) \(date.year)" }
}

/// The fonts contract document PDFs are set in, found at run time among Debian's fonts-dejavu-core and
/// fonts-liberation (installed by tools/lib/prerequisites.sh): regular first, bold when present.
enum PDFFonts {
    static let regular = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    ]
    static let bold = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    ]

    /// Loaded once: the fonts, or why there are none.
    static let loaded: Result<[TrueTypeFont], TrueTypeFont.Problem> = {
        guard let path = regular.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            return .failure(.unreadable("none of \(regular.joined(separator: ", ")) is installed (Debian: apt-get install fonts-dejavu-core)"))
        }
        do {
            var fonts = [try TrueTypeFont(path: path)]
            if let boldPath = bold.first(where: { FileManager.default.isReadableFile(atPath: $0) }), let font = try? TrueTypeFont(path: boldPath) {
                fonts.append(font)
            }
            return .success(fonts)
        } catch let problem as TrueTypeFont.Problem {
            return .failure(problem)
        } catch {
            return .failure(.unreadable("\(error)"))
        }
    }()
}
