import Chronology
import PortalDomain
import Testing

@Suite("R-CNV: conversations")
struct ConversationRulesTests {
    typealias F = Fixture
    let provider = F.context()
    let zTeam = F.context(.council(user: "z-1", team: .zInformationMessaging))
    let brokerage = F.context(.council(user: "sb-1", team: .serviceBrokerage))
    static let pdf = MessageAttachment(sha256: String(repeating: "1a", count: 32), fileName: "care plan.pdf", size: 20_000, mediaType: "Application/PDF")

    func start(
        type: ConversationType = .query, relatedTo: RelatedTo = .client, entity: EntityFacts = .found(organisation: F.organisation),
        team: CouncilTeam = .serviceBrokerage, attachments: [MessageAttachment] = [], context: CommandContext? = nil
    ) throws -> Conversation.State {
        let start = ConversationStart(
            conversationID: "conv-1", organisationID: F.organisation, type: type, relatedTo: relatedTo, entityID: "C1001", team: team,
            subject: "Temporary CPLI needed", body: "Client C1001 needed 15 hours in week 2026-11-23.", attachments: attachments)
        return try Conversation.decide(.start(start, entity: entity), Conversation.initialState, context ?? provider)
            .reduce(Conversation.initialState, Conversation.evolve)
    }

    @Test("R-CNV-1: a conversation has a type, a related-to that fits the type, an entity of the provider and a team; its first message is numbered 1")
    func startAccepted() throws {
        let state = try start(attachments: [Self.pdf])
        #expect(state.started?.type == .query)
        #expect(state.team == .serviceBrokerage)
        #expect(state.messages.map(\.messageNumber) == [1])
        #expect(state.messages[0].from == .provider(F.organisation))
        #expect(state.messages[0].attachments == [MessageAttachment(sha256: String(repeating: "1a", count: 32), fileName: "care plan.pdf", size: 20_000, mediaType: "application/pdf")])
    }

    @Test("R-CNV-1: refused — a related-to the type does not allow, an unknown entity, another provider's entity (reported as unknown), an unsuitable one")
    func startRefused() throws {
        let wrongKind = #expect(throws: DomainError.self) { try start(type: .deathNotification, relatedTo: .contract) }
        #expect(wrongKind?.rule == "R-CNV-1")
        #expect(wrongKind?.field == "relatedTo")
        let unknown = #expect(throws: DomainError.self) { try start(entity: .notFound) }
        #expect(unknown?.isNotFound == true)
        let foreign = #expect(throws: DomainError.self) { try start(entity: .found(organisation: F.otherOrganisation)) }
        #expect(foreign?.isNotFound == true)
        #expect(foreign?.message.contains(F.otherOrganisation.rawValue) == false)
        #expect(foreign?.message == unknown?.message)
        let unsuitable = #expect(throws: DomainError.self) { try start(relatedTo: .valueCommitment, entity: .unsuitable("contract k-1 is a spot contract")) }
        #expect(unsuitable?.field == "entityID")
        let asOtherTeam = #expect(throws: DomainError.self) { try start(team: .payments, context: brokerage) }
        #expect(asOtherTeam?.field == "team")
    }

    @Test("R-CNV-2: a provider may not assign to Z Information Messaging; a provider's reply to it goes to Service Brokerage")
    func internalTeam() throws {
        let refused = #expect(throws: DomainError.self) { try start(team: .zInformationMessaging) }
        #expect(refused?.rule == "R-CNV-2")
        #expect(refused?.message.contains("Service Brokerage") == true)

        let fromZ = try start(type: .information, team: .zInformationMessaging, context: zTeam)
        #expect(fromZ.team == .zInformationMessaging)
        let reply = try Conversation.decide(.post(body: "Thank you, received.", attachments: []), fromZ, provider)
        #expect(reply.count == 2)
        guard case .reassigned(let moved) = reply[0], case .messagePosted(let message) = reply[1] else { Issue.record("\(reply)"); return }
        #expect(moved.fromTeam == .zInformationMessaging)
        #expect(moved.toTeam == .serviceBrokerage)
        #expect(message.messageNumber == 2)
        let after = reply.reduce(fromZ, Conversation.evolve)
        #expect(after.team == .serviceBrokerage)
        let back = #expect(throws: DomainError.self) { try Conversation.decide(.reassign(.zInformationMessaging), after, provider) }
        #expect(back?.rule == "R-CNV-2")
        let councilReply = try Conversation.decide(.post(body: "Noted.", attachments: []), fromZ, zTeam)
        #expect(councilReply.count == 1, "a council reply does not move the conversation")
    }

    @Test("attachments: only hash, name, size and type are recorded; over 10 MiB, a path in the name, an unknown type, a bad hash — refused")
    func attachments() throws {
        var big = Self.pdf
        big.size = MessageAttachment.maximumSize + 1
        let tooBig = #expect(throws: DomainError.self) { try start(attachments: [big]) }
        #expect(tooBig?.field == "attachments[0].size")
        var path = Self.pdf
        path.fileName = "../etc/passwd"
        #expect(throws: DomainError.self) { try start(attachments: [path]) }
        var exe = Self.pdf
        exe.mediaType = "application/x-msdownload"
        let type = #expect(throws: DomainError.self) { try start(attachments: [exe]) }
        #expect(type?.field == "attachments[0].mediaType")
        var hash = Self.pdf
        hash.sha256 = "ABC"
        #expect(throws: DomainError.self) { try start(attachments: [hash]) }
        let limit = MessageAttachment(sha256: Self.pdf.sha256, fileName: "big.pdf", size: MessageAttachment.maximumSize, mediaType: "application/pdf")
        #expect(try start(attachments: [limit]).messages[0].attachments.count == 1)
    }

    @Test("a closed conversation takes no more messages; an auditor cannot write")
    func closedAndAuditor() throws {
        var state = try start()
        state = try Conversation.decide(.close, state, brokerage).reduce(state, Conversation.evolve)
        let closed = #expect(throws: DomainError.self) { try Conversation.decide(.post(body: "one more", attachments: []), state, provider) }
        #expect(closed?.isWrongState == true)
        let auditor = F.context(.auditor(user: "a-1"))
        #expect(throws: DomainError.self) { try Conversation.decide(.post(body: "x", attachments: []), state, auditor) }
        #expect(!Authorisation.allows(.auditor(user: "a-1"), Conversation.Command.close.requiredPermission, organisation: F.organisation))
    }
}
