import EventLog
import Foundation
import PortalDomain

/// Finds the streams behind the things an auditor names: a stream, a contact, a CPLI, a service period, an
/// invoice or credit note (by id or by the provider's reference), a one-off claim, a payment run.
public struct AuditSubjects: Sendable {
    public let log: EventLog

    public init(log: EventLog) {
        self.log = log
    }

    /// Any stream of the domain, by its id.
    public func stream(_ streamID: String) throws -> AuditSubject {
        let category = StreamID.category(of: streamID)
        guard let kind = EventRegistry.streamKind(ofCategory: category) else {
            throw AuditError.invalid("'\(streamID)' is not a stream of the portal (known categories: \(EventRegistry.categories.sorted().joined(separator: ", ")))")
        }
        guard try log.streamVersion(streamID) > 0 else { throw AuditError.notFound("stream \(streamID)") }
        return AuditSubject(name: "stream \(streamID)", sources: [.init(label: category, streamID: streamID, kind: kind)])
    }

    /// A contact (any user) by user id or by email address.
    public func contact(_ idOrEmail: String) throws -> AuditSubject {
        let userID = try self.userID(idOrEmail)
        return AuditSubject(name: "contact \(userID)", sources: [.init(label: "user", streamID: User.streamID(userID), kind: User.self)])
    }

    /// The id of the user named by `idOrEmail` (an email address in any letter case, or a user id); a lookup
    /// error saying so plainly when no user has it.
    public func userID(_ idOrEmail: String) throws -> String {
        let given = idOrEmail.trimmingCharacters(in: .whitespaces)
        guard given.contains("@") else {
            guard StreamID.problem(with: User.streamID(given)) == nil, try log.streamVersion(User.streamID(given)) > 0 else {
                throw AuditError.invalid("no user has the id \(given) in this log (give a user id, or an email address)")
            }
            return given
        }
        let wanted = given.lowercased()
        var found: [String] = []
        for id in try streamIDs(ofCategory: User.category) {
            let events = try log.readStream(id, limit: 3)
            if events.contains(where: { String(decoding: $0.payload, as: UTF8.self).lowercased().contains("\"email\":\"\(wanted)\"") }) {
                found.append(String(id.dropFirst(User.category.count + 1)))
            }
        }
        guard let first = found.first else { throw AuditError.invalid("no user has the email address \(given) in this log") }
        guard found.count == 1 else { throw AuditError.ambiguous("\(given) names several users: \(found.joined(separator: ", "))") }
        return first
    }

    /// A CPLI by its id, or every CPLI of a client by the client's reference (any letter case): each CPLI's own
    /// stream, and every actual recorded against it in its service's actuals streams.
    public func cpli(_ idOrClientReference: String) throws -> AuditSubject {
        let given = idOrClientReference.trimmingCharacters(in: .whitespaces)
        let streamID = CPLI.streamID(given)
        if StreamID.problem(with: streamID) == nil, try log.streamVersion(streamID) > 0 {
            return AuditSubject(name: "CPLI \(given)", sources: try cpliSources(given, labelledBy: nil))
        }
        let cplis = try self.cplis(ofClient: given)
        guard let first = cplis.first else {
            throw AuditError.invalid("there is no CPLI with the id \(given), and no client with the reference \(given), in this log")
        }
        if cplis.count == 1 {
            return AuditSubject(name: "CPLI \(first.id) of client \(first.clientReference)", sources: try cpliSources(first.id, labelledBy: nil))
        }
        return AuditSubject(name: "client \(first.clientReference): CPLIs \(cplis.map(\.id).joined(separator: ", "))",
                            sources: try cplis.flatMap { try cpliSources($0.id, labelledBy: $0.id) })
    }

    /// The CPLIs whose client reference is `reference` (letter case aside), by their commissioning event.
    public func cplis(ofClient reference: String) throws -> [(id: String, clientReference: String)] {
        let wanted = reference.lowercased()
        guard !wanted.isEmpty else { return [] }
        let needle = Self.needle(wanted)
        var found: [(String, String)] = []
        for id in try streamIDs(ofCategory: CPLI.category) {
            guard let first = try log.readStream(id, limit: 1).first, first.type == CPLICommissioned.eventType else { continue }
            if let needle, !Self.contains(first.payload, lowercasedASCII: needle) { continue }
            guard case .commissioned(let commissioned) = try Self.decoded(CPLIEvent.self, first),
                  commissioned.definition.clientReference.lowercased() == wanted else { continue }
            found.append((commissioned.definition.cpliID.rawValue, commissioned.definition.clientReference))
        }
        return found
    }

