import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

@Suite("Application: conversations and attachments")
struct ConversationApplicationTests {
    typealias T = TestPortal

    static let carePlan = AttachmentUpload(fileName: "care plan.pdf", mediaType: "application/pdf", content: Data("%PDF-1.4 care plan of C-cpli-1".utf8))

    func start(_ test: TestPortal, relatedTo: RelatedTo = .client, entity: String = "C-cpli-1", team: CouncilTeam = .serviceBrokerage) -> ConversationStart {
        ConversationStart(
            conversationID: "conv-1", organisationID: test.organisation, type: .query, relatedTo: relatedTo, entityID: entity, team: team,
            subject: "Temporary CPLI needed", body: "Client C-cpli-1 needed 15 hours in week 2026-11-23.")
    }

    @Test("R-CNV-1: a conversation about the provider's client, with an attachment stored by SHA-256 beside the log; the event holds only hash, name, size and type")
    func startWithAttachment() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        let outcome = try await test.portal.startConversation(start(test), uploads: [Self.carePlan], test.request(test.superUser))
        #expect(try test.events(at: outcome.positions).map(\.type) == ["ConversationStarted", "ConversationMessagePosted"])
        let state = try test.portal.conversation("conv-1", for: test.brokerage)
        let attachment = try #require(state.messages.first?.attachments.first)
        #expect(attachment.size == Self.carePlan.content.count)
        #expect(attachment.mediaType == "application/pdf")
        let stored = test.folder.appendingPathComponent("attachments/\(attachment.sha256.prefix(2))/\(attachment.sha256)")
        #expect(FileManager.default.contents(atPath: stored.path) == Self.carePlan.content)
        #expect(try test.portal.attachment(attachment.sha256, of: "conv-1", for: test.brokerage) == Self.carePlan.content)
        #expect(try !test.allPayloadText().contains("care plan of C-cpli-1"), "the file's content is not in the log")

