import Chronology
import EventLog
import Foundation
@testable import PortalApplication
import PortalDomain
import Testing

/// Machine accounts through the application: a key issued by the helpdesk, shown once, kept only as its
/// SHA-256 beside the log (never in it), checked on every use against the log's facts.
@Suite("Job keys (machine accounts)")
struct JobKeyApplicationTests {
    static func allBytes(under folder: URL) throws -> Data {
        var all = Data()
        for case let path as String in FileManager.default.enumerator(atPath: folder.path) ?? .init() {
            let url = folder.appendingPathComponent(path)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue {
                all.append(try Data(contentsOf: url))
            }
        }
        return all
    }

    @Test("the helpdesk issues a key: pk_<id>_<64 hex>, its job acts as job:<name> within its scope; only the key's SHA-256 is kept, never the key, and never in the log")
    func issueAndUse() async throws {
        let test = try await TestPortal.make()
        let outcome = try await test.portal.issueJobKey(job: "nightly-remittances", scope: .remittancesRegenerate, expiresOn: TestPortal.date("2027-01-31"),
                                                        purpose: "finance system fetch", test.request(test.helpdesk))
        let issued = try #require(outcome.value)
        let key = try #require(issued.key)
        #expect(key.hasPrefix("pk_\(issued.issued.keyID.rawValue)_"))
        #expect(key.count == "pk_".count + issued.issued.keyID.rawValue.count + 1 + 64)
        #expect(try test.portal.jobActor(forKey: key) == .job(name: "nightly-remittances", scope: .remittancesRegenerate))
        let event = try #require(try test.log.readStream(JobKey.streamID(issued.issued.keyID.rawValue)).first)
        #expect(event.type == JobKeyIssued.eventType && event.actor.who == "helpdesk-1")
        // The key is nowhere in the data folder's files; its SHA-256 is in the credential store only.
        let secret = String(key.suffix(64))
        let files = try Self.allBytes(under: test.folder)
        #expect(files.range(of: Data(secret.utf8)) == nil && files.range(of: Data(key.utf8)) == nil)
        #expect(try Self.allBytes(under: test.folder.appendingPathComponent("credentials")).range(of: Data(Portal.sha256(Data(key.utf8)).utf8)) != nil)
        #expect(try Self.allBytes(under: test.folder.appendingPathComponent("log")).range(of: Data(Portal.sha256(Data(key.utf8)).utf8)) == nil)
    }

    @Test("a wrong, altered, malformed or unknown key is refused with a message that never repeats it")
    func wrongKeys() async throws {
        let test = try await TestPortal.make()
        let key = try #require(try await test.portal.issueJobKey(job: "reports", scope: .reportingRead, expiresOn: TestPortal.date("2027-01-31"),
                                                                  purpose: nil, test.request(test.helpdesk)).value?.key)
        var altered = Array(key)
        altered[altered.count - 1] = altered.last == "0" ? "1" : "0"
        for candidate in [String(altered), "pk_jk-unknown_" + String(repeating: "a", count: 64), "pk_", key + "0", "not-a-key", String(key.dropFirst(3))] {
            let refused = #expect(throws: JobKeyRefused.self) { try test.portal.jobActor(forKey: candidate) }
            #expect(refused?.message.contains(String(key.suffix(64))) == false)
        }
    }

    @Test("a revoked key is refused at once; an expired one from the day after its expiry; a retried issue shows the key no more")
    func revokedAndExpired() async throws {
        let test = try await TestPortal.make()
        let first = try #require(try await test.portal.issueJobKey(job: "reports", scope: .reportingRead, expiresOn: TestPortal.date("2026-11-30"),
                                                                    purpose: nil, test.request(test.helpdesk, key: "issue-1")).value)
        let key = try #require(first.key)
        let retry = try await test.portal.issueJobKey(job: "reports", scope: .reportingRead, expiresOn: TestPortal.date("2026-11-30"),
                                                      purpose: nil, test.request(test.helpdesk, key: "issue-1"))
        #expect(retry.wasAlreadyApplied && retry.value?.key == nil && retry.value?.issued.keyID == first.issued.keyID)
        test.clock.set(Timestamp(iso8601: "2026-11-30T22:00:00Z")!)
        _ = try test.portal.jobActor(forKey: key) // 2026-11-30 in London: the last valid day
        test.clock.set(Timestamp(iso8601: "2026-12-01T00:30:00Z")!)
        let expired = #expect(throws: JobKeyRefused.self) { try test.portal.jobActor(forKey: key) }
        #expect(expired?.message.contains("expired on 2026-11-30") == true)

        let other = try #require(try await test.portal.issueJobKey(job: "exports", scope: .reportingRead, expiresOn: TestPortal.date("2027-01-31"),
                                                                    purpose: nil, test.request(test.helpdesk)).value)
        _ = try await test.portal.revokeJobKey(other.issued.keyID, reason: "the export server was replaced", test.request(test.helpdesk))
        let revoked = #expect(throws: JobKeyRefused.self) { try test.portal.jobActor(forKey: other.key!) }
        #expect(revoked?.message.contains("revoked: the export server was replaced") == true)
    }

    @Test("R-ROLE: only the helpdesk issues and revokes keys; a refused issue keeps no hash; a job itself writes nothing")
    func permissions() async throws {
        let test = try await TestPortal.make()
        for actor in [test.payments!, test.superUser!, Actor.auditor(user: "a-1")] {
            await #expect(throws: AccessRefused.self) {
                _ = try await test.portal.issueJobKey(job: "x", scope: .reportingRead, expiresOn: TestPortal.date("2027-01-31"), purpose: nil, test.request(actor))
            }
        }
        await #expect(throws: DomainError.self) {
            _ = try await test.portal.issueJobKey(job: "Bad Name", scope: .reportingRead, expiresOn: TestPortal.date("2027-01-31"), purpose: nil,
                                                  test.request(test.helpdesk))
        }
        #expect(try test.log.streamIDs(category: JobKey.category).isEmpty)
        #expect(try test.portal.credentials.jobKeyIDs().isEmpty, "the hash of a key whose issue was refused is not kept")
        let job = Actor.job(name: "reports", scope: .reportingRead)
        await #expect(throws: AccessRefused.self) {
            _ = try await test.portal.registerOrganisation("org-x", details: test.details, test.request(job))
        }
        #expect(try test.portal.jobKeys(for: test.helpdesk).isEmpty)
        #expect(throws: AccessRefused.self) { try test.portal.jobKeys(for: test.superUser) }
    }
}
