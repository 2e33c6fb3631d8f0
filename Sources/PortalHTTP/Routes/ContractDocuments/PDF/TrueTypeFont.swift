import Foundation

/// A TrueType font file read for embedding in a PDF: the glyph of each character (its `cmap`), the glyphs'
/// advance widths, the metrics a PDF font descriptor needs, and subsets holding only the glyphs a document
/// uses (glyph ids unchanged, so the PDF maps its codes to glyphs one to one).
struct TrueTypeFont: Sendable {
    enum Problem: Error, CustomStringConvertible {
        case unreadable(String)
        var description: String {
            switch self {
            case .unreadable(let reason): "the font file cannot be read: \(reason)"
            }
        }
    }

    /// The file's name without extension and punctuation, e.g. `DejaVuSans`.
    let name: String
    let unitsPerEm: Int
    let ascender: Int
    let descender: Int
    let capHeight: Int
    /// xMin, yMin, xMax, yMax in font units.
    let boundingBox: [Int]
    let isBold: Bool
    private let data: [UInt8]
    private let tables: [String: Range<Int>]
    private let advances: [Int]
    private let glyphOffsets: [Int]
    private let characterGlyphs: [UInt32: Int]

    init(path: String) throws {
        guard let contents = FileManager.default.contents(atPath: path) else { throw Problem.unreadable("no file \(path)") }
        try self.init(bytes: [UInt8](contents), name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
    }

    init(bytes: [UInt8], name: String) throws {
        data = bytes
        self.name = String(name.filter { $0.isLetter || $0.isNumber })
        guard bytes.count > 12 else { throw Problem.unreadable("too short") }
        let count = Self.u16(bytes, 4)
        var tables: [String: Range<Int>] = [:]
        for index in 0..<count {
            let record = 12 + 16 * index
            guard record + 16 <= bytes.count else { throw Problem.unreadable("truncated table directory") }
            let tag = String(decoding: bytes[record..<record + 4], as: UTF8.self)
            let offset = Self.u32(bytes, record + 8), length = Self.u32(bytes, record + 12)
            guard offset + length <= bytes.count else { throw Problem.unreadable("table \(tag) runs past the end") }
            tables[tag] = offset..<offset + length
        }
        for tag in ["head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"] where tables[tag] == nil {
            throw Problem.unreadable("no \(tag) table (not a TrueType outline font)")
        }
        self.tables = tables
        let head = tables["head"]!.lowerBound, hhea = tables["hhea"]!.lowerBound
        unitsPerEm = Self.u16(bytes, head + 18)
        boundingBox = [36, 38, 40, 42].map { Self.i16(bytes, head + $0) }
        let longOffsets = Self.i16(bytes, head + 50) == 1
        ascender = Self.i16(bytes, hhea + 4)
        descender = Self.i16(bytes, hhea + 6)
        let metrics = Self.u16(bytes, hhea + 34)
        let glyphs = Self.u16(bytes, tables["maxp"]!.lowerBound + 4)
        let hmtx = tables["hmtx"]!.lowerBound
        advances = (0..<glyphs).map { Self.u16(bytes, hmtx + 4 * min($0, metrics - 1)) }
        let loca = tables["loca"]!.lowerBound
        glyphOffsets = (0...glyphs).map { longOffsets ? Self.u32(bytes, loca + 4 * $0) : 2 * Self.u16(bytes, loca + 2 * $0) }
        if let os2 = tables["OS/2"], os2.count >= 90, Self.u16(bytes, os2.lowerBound) >= 2 {
            capHeight = Self.i16(bytes, os2.lowerBound + 88)
            isBold = Self.u16(bytes, os2.lowerBound + 4) >= 600
        } else {
            capHeight = ascender
            isBold = name.lowercased().contains("bold")
        }
        characterGlyphs = try Self.readCmap(bytes, tables["cmap"]!)
        guard unitsPerEm > 0, !advances.isEmpty else { throw Problem.unreadable("no glyphs") }
    }

    var glyphCount: Int { advances.count }

    /// The glyph of a character; nil when the font has none.
    func glyph(for scalar: Unicode.Scalar) -> Int? { characterGlyphs[scalar.value] }

    /// A glyph's advance in thousandths of the font size (the PDF's width unit).
    func width(ofGlyph glyph: Int) -> Int { (advances[glyph] * 1000 + unitsPerEm / 2) / unitsPerEm }

    /// The font file with only `used` glyphs (and those their composites use, and glyph 0) kept; every other
    /// glyph is empty. Glyph ids are unchanged. Tables a PDF renderer does not need are left out.
    func subset(keeping used: Set<Int>) -> [UInt8] {
        var keep = used.union([0])
        var queue = Array(keep)
        let glyf = tables["glyf"]!
        while let glyph = queue.popLast() {
            for component in components(of: glyph, glyf: glyf) where component < glyphCount && !keep.contains(component) {
                keep.insert(component)
                queue.append(component)
            }
        }
        var newGlyf: [UInt8] = []
        var newLoca: [UInt8] = []
        for glyph in 0..<glyphCount {
            Self.append32(&newLoca, newGlyf.count)
            guard keep.contains(glyph) else { continue }
            let range = (glyf.lowerBound + glyphOffsets[glyph])..<(glyf.lowerBound + glyphOffsets[glyph + 1])
            newGlyf += data[range]
            while newGlyf.count % 4 != 0 { newGlyf.append(0) }
        }
        Self.append32(&newLoca, newGlyf.count)
        var head = [UInt8](data[tables["head"]!])
        head.replaceSubrange(8..<12, with: [0, 0, 0, 0]) // checkSumAdjustment, set below
        head.replaceSubrange(50..<52, with: [0, 1]) // long loca offsets
        var out: [String: [UInt8]] = ["head": head, "loca": newLoca, "glyf": newGlyf]
        for tag in ["hhea", "maxp", "hmtx", "cmap", "cvt ", "fpgm", "prep", "OS/2"] {
            if let range = tables[tag] { out[tag] = [UInt8](data[range]) }
        }
        return Self.fontFile(out)
    }

    /// The glyphs a composite glyph is made of; none for a simple glyph.
    private func components(of glyph: Int, glyf: Range<Int>) -> [Int] {
        let start = glyf.lowerBound + glyphOffsets[glyph], end = glyf.lowerBound + glyphOffsets[glyph + 1]
        guard end - start >= 10, Self.i16(data, start) < 0 else { return [] }
        var found: [Int] = []
        var offset = start + 10
        while offset + 4 <= end {
            let flags = Self.u16(data, offset)
            found.append(Self.u16(data, offset + 2))
            offset += 4 + (flags & 0x1 != 0 ? 4 : 2)
            if flags & 0x8 != 0 { offset += 2 } else if flags & 0x40 != 0 { offset += 4 } else if flags & 0x80 != 0 { offset += 8 }
            guard flags & 0x20 != 0 else { break }
        }
        return found
    }

    /// A font file of `tables`: the directory in tag order, each table 4-byte aligned with its checksum, and
    /// head's checkSumAdjustment.
    private static func fontFile(_ tables: [String: [UInt8]]) -> [UInt8] {
        let tags = tables.keys.sorted()
        var power = 1, exponent = 0
        while power * 2 <= tags.count { power *= 2; exponent += 1 }
        var out: [UInt8] = [0, 1, 0, 0]
        append16(&out, tags.count)
        append16(&out, power * 16)
        append16(&out, exponent)
        append16(&out, tags.count * 16 - power * 16)
        var offset = 12 + 16 * tags.count
        var body: [UInt8] = []
        var headOffset = 0
        for tag in tags {
            let table = tables[tag]!
            out += Array(tag.utf8)
            append32(&out, checksum(table))
            append32(&out, offset)
            append32(&out, table.count)
            if tag == "head" { headOffset = offset }
            body += table
            while body.count % 4 != 0 { body.append(0) }
            offset = 12 + 16 * tags.count + body.count
        }
        out += body
        let adjustment = (0xB1B0_AFBA &- UInt32(truncatingIfNeeded: checksum(out))) & 0xFFFF_FFFF
        out.replaceSubrange(headOffset + 8..<headOffset + 12, with: [UInt8(adjustment >> 24), UInt8((adjustment >> 16) & 0xFF),
                                                                   UInt8((adjustment >> 8) & 0xFF), UInt8(adjustment & 0xFF)])
        return out
    }

    private static func checksum(_ bytes: [UInt8]) -> Int {
        var sum: UInt32 = 0
        var index = 0
        while index < bytes.count {
            var word: UInt32 = 0
            for byte in 0..<4 { word = word << 8 | UInt32(index + byte < bytes.count ? bytes[index + byte] : 0) }
            sum = sum &+ word
            index += 4
        }
        return Int(sum)
    }

    /// Unicode scalar to glyph, from the Windows Unicode subtable (format 12 for the full range, else format 4).
    private static func readCmap(_ bytes: [UInt8], _ cmap: Range<Int>) throws -> [UInt32: Int] {
        let base = cmap.lowerBound
        var format4: Int?, format12: Int?
        for index in 0..<u16(bytes, base + 2) {
            let record = base + 4 + 8 * index
            let platform = u16(bytes, record), encoding = u16(bytes, record + 2), offset = base + u32(bytes, record + 4)
            guard offset + 2 <= cmap.upperBound else { continue }
            let format = u16(bytes, offset)
            if format == 12, platform == 3 && encoding == 10 || platform == 0 { format12 = format12 ?? offset }
            if format == 4, platform == 3 && encoding == 1 || platform == 0 { format4 = format4 ?? offset }
        }
        var map: [UInt32: Int] = [:]
        if let table = format12 {
            let groups = u32(bytes, table + 12)
            for group in 0..<groups {
                let at = table + 16 + 12 * group
                let start = u32(bytes, at), end = u32(bytes, at + 4), glyph = u32(bytes, at + 8)
                guard end >= start, end - start < 0x11_0000 else { continue }
                for code in start...end { map[UInt32(code)] = glyph + code - start }
            }
            return map
        }
        guard let table = format4 else { throw TrueTypeFont.Problem.unreadable("no Unicode cmap") }
        let segments = u16(bytes, table + 6) / 2
        let ends = table + 14, starts = ends + 2 * segments + 2, deltas = starts + 2 * segments, rangeOffsets = deltas + 2 * segments
        for segment in 0..<segments {
            let end = u16(bytes, ends + 2 * segment), start = u16(bytes, starts + 2 * segment)
            let delta = u16(bytes, deltas + 2 * segment), rangeOffset = u16(bytes, rangeOffsets + 2 * segment)
            guard start <= end, end != 0xFFFF || start != 0xFFFF else { continue }
            for code in start...end where code != 0xFFFF {
                var glyph: Int
                if rangeOffset == 0 {
                    glyph = (code + delta) & 0xFFFF
                } else {
                    let at = rangeOffsets + 2 * segment + rangeOffset + 2 * (code - start)
                    guard at + 2 <= bytes.count else { continue }
                    glyph = u16(bytes, at)
                    if glyph != 0 { glyph = (glyph + delta) & 0xFFFF }
                }
                if glyph != 0 { map[UInt32(code)] = glyph }
            }
        }
        return map
    }

    private static func u16(_ bytes: [UInt8], _ at: Int) -> Int { at + 2 <= bytes.count ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : 0 }
    private static func i16(_ bytes: [UInt8], _ at: Int) -> Int { Int(Int16(bitPattern: UInt16(u16(bytes, at)))) }
    private static func u32(_ bytes: [UInt8], _ at: Int) -> Int { u16(bytes, at) << 16 | u16(bytes, at + 2) }
    private static func append16(_ out: inout [UInt8], _ value: Int) { out += [UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
    private static func append32(_ out: inout [UInt8], _ value: Int) {
        out += [UInt8((value >> 24) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