    /// A CPLI's stream and the actuals recorded against it; labels start with `prefix` when several CPLIs are joined.
    private func cpliSources(_ id: String, labelledBy prefix: String?) throws -> [AuditSubject.Source] {
        let streamID = CPLI.streamID(id)
        let events = try log.readStream(streamID, limit: 1)
        guard let first = events.first else { throw AuditError.notFound("CPLI \(id)") }
        let payload = try JSONTree(json: first.payload)
        guard case .string(let service)? = payload["definition"]?["serviceID"] ?? payload["serviceID"] else {
            throw AuditError.invalid("the first event of \(streamID) does not name its service")
        }
        let label = { (text: String) in prefix.map { "\($0) \(text)" } ?? text }
        var sources: [AuditSubject.Source] = [.init(label: label("cpli"), streamID: streamID, kind: CPLI.self)]
        for actuals in try log.streamIDs(withPrefix: "\(Actuals.category)-\(service)-", limit: .max) {
            sources.append(.init(label: label("actuals \(actuals.dropFirst(Actuals.category.count + service.count + 2))"),
                                 streamID: actuals, kind: Actuals.self,
                                 include: { $0["cpliID"] == .string(id) }))
        }
        return sources
    }

    /// A service's period: its actuals and the locks of that period.
    public func servicePeriod(service: String, period: Int) throws -> AuditSubject {
        let actuals = Actuals.Key(serviceID: ServiceID(service), period: PeriodNumber(period)).streamID
        let locks = PeriodLocks.streamID(service)
        guard try log.streamVersion(actuals) > 0 || log.streamVersion(locks) > 0 else {
            throw AuditError.notFound("service \(service) period \(period)")
        }
        return AuditSubject(name: "service \(service) period \(period)", sources: [
            .init(label: "actuals", streamID: actuals, kind: Actuals.self),
            .init(label: "locks", streamID: locks, kind: PeriodLocks.self, include: { $0["period"] == .number(String(period)) }),
        ])
    }

    /// An invoice (a period, supplementary or contract-level invoice) by its id or by the provider's reference,
    /// whatever its letter case. An id names one invoice and is taken as it is (of `provider`, when given);
    /// otherwise the references are searched. A reference is unique per provider only (R-INV-1): when several
    /// providers used it, `provider` picks one, and without it the error lists them.
    public func invoice(_ idOrReference: String, provider: String? = nil) throws -> AuditSubject {
        let document = try paymentDocument(idOrReference, provider: provider, noun: "invoice", stream: Invoice.self,
                                           kinds: [.invoice, .supplementaryInvoice, .contractInvoice], otherSubject: "credit-note")
        return AuditSubject(name: "invoice \(document.reference) (\(document.id)) of \(document.organisation)",
                            sources: [.init(label: "invoice", streamID: Invoice.streamID(document.id), kind: Invoice.self)])
    }

    /// A credit note by its id or by the provider's reference, like ``invoice(_:provider:)``.
    public func creditNote(_ idOrReference: String, provider: String? = nil) throws -> AuditSubject {
        let document = try paymentDocument(idOrReference, provider: provider, noun: "credit note", stream: CreditNote.self,
                                           kinds: [.creditNote], otherSubject: "invoice")
        return AuditSubject(name: "credit note \(document.reference) (\(document.id)) of \(document.organisation)",
                            sources: [.init(label: "creditnote", streamID: CreditNote.streamID(document.id), kind: CreditNote.self)])
    }

    /// A one-off claim by its id.
    public func claim(_ id: String) throws -> AuditSubject {
        try single(OneOffClaim.self, id, noun: "one-off claim", label: "claim")
    }

    /// A payment run by its id: its remittances and its completion.
    public func paymentRun(_ id: String) throws -> AuditSubject {
        try single(PaymentRun.self, id, noun: "payment run", label: "paymentrun")
    }

    private func single<S: EventStream>(_ kind: S.Type, _ id: String, noun: String, label: String) throws -> AuditSubject {
        let streamID = S.streamID(id)
        guard StreamID.problem(with: streamID) == nil, try log.streamVersion(streamID) > 0 else { throw AuditError.notFound("\(noun) \(id)") }
        return AuditSubject(name: "\(noun) \(id)", sources: [.init(label: label, streamID: streamID, kind: S.self)])
    }

