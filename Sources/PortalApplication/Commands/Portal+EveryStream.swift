import EventLog
import PortalDomain

extension Portal {
    /// The state of every stream of `kind`, loaded in `attempt` (a scratch attempt reads without conditions).
    func everyStream<S: EventStream>(_ kind: S.Type, in attempt: CommandAttempt) throws -> [S.State] {
        var states: [S.State] = []
        var after: String?
        while true {
            let streams = try log.streamIDs(category: S.category, after: after, limit: 1000)
            guard let last = streams.last else { break }
            after = last
            for streamID in streams { states.append(try attempt.load(kind, streamID: streamID)) }
        }
        return states
    }
}
