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
}
