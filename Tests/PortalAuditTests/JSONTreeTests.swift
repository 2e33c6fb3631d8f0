import Foundation
import PortalAudit
import Testing

@Suite("Audit: JSON trees")
struct JSONTreeTests {
    @Test("a number keeps its exact text: no binary floating point on the way, so nothing is rounded or reformatted")
    func exactNumbers() throws {
        let tree = try JSONTree(json: Data(#"{"a":10.50,"b":1e3,"c":-0.0,"d":12345678901234567890.123456789,"e":0.1,"f":7,"g":-2.5E-3}"#.utf8))
        #expect(tree["a"] == .number("10.50"))
        #expect(tree["b"] == .number("1e3"))
        #expect(tree["c"] == .number("-0.0"))
        #expect(tree["d"] == .number("12345678901234567890.123456789"))
        #expect(tree["e"] == .number("0.1"))
        #expect(tree["f"] == .number("7"))
        #expect(tree["g"] == .number("-2.5E-3"))
        #expect(tree.json == #"{"a":10.50,"b":1e3,"c":-0.0,"d":12345678901234567890.123456789,"e":0.1,"f":7,"g":-2.5E-3}"#)
        // A changed number shows as the text that changed.
        let after = try JSONTree(json: Data(#"{"a":10.5,"b":1e3,"c":-0.0,"d":12345678901234567890.123456780,"e":0.1,"f":7,"g":-2.5E-3}"#.utf8))
        #expect(FieldChange.between(tree, after) == [
            FieldChange(path: "a", before: "10.50", after: "10.5"),
            FieldChange(path: "d", before: "12345678901234567890.123456789", after: "12345678901234567890.123456780"),
        ])
    }

    @Test("strings with escapes, nesting, literals and whitespace parse as JSON says")
    func values() throws {
        let tree = try JSONTree(json: Data(" { \"s\" : \"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\", \"l\": [true, false, null, [], {}], \"o\": {\"x\": \"\"} } ".utf8))
        #expect(tree["s"] == .string("a\"b\\c/d\né😀"))
        #expect(tree["l"] == .array([.bool(true), .bool(false), .null, .array([]), .object([:])]))
        #expect(tree["o"]?["x"] == .string(""))
        #expect(tree.flattened().map(\.path) == ["l[0]", "l[1]", "l[2]", "l[3]", "l[4]", "o.x", "s"])
        #expect(try JSONTree(json: Data(tree.json.utf8)) == tree)
        #expect(try JSONTree(json: Data("\"£12.34\"".utf8)) == .string("£12.34"))
    }

    @Test("text that is not JSON is refused with the byte offset and the reason")
    func refused() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "1e", "+1", "\"open", "tru", "{\"a\":1} x", "\"\u{01}\"", "\"\\ud83d\"", "\"\\x\"", "NaN"] {
            #expect(throws: JSONTreeError.self, "\(text.debugDescription)") { try JSONTree(json: Data(text.utf8)) }
        }
        let error = #expect(throws: JSONTreeError.self) { try JSONTree(json: Data("[1, 2, 03]".utf8)) }
        #expect(error?.offset == 8)
        #expect(error?.description.contains("leading zero") == true)
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONTreeError.self) { try JSONTree(json: Data(deep.utf8)) }
    }

    @Test("changes are listed in path order with array indices in numeric order; an empty text shows as \"\" and a missing field as ∅")
    func changeOrder() throws {
        let items = (0..<12).map { JSONTree.object(["amount": .string("\($0).00")]) }
        let before = JSONTree.object(["lines": .array(items), "reference": .string("")])
        var changed = items
        changed[2] = .object(["amount": .string("9.99")])
        changed[10] = .object(["amount": .string("1.01")])
        let after = JSONTree.object(["lines": .array(changed), "reference": .string("INV-1"), "status": .string("submitted")])
        let changes = FieldChange.between(before, after)
        #expect(changes.map(\.path) == ["lines[2].amount", "lines[10].amount", "reference", "status"])
        #expect(changes[2].description == "reference: \"\" → INV-1")
        #expect(changes[3].description == "status: ∅ → submitted")
    }
}

