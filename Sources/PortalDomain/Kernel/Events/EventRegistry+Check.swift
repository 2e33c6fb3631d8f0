import Foundation

extension EventRegistry {
    /// Checks a payload before it is stored as an event of `type` at `schemaVersion` in stream `streamID`: the
    /// type is registered and belongs to the stream's kind, and the bytes decode into the type. When the event
    /// was decided as `decided`, the bytes must decode back to exactly that value (nothing lost or changed by
    /// encoding); otherwise they must be the type's canonical JSON, field for field, so a field the type does not
    /// have, a missing one, or one of the wrong shape is refused by name.
    ///
    /// The payload types and `Schemas/events` describe the same shapes (the event schema tests keep them equal),
    /// so a payload that passes has the shape its JSON Schema gives.
    public static func check(_ payload: Data, type: String, schemaVersion: Int, streamID: String,
                             decided: (any EventPayload)? = nil) throws(EventDecodingError) {
        guard let payloadType = payloadType(named: type, schemaVersion: schemaVersion) else {
            throw .unknown(type, schemaVersion)
        }
        let category = String(streamID.prefix { $0 != "-" })
        guard let kind = streamKind(ofCategory: category) else {
            throw .init(eventType: type, schemaVersion: schemaVersion,
                        message: "stream \(streamID) is not one of the portal's (its category \(category) is none of \(categories.sorted().joined(separator: ", ")))")
        }
        guard payloadTypes(of: kind).contains(where: { ObjectIdentifier($0) == ObjectIdentifier(payloadType) }) else {
            throw .init(eventType: type, schemaVersion: schemaVersion, message: "event \(type) v\(schemaVersion) does not belong to stream \(streamID)")
        }
        let decoded: any EventPayload
        do {
            decoded = try JSONDecoder().decode(payloadType, from: payload)
        } catch let error as DecodingError {
            throw .field(type, schemaVersion, problem(error))
        } catch {
            throw .field(type, schemaVersion, "the payload does not decode: \(error)")
        }
        if let decided {
            guard isEqual(decoded, decided) else {
                throw .field(type, schemaVersion, "the payload does not decode back to the event decided (its encoding loses or changes a field)")
            }
            return
        }
        let canonical: Data
        do {
            canonical = try EventCoding.encode(decoded)
        } catch {
            throw .field(type, schemaVersion, "the payload cannot be encoded again: \(error)")
        }
        guard canonical != payload else { return }
        let stored = try? JSONSerialization.jsonObject(with: payload, options: [.fragmentsAllowed])
        let expected = try? JSONSerialization.jsonObject(with: canonical, options: [.fragmentsAllowed])
        throw .field(type, schemaVersion, difference(stored, expected, path: "") ?? "the payload is not in its canonical form (sorted keys, no spaces)")
    }

    private static func payloadTypes<S: EventStream>(of kind: S.Type) -> [any EventPayload.Type] {
        S.Event.payloadTypes
    }

    private static func isEqual<P: EventPayload>(_ decoded: P, _ other: any EventPayload) -> Bool {
        (other as? P) == decoded
    }

    /// The field a decoding error names, and what is wrong with it.
    private static func problem(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { text, key in
                if let index = key.intValue { return "\(text)[\(index)]" }
                return text.isEmpty ? key.stringValue : "\(text).\(key.stringValue)"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "field '\(path(context.codingPath + [key]))' is missing"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' is not \(type == String.self ? "a string" : "of type \(type)")"
        case .valueNotFound(_, let context):
            return "field '\(path(context.codingPath))' is null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the payload is not JSON of the event's shape: \(context.debugDescription)"
                : "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// The first field where the stored JSON differs from the canonical encoding of what it decodes to.
    private static func difference(_ stored: Any?, _ expected: Any?, path: String) -> String? {
        func named(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        if let stored = stored as? [String: Any], let expected = expected as? [String: Any] {
            for key in stored.keys.sorted() where expected[key] == nil {
                return "field '\(named(key))' is not a field of this event type"
            }
            for key in expected.keys.sorted() {
                guard let value = stored[key] else { return "field '\(named(key))' is missing" }
                if let found = difference(value, expected[key], path: named(key)) { return found }
            }
            return nil
        }
        if let stored = stored as? [Any], let expected = expected as? [Any] {
            guard stored.count == expected.count else { return "field '\(path)' has \(stored.count) items where \(expected.count) are read" }
            for (index, pair) in zip(stored, expected).enumerated() {
                if let found = difference(pair.0, pair.1, path: "\(path)[\(index)]") { return found }
            }
            return nil
        }
        let storedText = stored.map { "\($0)" } ?? "null"
        let expectedText = expected.map { "\($0)" } ?? "null"
        guard storedText == expectedText else {
            return "field '\(path)' is \(storedText), which reads as \(expectedText)"
        }
        return nil
    }
}

extension EventDecodingError {
    static func field(_ type: String, _ version: Int, _ problem: String) -> Self {
        .init(eventType: type, schemaVersion: version, message: "event \(type) v\(version): \(problem)")
    }
}