    /// The documents whose reference is `reference` (letter case aside), read from the `invoicerefs-<organisation>`
    /// streams through the stream index: every provider's, or only `provider`'s. Never a scan of the whole log.
    public func documents(referenced reference: String, provider: String? = nil) throws -> [InvoiceReferenceReserved] {
        let wanted = reference.trimmingCharacters(in: .whitespaces).lowercased()
        guard !wanted.isEmpty else { return [] }
        let streams = try provider.map { [InvoiceReferences.streamID($0)] } ?? streamIDs(ofCategory: InvoiceReferences.category)
        let needle = Self.needle(wanted)
        var found: [InvoiceReferenceReserved] = []
        for stream in streams {
            for event in try log.readStream(stream) where event.type == InvoiceReferenceReserved.eventType {
                if let needle, !Self.contains(event.payload, lowercasedASCII: needle) { continue }
                guard case .reserved(let reserved) = try Self.decoded(InvoiceReferencesEvent.self, event),
                      reserved.reference.lowercased() == wanted else { continue }
                found.append(reserved)
            }
        }
        return found
    }

    /// Every stream id of `category`, read through the stream index a page at a time.
    private func streamIDs(ofCategory category: String) throws -> [String] {
        var streams: [String] = []
        while true {
            let page = try log.streamIDs(category: category, after: streams.last, limit: 1000)
            guard !page.isEmpty else { return streams }
            streams += page
        }
    }

    /// The bytes to look for in a payload before decoding it, or nil when `wanted` cannot be found that way. The
    /// payload holds a text as typed, JSON-escaped only for `"` and `\` (and control characters): a lowercase text
    /// of other ASCII characters is looked for in the payload's bytes, ASCII letters in either case.
    private static func needle(_ wanted: String) -> [UInt8]? {
        let needle = Array(wanted.utf8)
        return needle.allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") } ? needle : nil
    }

    /// A stored event decoded as an event of `kind`, or the audit's error naming it.
    private static func decoded<E: StreamEvent>(_ kind: E.Type, _ event: RecordedEvent) throws -> E {
        do {
            return try EventRegistry.decode(kind, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
        } catch {
            throw AuditError.undecodable(position: event.position, type: event.type, reason: "\(error)")
        }
    }

    /// Whether `bytes` contain `needle` (lowercase ASCII), ASCII letters of `bytes` compared in either case.
    static func contains(_ bytes: Data, lowercasedASCII needle: [UInt8]) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count else { return needle.isEmpty }
        return bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            let last = raw.count - needle.count
            var start = 0
            while start <= last {
                if lower(raw[start]) == first {
                    var matched = 1
                    while matched < needle.count && lower(raw[start + matched]) == needle[matched] { matched += 1 }
                    if matched == needle.count { return true }
                }
                start += 1
            }
            return false
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    /// A payment document found by id or by reference.
    private struct FoundDocument: Equatable {
        var id: String
        var organisation: String
        var reference: String
    }

    private func paymentDocument<S: EventStream>(
        _ text: String, provider: String?, noun: String, stream: S.Type, kinds: Set<DocumentKind>, otherSubject: String
    ) throws -> FoundDocument {
        let given = text.trimmingCharacters(in: .whitespaces)
        guard !given.isEmpty else { throw AuditError.invalid("\(noun): give its id or the provider's reference") }
        if let provider, try log.streamVersion(Organisation.streamID(provider)) == 0 {
            throw AuditError.invalid("--provider \(provider): there is no organisation \(provider) in this log")
        }
        // By id: the document's own stream, whose first event names its organisation and reference.
        let byID = S.streamID(given)
        if StreamID.problem(with: byID) == nil, let first = try log.readStream(byID, limit: 1).first {
            let payload = try JSONTree(json: first.payload)
            if case .string(let organisation)? = payload["organisationID"], case .string(let reference)? = payload["reference"],
               provider == nil || provider == organisation {
                return FoundDocument(id: given, organisation: organisation, reference: reference)
            }
        }
        // By reference.
        let referenced = try documents(referenced: given, provider: provider)
        var candidates: [FoundDocument] = []
        for reservation in referenced where kinds.contains(reservation.kind) {
            let document = FoundDocument(id: reservation.documentID, organisation: reservation.organisationID.rawValue, reference: reservation.reference)
            if !candidates.contains(document) { candidates.append(document) }
        }
        guard let only = candidates.first else {
            let scope = provider.map { " of organisation \($0)" } ?? ""
            if let other = referenced.first(where: { !kinds.contains($0.kind) }) {
                throw AuditError.invalid("\(given) is the reference of \(other.kind) \(other.documentID)\(scope); audit it as `\(otherSubject) \(given)`")
            }
            throw AuditError.invalid("there is no \(noun) with the id or reference \(given)\(scope) in this log")
        }
        guard candidates.count == 1 else {
            let listed = candidates.map { "\($0.organisation) (\(noun) \($0.id), reference \($0.reference))" }.joined(separator: ", ")
            throw AuditError.ambiguous("\(noun) \(given) names several documents: \(listed); give --provider ORG to pick one")
        }
        return only
    }
}
