import Foundation
import PortalDomain
import Testing

@Suite("Event registry")
struct EventRegistryTests {
    @Test("every event type is registered once, and decodes back to its stream's enum")
    func roundTrip() throws {
        let names = EventRegistry.payloadTypes.map { $0.eventType }
        #expect(Set(names).count == names.count)
        #expect(names.contains("ActualRecorded"))
        let event = PeriodLocksEvent.locked(PeriodLocked(serviceID: "s-1", period: PeriodNumber(3), invoiceID: "inv-1"))
        let data = try EventCoding.encode(event.payload)
        #expect(String(decoding: data, as: UTF8.self) == #"{"invoiceID":"inv-1","period":3,"serviceID":"s-1"}"#)
        let decoded = try EventRegistry.decode(PeriodLocksEvent.self, type: "PeriodLocked", schemaVersion: 1, payload: data)
        #expect(decoded == event)
    }

    @Test("an unknown type or version is a typed error naming both")
    func unknown() {
        let error = #expect(throws: EventDecodingError.self) {
            try EventRegistry.decodePayload(type: "InvoiceTeleported", schemaVersion: 7, payload: Data("{}".utf8))
        }
        #expect(error?.eventType == "InvoiceTeleported")
        #expect(error?.schemaVersion == 7)
        #expect(error?.description.contains("InvoiceTeleported version 7") == true)
        #expect(throws: EventDecodingError.self) {
            try EventRegistry.decodePayload(type: "PeriodLocked", schemaVersion: 2, payload: Data("{}".utf8))
        }
        #expect(throws: EventDecodingError.self) {
            try EventRegistry.decode(ActualsEvent.self, type: "PeriodLocked", schemaVersion: 1,
                                     payload: Data(#"{"invoiceID":"inv-1","period":3,"serviceID":"s-1"}"#.utf8))
        }
    }

    /// The event enum of a stream kind.
    static func events<S: EventStream>(of kind: S.Type) -> any StreamEvent.Type { S.Event.self }

    @Test("every stream kind is listed once, with its own category, and their event enums are exactly the registry's")
    func streamKinds() {
        let categories = EventRegistry.streamKinds.map { $0.category }
        #expect(Set(categories).count == categories.count, "\(categories)")
        #expect(EventRegistry.categories == Set(categories))
        let kinds = EventRegistry.streamKinds.map { ObjectIdentifier(Self.events(of: $0)) }
        #expect(kinds == EventRegistry.streamEvents.map { ObjectIdentifier($0) }, "streamKinds and streamEvents list the same kinds in the same order")
        for category in ["invoice", "invoicerefs", "creditnote", "claim", "conversation", "scheduledpayments", "paymentrun", "actuals", "user"] {
            #expect(EventRegistry.streamKind(ofCategory: category)?.category == category, "category \(category)")
        }
        #expect(EventRegistry.streamKind(ofCategory: "bench") == nil)
    }
}
