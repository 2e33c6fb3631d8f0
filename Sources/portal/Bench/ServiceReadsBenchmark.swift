import ArgumentParser
import CountyWorkload
import EventLog
import Foundation
import PortalApplication
import PortalDomain

extension Portal.Bench {
    /// `portal bench service-reads`: the application's reads of one service's CPLIs on a large log.
    struct ServiceReadsBenchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "service-reads",
            abstract: "Time the reads of one service's CPLIs (week actuals, invoice wizard, period CSV) on a log of at least 1M events.",
            discussion: """
                Generates a county's history of at least --events events into <data>/log unless the folder already \
                holds a log (as `portal bench projections` does). Opens the folder through the application; a log \
                written before services listed their CPLIs gets them listed first, as `portal serve` does, and \
                that is timed. Then, for --runs services spread over the county, each at its latest period with \
                actuals, times the application's actual lines of the period (the week view), the invoice wizard's \
                proposal and the period's CSV export (p50/p99/max). For comparison it times reading and folding \
                every CPLI stream of the log, which is what those reads did before each service listed its CPLIs.
                """)

        @OptionGroup var county: CountyLogOptions

        @Option(help: "Services to time (spread over the county), each read once per kind of read.")
        var runs: Int = 100

        func validate() throws {
            if runs < 1 { throw ValidationError("--runs must be at least 1") }
        }

        func run() async throws {
            let folder = county.folder()
            defer { county.removeIfTemporary(folder) }
            print("portal bench service-reads — \(ProcessInfo.processInfo.activeProcessorCount) cores, folder \(folder.path)")
            _ = try await county.ensureLog(in: folder)

            let portal = try PortalApplication.Portal.open(
                dataDirectory: folder,
                configuration: .init(policy: .norfolk, calendar: try PeriodCalendar(anchor: CountyWorkload.anchor)), bcryptCost: 4)
            defer { portal.close() }
            let log = portal.log
            print("log: \(try log.head().position) events, \(try log.streamIDs(category: CPLI.category, limit: .max).count) CPLIs, "
                + "\(try log.streamIDs(category: Service.category, limit: .max).count) services")

            var started = ContinuousClock.now
            let listed = try await portal.listCPLIsOfEarlierHistory(CommandRequest(actor: .system(job: "deployment")))
            if listed > 0 {
                print("listed \(listed) CPLIs of earlier history under their services in "
                    + "\(String(format: "%.2f", Measurement.seconds(ContinuousClock.now - started))) s (one atomic append)")
            } else {
                print("every CPLI is listed under its service already (checked in "
                    + "\(Measurement.milliseconds(ContinuousClock.now - started)), as every start checks)")
            }

            // Services spread over the county, each at its latest period with actuals.
            let services = try log.streamIDs(category: Service.category, limit: .max).map { ServiceID(String($0.dropFirst(Service.category.count + 1))) }
            var keys: [Actuals.Key] = []
            for index in 0..<min(runs, services.count) {
                let service = services[index * services.count / min(runs, services.count)]
                let periods = try log.streamIDs(withPrefix: "\(Actuals.category)-\(service.rawValue)-", limit: .max)
                    .compactMap { $0.split(separator: "-").last.flatMap { Int($0) } }
                guard let latest = periods.max() else { continue }
                keys.append(Actuals.Key(serviceID: service, period: PeriodNumber(latest)))
            }
            guard !keys.isEmpty else { throw ValidationError("the log has no service with actuals") }
            let reader = Actor.council(user: "bench-payments", team: .payments)
            var cplisRead = 0
            for key in keys { cplisRead += try log.readStream(ServiceCPLIs.streamID(key.serviceID.rawValue)).count }
            print("\(keys.count) services at their latest period, \(String(format: "%.1f", Double(cplisRead) / Double(keys.count))) CPLIs each on average")
            print("")
            print("read, one per service".padding(toLength: 50, withPad: " ", startingAt: 0) + "     p50        p99        max")
            func time(_ label: String, _ body: (Actuals.Key) throws -> Void) throws {
                _ = try body(keys[0])
                var samples: [Duration] = []
                for key in keys {
                    let started = ContinuousClock.now
                    try body(key)
                    samples.append(ContinuousClock.now - started)
                }
                samples.sort()
                print("  " + label.padding(toLength: 48, withPad: " ", startingAt: 0)
                    + [50, 99, 100].map { Measurement.milliseconds(Measurement.percentile(samples, Double($0))).leftPadded(to: 11) }.joined())
            }
            try time("actual lines of the period (week view)") { _ = try portal.actualLines($0, for: reader) }
            try time("invoice wizard proposal") { _ = try portal.proposeInvoice(service: $0.serviceID, period: $0.period, for: reader) }
            try time("period CSV export") { _ = try portal.exportActuals($0, for: reader) }

            // What each of those reads did before: every CPLI stream of the log, read and folded.
            started = ContinuousClock.now
            var folded = 0
            for streamID in try log.streamIDs(category: CPLI.category, limit: .max) {
                var state = CPLI.initialState
                for event in try log.readStream(streamID) {
                    state = CPLI.evolve(state, try EventRegistry.decode(CPLIEvent.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload))
                }
                if state.definition != nil { folded += 1 }
            }
            print("")
            print("for comparison, every CPLI stream read and folded (\(folded) CPLIs), as each read did before: "
                + Measurement.milliseconds(ContinuousClock.now - started))
        }
    }
}
