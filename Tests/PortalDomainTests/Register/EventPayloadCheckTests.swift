import Foundation
import PortalDomain
import Testing

/// The check every payload passes before it is stored (`EventRegistry.check`), and the equality of the payload
/// types with their JSON Schemas in `Schemas/events` that makes a checked payload one its schema accepts.
@Suite("Event payloads checked before they are stored")
struct EventPayloadCheckTests {
    typealias Samples = EventSchemaTests

    /// The stream id a sample of `type` belongs in.
    static func stream(of type: any EventPayload.Type) throws -> String {
        let kind = try #require(EventRegistry.streamKinds.first { kind in Self.payloadTypes(of: kind).contains { ObjectIdentifier($0) == ObjectIdentifier(type) } })
        return "\(kind.category)-x1"
    }

    static func payloadTypes<S: EventStream>(of kind: S.Type) -> [any EventPayload.Type] { S.Event.payloadTypes }

    static func check(_ json: String, type: String = "InvoiceApproved", stream: String = "invoice-inv-9") -> String? {
        do {
            try EventRegistry.check(Data(json.utf8), type: type, schemaVersion: 1, streamID: stream)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("every sample passes, as decided and as stored bytes")
    func samplesPass() throws {
        for sample in Samples.samples {
            let type = Swift.type(of: sample)
            let bytes = try EventCoding.encode(sample)
            let stream = try Self.stream(of: type)
            try EventRegistry.check(bytes, type: type.eventType, schemaVersion: type.schemaVersion, streamID: stream, decided: sample)
            try EventRegistry.check(bytes, type: type.eventType, schemaVersion: type.schemaVersion, streamID: stream)
        }
    }

    @Test("a malformed payload is refused naming the field: missing, unknown, of the wrong type, null, not canonical")
    func malformed() {
        #expect(Self.check(#"{"date":"2026-12-14","invoiceID":"inv-9"}"#) == nil)
        #expect(Self.check(#"{"invoiceID":"inv-9"}"#) == "event InvoiceApproved v1: field 'date' is missing")
        #expect(Self.check(#"{"date":"2026-12-14","invoiceID":"inv-9","password":"x"}"#)
            == "event InvoiceApproved v1: field 'password' is not a field of this event type")
        #expect(Self.check(#"{"date":20261214,"invoiceID":"inv-9"}"#)?.contains("field 'date'") == true)
        #expect(Self.check(#"{"date":null,"invoiceID":"inv-9"}"#)?.contains("field 'date'") == true)
        #expect(Self.check(#"{"date":"2026-13-40","invoiceID":"inv-9"}"#)?.contains("field 'date'") == true)
        #expect(Self.check(#"{"invoiceID":"inv-9","date":"2026-12-14"}"#)?.contains("canonical form") == true)
        #expect(Self.check("not json")?.contains("not JSON") == true)
        // Nested fields are named by their path.
        let line = #"{"actualsVersion":3,"contractID":"k-1","invoiceDate":"2026-12-14","invoiceID":"inv-9","lines":[{"amount":"1.00"}],"# +
            #""organisationID":"oasis","period":9,"reference":"R","serviceID":"s-1","total":"1.00"}"#
        #expect(Self.check(line, type: "InvoiceCreated")?.contains("field 'lines[0].cpliID' is missing") == true, "\(Self.check(line, type: "InvoiceCreated") ?? "")")
    }

    @Test("an event is refused in a stream of another kind, in a stream that is not the portal's, and when unregistered")
    func wrongStream() {
        let valid = #"{"date":"2026-12-14","invoiceID":"inv-9"}"#
        #expect(Self.check(valid, stream: "paymentrun-run-1") == "event InvoiceApproved v1 does not belong to stream paymentrun-run-1")
        #expect(Self.check(valid, stream: "bench-1")?.contains("is not one of the portal's") == true)
        #expect(Self.check(valid, type: "InvoiceTeleported")?.contains("not registered") == true)
    }

    @Test("a decided event whose encoding does not read back as itself is refused")
    func decidedMustRoundTrip() throws {
        let decided = InvoiceApproved(invoiceID: "inv-9", date: Fixture.date("2026-12-14"))
        let other = try EventCoding.encode(InvoiceApproved(invoiceID: "inv-8", date: Fixture.date("2026-12-14")))
        let error = #expect(throws: EventDecodingError.self) {
            try EventRegistry.check(other, type: "InvoiceApproved", schemaVersion: 1, streamID: "invoice-inv-9", decided: decided)
        }
        #expect(error?.description.contains("does not decode back to the event decided") == true)
    }

