import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP

/// What became of the command of a form that changes a record.
enum FormCommandOutcome {
    case done
    /// The record changed since the page showed it (the API's 412), at `readAt`: nothing was done.
    case changedSinceRead(readAt: UInt64)
    /// The domain refused the command, saying why: nothing was done.
    case refused(DomainError)
}

extension WebPortal {
    /// Runs the command of a form that changes the record kept in `streamID`, expecting the record at the version
    /// the form carries (its hidden `version`, read with the page), so that a change made in between is never
    /// overwritten (the `If-Match` of the API).
    func changing(_ streamID: String, form: FormPost, actor: Actor, context: PortalRequestContext,
                  _ command: (CommandRequest) async throws -> Void) async throws -> FormCommandOutcome {
        guard let version = form["version"].flatMap({ UInt64($0) }) else { throw WebError.badForm("the form has no version") }
        var request = CommandRequest(actor: actor, correlationID: context.correlationID)
        request.expectedVersions[streamID] = version
        do {
            try await command(request)
            return .done
        } catch let error as PortalError where error.isVersionMismatch {
            return .changedSinceRead(readAt: version)
        } catch let error as DomainError {
            return .refused(error)
        }
    }
}