        // Another provider may neither read the conversation nor fetch its attachment.
        try await test.registerProvider("elsewhere", service: "elsewhere-hs")
        let stranger = try await test.contact("else-su", of: "elsewhere", role: .superUserActuals)
        #expect(throws: AccessRefused.self) { try test.portal.attachment(attachment.sha256, of: "conv-1", for: stranger) }
        // Replies are numbered; Service Brokerage answers.
        _ = try await test.portal.postMessage("conv-1", body: "A temporary CPLI is on its way.", test.request(test.brokerage))
        #expect(try test.portal.conversation("conv-1", for: test.superUser).messages.map(\.messageNumber) == [1, 2])
    }

    @Test("R-CNV-1: the same bytes uploaded twice, under other names, are stored once; both messages name the one file")
    func sameBytesStoredOnce() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        _ = try await test.portal.startConversation(start(test), uploads: [Self.carePlan], test.request(test.superUser))
        let again = AttachmentUpload(fileName: "care plan (copy).pdf", mediaType: "application/pdf", content: Self.carePlan.content)
        _ = try await test.portal.postMessage("conv-1", body: "The same plan again.", uploads: [again], test.request(test.superUser))
        _ = try await test.portal.postMessage("conv-1", body: "And once more from brokerage.", uploads: [Self.carePlan], test.request(test.brokerage))
        let messages = try test.portal.conversation("conv-1", for: test.superUser).messages
        let attachments = messages.flatMap(\.attachments)
        #expect(attachments.count == 3)
        #expect(Set(attachments.map(\.sha256)).count == 1)
        #expect(attachments.map(\.fileName) == ["care plan.pdf", "care plan (copy).pdf", "care plan.pdf"])
        // One file in the store, no temporary file left behind.
        let root = test.folder.appendingPathComponent("attachments")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])?.allObjects as? [URL])
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
        #expect(files.map(\.lastPathComponent) == [attachments[0].sha256])
        #expect(FileManager.default.contents(atPath: files[0].path) == Self.carePlan.content)
        // A different content is a second file.
        let other = AttachmentUpload(fileName: "care plan.pdf", mediaType: "application/pdf", content: Data("%PDF-1.4 revised care plan".utf8))
        _ = try await test.portal.postMessage("conv-1", body: "Revised.", uploads: [other], test.request(test.superUser))
        let after = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.allObjects.compactMap { ($0 as? URL)?.lastPathComponent }
            .filter { $0.count == 64 } ?? []
        #expect(after.count == 2)
    }

    @Test("R-CNV-1/R-CNV-2: a contact whose access ended, an unknown or another provider's entity, a related-to the type does not allow, the internal team, an oversized file — refused, nothing written or stored")
    func refusals() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        try await test.registerProvider("elsewhere", service: "elsewhere-hs")
        let provider = test.request(test.superUser)
        let leaver = try await test.contact("leaver", of: test.organisation, role: .payments)
        _ = try await test.portal.requestRoleRemoval("leaver", requestID: "cr-leave", test.request(test.superUser))
        _ = try await test.portal.acceptRoleRemoval("leaver", requestID: "cr-leave", test.request(test.helpdesk))
        let head = try test.head()
        let ended = await #expect(throws: DomainError.self) { try await test.portal.startConversation(start(test), uploads: [Self.carePlan], test.request(leaver)) }
        #expect(ended?.rule == "R-CON-2")
        let unknown = await #expect(throws: DomainError.self) { try await test.portal.startConversation(start(test, entity: "C-nobody"), provider) }
        #expect(unknown?.isNotFound == true)
        let foreign = await #expect(throws: DomainError.self) {
            try await test.portal.startConversation(start(test, relatedTo: .service, entity: "elsewhere-hs"), provider)
        }
        #expect(foreign?.isNotFound == true)
        var death = start(test, relatedTo: .contract, entity: "oasis-hs-k")
        death.type = .deathNotification
        let wrongRelation = await #expect(throws: DomainError.self) { try await test.portal.startConversation(death, provider) }
        #expect(wrongRelation?.rule == "R-CNV-1")
        let internalTeam = await #expect(throws: DomainError.self) { try await test.portal.startConversation(start(test, team: .zInformationMessaging), provider) }
        #expect(internalTeam?.rule == "R-CNV-2")
        let big = AttachmentUpload(fileName: "scan.pdf", mediaType: "application/pdf", content: Data(count: MessageAttachment.maximumSize + 1))
        let tooBig = await #expect(throws: DomainError.self) { try await test.portal.startConversation(start(test), uploads: [big], provider) }
        #expect(tooBig?.field == "attachments[0].size")
        #expect(try test.head() == head)
        let stored = try FileManager.default.subpathsOfDirectory(atPath: test.folder.appendingPathComponent("attachments").path)
        #expect(stored.isEmpty, "nothing was stored: \(stored)")
        // A value commitment must be a block or framework contract.
        let spot = await #expect(throws: DomainError.self) {
            try await test.portal.startConversation(start(test, relatedTo: .valueCommitment, entity: "oasis-hs-k"), provider)
        }
        #expect(spot?.message.contains("spot contract") == true)
    }

    @Test("R-CNV-2: Z Information Messaging writes to a provider; the provider's reply goes to Service Brokerage")
    func replyToInternalTeam() async throws {
        let test = try await T.make()
        let z = try await test.staff("z-1", .zInformationMessaging)
        var start = start(test, relatedTo: .provider, entity: test.organisation.rawValue, team: .zInformationMessaging)
        start.type = .information
        start.subject = "Care documentation"
        _ = try await test.portal.startConversation(start, test.request(z))
        let reply = try await test.portal.postMessage("conv-1", body: "Received, thank you.", test.request(test.superUser))
        #expect(try test.events(at: reply.positions).map(\.type) == ["ConversationReassigned", "ConversationMessagePosted"])
        #expect(try test.portal.conversation("conv-1", for: test.superUser).team == .serviceBrokerage)
    }
}