    // MARK: Payload types and Schemas/events describe the same shapes

    /// The schema of a type's JSON Schema file.
    static func schema(_ type: any EventPayload.Type) throws -> [String: Any] {
        let file = Samples.schemas.appendingPathComponent("\(type.eventType).v\(type.schemaVersion).schema.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
    }

    /// The object schema `node` stands for, `$ref` followed, and for `oneOf` the branch whose required fields `value` has.
    static func objectSchema(_ node: [String: Any], root: [String: Any], value: [String: Any]) -> [String: Any]? {
        if let ref = node["$ref"] as? String, let name = ref.split(separator: "/").last,
           let defs = root["$defs"] as? [String: Any], let target = defs[String(name)] as? [String: Any] {
            return objectSchema(target, root: root, value: value)
        }
        if let branches = node["oneOf"] as? [[String: Any]] {
            return branches.first { Set(($0["required"] as? [String]) ?? []).isSubset(of: value.keys) }
                .flatMap { objectSchema($0, root: root, value: value) }
        }
        return node["type"] as? String == "object" ? node : nil
    }

    /// Walks `value` (a sample's JSON) beside its schema, failing where an object has a field its schema does not,
    /// or lacks one its schema requires.
    static func walk(_ value: Any, _ node: [String: Any], root: [String: Any], path: String, name: String) {
        if let object = value as? [String: Any] {
            guard let schema = objectSchema(node, root: root, value: object) else {
                Issue.record("\(name): \(path) is an object where the schema has no object")
                return
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            let required = Set(schema["required"] as? [String] ?? [])
            #expect(required.isSubset(of: object.keys), "\(name): \(path) lacks \(required.subtracting(object.keys).sorted()), which the schema requires")
            #expect(Set(object.keys).isSubset(of: properties.keys), "\(name): \(path) has \(Set(object.keys).subtracting(properties.keys).sorted()), which the schema does not")
            for (key, item) in object {
                walk(item, properties[key] as? [String: Any] ?? [:], root: root, path: "\(path).\(key)", name: name)
            }
        } else if let array = value as? [Any] {
            let items = node["items"] as? [String: Any] ?? [:]
            for item in array { walk(item, items, root: root, path: "\(path)[]", name: name) }
        }
    }

    @Test("every field a payload type encodes is one its schema has, every field the schema requires the type requires, every optional one the type may leave out")
    func typesAndSchemasAgree() throws {
        for sample in Samples.samples {
            let type = Swift.type(of: sample)
            let name = "\(type.eventType).v\(type.schemaVersion)"
            let schema = try Self.schema(type)
            let json = try #require(try JSONSerialization.jsonObject(with: EventCoding.encode(sample)) as? [String: Any])
            Self.walk(json, schema, root: schema, path: "", name: name)
            // At the top level: taking out a required field is refused by the type, naming it; taking out an
            // optional one is accepted (the type has it optional too).
            let required = Set(schema["required"] as? [String] ?? [])
            // The sample has every field of its schema, the optional ones too, so that each is checked below.
            let properties = Set((schema["properties"] as? [String: Any] ?? [:]).keys)
            #expect(properties.isSubset(of: json.keys), "\(name): the sample leaves out \(properties.subtracting(json.keys).sorted())")
            let stream = try Self.stream(of: type)
            for key in json.keys.sorted() {
                var reduced = json
                reduced[key] = nil
                let bytes = try JSONSerialization.data(withJSONObject: reduced, options: [.sortedKeys, .withoutEscapingSlashes])
                let refusal: String?
                do {
                    try EventRegistry.check(bytes, type: type.eventType, schemaVersion: type.schemaVersion, streamID: stream)
                    refusal = nil
                } catch {
                    refusal = error.description
                }
                if required.contains(key) {
                    #expect(refusal?.contains("'\(key)'") == true, "\(name): without \(key), which its schema requires: \(refusal ?? "accepted")")
                } else {
                    #expect(refusal == nil, "\(name): without the optional \(key): \(refusal ?? "")")
                }
            }
        }
    }
}
