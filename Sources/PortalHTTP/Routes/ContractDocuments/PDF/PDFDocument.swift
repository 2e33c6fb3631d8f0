import Foundation

/// A PDF 1.4 document of text pages (A4) set in embedded TrueType fonts: each font a Type 0 font over a
/// CIDFontType2 with the document's glyphs only (Identity-H, glyph ids as codes), its widths, and a ToUnicode
/// map, so that every character prints as written and text extracts as written (`pdftotext`). No dates in the
/// file: the same content gives the same bytes.
struct PDFDocument {
    /// A4 in points.
    static let pageWidth = 595.0, pageHeight = 842.0

    /// One line of text placed on a page.
    struct Line {
        var font: Int
        var size: Double
        var x: Double
        var y: Double
        var text: String
    }

    let fonts: [TrueTypeFont]
    private(set) var pages: [[Line]] = [[]]

    init(fonts: [TrueTypeFont]) {
        precondition(!fonts.isEmpty, "a PDF document needs a font")
        self.fonts = fonts
    }

    mutating func newPage() { pages.append([]) }

    mutating func place(_ line: Line) { pages[pages.count - 1].append(line) }

    /// The glyphs of `text` in `font` (NFC first, so `e` + combining diaeresis is `ë`); a character the font has
    /// no glyph for prints as `?`.
    func glyphs(_ text: String, font: Int) -> [(glyph: Int, scalar: Unicode.Scalar)] {
        let file = fonts[font]
        let fallback = file.glyph(for: "?") ?? 0
        return text.precomposedStringWithCanonicalMapping.unicodeScalars.compactMap { scalar in
            if scalar.value < 0x20 { return nil }
            if let glyph = file.glyph(for: scalar) { return (glyph, scalar) }
            return (fallback, "?")
        }
    }

    /// The width of `text` in points at `size`.
    func width(_ text: String, font: Int, size: Double) -> Double {
        Double(glyphs(text, font: font).reduce(0) { $0 + fonts[font].width(ofGlyph: $1.glyph) }) * size / 1000
    }

    /// The file.
    func render() -> [UInt8] {
        // Which glyphs each font uses, and the character each stands for (ToUnicode).
        var used = Array(repeating: [Int: Unicode.Scalar](), count: fonts.count)
        for page in pages {
            for line in page {
                for (glyph, scalar) in glyphs(line.text, font: line.font) where used[line.font][glyph] == nil { used[line.font][glyph] = scalar }
            }
        }
        var objects: [[UInt8]] = []
        func add(_ object: [UInt8]) -> Int {
            objects.append(object)
            return objects.count
        }
        func add(_ text: String) -> Int { add(Array(text.utf8)) }
        func stream(_ dictionary: String, _ bytes: [UInt8]) -> [UInt8] {
            Array("<< \(dictionary) /Length \(bytes.count) >>\nstream\n".utf8) + bytes + Array("\nendstream".utf8)
        }
        let catalog = add("<< /Type /Catalog /Pages 2 0 R >>")
        _ = add("") // the page tree, written once the pages are numbered
        var fontObjects: [Int] = []
        for (index, font) in fonts.enumerated() {
            let glyphs = used[index].keys.sorted()
            let tag = Self.subsetTag(font.name, glyphs)
            let file = font.subset(keeping: Set(glyphs))
            let fontFile = add(stream("/Length1 \(file.count)", file))
            let scale = { (value: Int) in (value * 1000) / font.unitsPerEm }
            let descriptor = add("""
                << /Type /FontDescriptor /FontName /\(tag)+\(font.name) /Flags \(font.isBold ? 262_148 : 4) \
                /FontBBox [\(font.boundingBox.map { String(scale($0)) }.joined(separator: " "))] /ItalicAngle 0 \
                /Ascent \(scale(font.ascender)) /Descent \(scale(font.descender)) /CapHeight \(scale(font.capHeight)) \
                /StemV \(font.isBold ? 140 : 80) /FontFile2 \(fontFile) 0 R >>
                """)
            let widths = glyphs.map { "\($0) [\(font.width(ofGlyph: $0))]" }.joined(separator: " ")
            let cidFont = add("""
                << /Type /Font /Subtype /CIDFontType2 /BaseFont /\(tag)+\(font.name) \
                /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor \(descriptor) 0 R \
                /DW 1000 /W [\(widths)] /CIDToGIDMap /Identity >>
                """)
            let toUnicode = add(stream("", Array(Self.toUnicode(used[index]).utf8)))
            fontObjects.append(add("""
                << /Type /Font /Subtype /Type0 /BaseFont /\(tag)+\(font.name) /Encoding /Identity-H \
                /DescendantFonts [\(cidFont) 0 R] /ToUnicode \(toUnicode) 0 R >>
                """))
        }
        let resources = "<< /Font << \(fontObjects.enumerated().map { "/F\($0.offset + 1) \($0.element) 0 R" }.joined(separator: " ")) >> >>"
        var pageObjects: [Int] = []
        for page in pages {
            var content = ""
            for line in page {
                let hex = glyphs(line.text, font: line.font).map { Self.hex4($0.glyph) }.joined()
                content += "BT /F\(line.font + 1) \(Self.number(line.size)) Tf 1 0 0 1 \(Self.number(line.x)) \(Self.number(line.y)) Tm <\(hex)> Tj ET\n"
            }
            let contents = add(stream("", Array(content.utf8)))
            pageObjects.append(add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources \(resources) /Contents \(contents) 0 R >>"))
        }
        objects[1] = Array("<< /Type /Pages /Kids [\(pageObjects.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pageObjects.count) >>".utf8)

        var output = Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(output.count)
            output += Array("\(index + 1) 0 obj\n".utf8) + object + Array("\nendobj\n".utf8)
        }
        let xref = output.count
        var trailer = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { trailer += String(format: "%010d 00000 n \n", offset) }
        trailer += "trailer\n<< /Size \(objects.count + 1) /Root \(catalog) 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return output + Array(trailer.utf8)
    }

    /// The ToUnicode CMap: each glyph used to the character it stands for (UTF-16BE).
    static func toUnicode(_ glyphs: [Int: Unicode.Scalar]) -> String {
        var out = """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange

            """
        let entries = glyphs.sorted { $0.key < $1.key }
        var start = 0
        while start < entries.count {
            let chunk = entries[start..<min(start + 100, entries.count)]
            out += "\(chunk.count) beginbfchar\n"
            for (glyph, scalar) in chunk {
                out += "<\(hex4(glyph))> <" + String(scalar).utf16.map { hex4(Int($0)) }.joined() + ">\n"
            }
            out += "endbfchar\n"
            start += 100
        }
        out += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        return out
    }

    /// Four uppercase hexadecimal digits.
    static func hex4(_ value: Int) -> String {
        let digits = String(value & 0xFFFF, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// Six capital letters naming the subset (the same glyphs give the same tag).
    static func subsetTag(_ name: String, _ glyphs: [Int]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in Array(name.utf8).map(Int.init) + glyphs {
            hash = (hash ^ UInt64(truncatingIfNeeded: value)) &* 0x100_0000_01b3
        }
        return String((0..<6).map { Character(Unicode.Scalar(UInt8(65 + (hash >> (8 * UInt64($0))) % 26))) })
    }

    /// A coordinate or size with at most two decimals.
    static func number(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return hundredths % 100 == 0 ? String(hundredths / 100) : String(format: "%.2f", Double(hundredths) / 100)
    }
}
