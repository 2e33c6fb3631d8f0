import Foundation

/// A contract document (ISO) as a one-page PDF (R-ISO-2): the client, the provider and service, the status,
/// and each CPLI with its planned quantity, rate and weekly cost. Plain PDF 1.4 text in Helvetica, no
/// creation date, so the same document renders to the same bytes.
enum ContractDocumentPDF {
    static func render(_ document: ContractDocumentView) -> [UInt8] {
        var lines: [(size: Int, text: String)] = [
            (16, "Individual Service Order \(document.isoID)"),
            (11, "Client: \(document.clientName) (\(document.clientReference))"),
            (11, "Provider: \(document.organisationID)   Service: \(document.serviceID)"),
            (11, "Status: \(document.status)" + (document.rejectionReason.map { " - reason: \($0)" } ?? "")),
            (11, ""),
            (12, "Care Package Line Items"),
        ]
        for cpli in document.cplis {
            lines.append((10, "\(cpli.cpliID): \(cpli.serviceType) - \(cpli.plannedPerWeek) \(cpli.unit) a week at \(cpli.rate) = \(cpli.weeklyCost) a week"))
            lines.append((10, "    from \(cpli.startDate)" + (cpli.endDate.map { " to \($0)" } ?? "") + (cpli.temporaryOf.map { ", temporary top-up of \($0)" } ?? "")))
        }
        var content = "BT\n72 770 Td\n"
        for (index, line) in lines.enumerated() {
            if index > 0 { content += "0 -\(line.size + 6) Td\n" }
            content += "/F1 \(line.size) Tf\n(\(escaped(line.text))) Tj\n"
        }
        content += "ET\n"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Length \(Array(content.utf8).count) >>\nstream\n\(content)endstream",
        ]
        var output = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(Array(output.utf8).count)
            output += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = Array(output.utf8).count
        output += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { output += String(format: "%010d 00000 n \n", offset) }
        output += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(output.utf8)
    }

    /// PDF string text: backslash, parentheses escaped; characters outside printable ASCII replaced.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "(", ")": result += "\\\(scalar)"
            case " "..."~": result.unicodeScalars.append(scalar)
            default: result += "?"
            }
        }
        return result
    }
}
