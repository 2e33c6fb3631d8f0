import ArgumentParser
import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import StoreComparison

extension Portal.Bench {
    /// `portal bench import`: onboarding a county from CSV in one atomic append.
    struct ImportBenchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a county's reference data (200 providers, 6,000 clients, 20,000 CPLIs by default) into a new data folder, and measure time and memory.",
            discussion: """
                Writes the four CSV files of a deterministic county into <folder>/files, opens a new data folder \
                <folder>/data through the application, and times, as the operator: reading and checking the files, \
                a dry run, the import itself (every record decided, one atomic append), and the same files again \
                (already imported). Reports the events, the log's size, and the process's peak resident memory \
                (VmHWM, with the log's mapped pages) and peak heap (RssAnon, sampled every 100 ms).
                """)

        @Option(help: "Provider organisations (each with two services under one contract).")
        var providers: Int = 200

        @Option(help: "Clients, each with one care order (ISO).")
        var clients: Int = 6_000

        @Option(help: "CPLIs over all care orders (at least one a client).")
        var cplis: Int = 20_000

        @Option(help: ArgumentHelp("Where to write the files and the data folder (default: a new temporary folder, removed after).", valueName: "dir"))
        var folder: String?

        func validate() throws {
            guard (1...10_000).contains(providers) else { throw ValidationError("--providers must be 1 to 10000") }
            guard (1...1_000_000).contains(clients) else { throw ValidationError("--clients must be 1 to 1000000") }
            guard cplis >= clients, cplis <= clients * 20 else { throw ValidationError("--cplis must be from --clients to 20 × --clients") }
        }

        func run() async throws {
            let root = folder.map { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("portal-bench-import-\(UUID().uuidString)", isDirectory: true)
            defer { if folder == nil { try? FileManager.default.removeItem(at: root) } }
            let data = root.appendingPathComponent("data")
            guard !FileManager.default.fileExists(atPath: data.path) else { throw ValidationError("\(data.path) exists; give a new --folder") }
            let heap = AnonymousMemoryPeak()
            print("portal bench import — \(ProcessInfo.processInfo.activeProcessorCount) cores, folder \(root.path)")

            let portal = try await PortalApplication.Portal.open(
                dataDirectory: data, deployment: .init(policy: nil), defaults: Portal.Serve.defaultSettings, bcryptCost: 4)
            defer { portal.close() }
            let actor = Actor.operator(osUser: ShellOperator.osUser)
            let today = portal.context(for: actor).today
            let files = Self.county(providers: providers, clients: clients, cplis: cplis, today: today)
            let filesFolder = root.appendingPathComponent("files")
            try FileManager.default.createDirectory(at: filesFolder, withIntermediateDirectories: true)
            for file in files { try file.content.write(to: filesFolder.appendingPathComponent(file.name)) }
            print("files: " + files.map { "\($0.name) \($0.content.count / 1024) KiB" }.joined(separator: ", "))

            var started = ContinuousClock.now
            let parsed = ReferenceData.parse(files: files, today: today)
            let parseTime = ContinuousClock.now - started
            guard parsed.problems.isEmpty else { throw ValidationError("the generated files have problems: \(parsed.problems.prefix(3))") }
            print("read and checked \(parsed.organisations.count) organisations, \(parsed.contracts.count) contracts, \(parsed.services.count) services, "
                + "\(parsed.careOrders.count) care orders with \(parsed.careOrders.reduce(0) { $0 + $1.lines.count }) CPLIs in \(Self.seconds(parseTime))")

            started = ContinuousClock.now
            let dry = try await portal.importReferenceData(parsed, dryRun: true, CommandRequest(actor: actor))
            print("dry run: \(dry.events) events decided, nothing written, in \(Self.seconds(ContinuousClock.now - started))")

            let before = try portal.log.head().position
            started = ContinuousClock.now
            let report = try await portal.importReferenceData(parsed, dryRun: false, CommandRequest(actor: actor))
            let importTime = ContinuousClock.now - started
            guard report.written, report.problems.isEmpty else { throw ValidationError("the import was refused: \(report.problems.prefix(3))") }
            let after = try portal.log.head().position
            print("import: \(after - before) events in one atomic append in \(Self.seconds(importTime)) "
                + "(\(Measurement.rate(Int(after - before), importTime)), reading and checking the files not included)")

            started = ContinuousClock.now
            let again = try await portal.importReferenceData(ReferenceData.parse(files: files, today: today), dryRun: false, CommandRequest(actor: actor))
            print("the same files again: already imported \(again.isAlreadyImported), \(again.counts(of: .careOrders).unchanged) care orders unchanged, "
                + "in \(Self.seconds(ContinuousClock.now - started))")

            let statistics = try portal.log.statistics()
            print("log: \(statistics.eventCount) events, \(statistics.usedBytes / 1_048_576) MiB used, \(statistics.usedBytes / max(statistics.eventCount, 1)) bytes an event")
            print("peak resident memory (VmHWM): \(Measure.peakResidentBytes() / 1_048_576) MiB; peak heap (RssAnon): \(heap.stop() / 1_048_576) MiB")
        }

        static func seconds(_ duration: Duration) -> String { String(format: "%.2f s", Measurement.seconds(duration)) }

        /// A deterministic county's four files: `providers` organisations with a contract (the types in turn) and two
        /// services each; `clients` care orders spread over the services, `cplis` CPLIs spread over the clients; start
        /// dates in the past, a few UTF-8 names.
        static func county(providers: Int, clients: Int, cplis: Int, today: BusinessDate) -> [(name: String, content: Data)] {
            var organisations = "organisation,name,address_1,address_2,postcode,telephone,email\n"
            var contracts = "contract,organisation,name,contract_type,payment_basis,start_date,end_date\n"
            var services = "service,organisation,contract,name,address_1,postcode,start_date\n"
            let types = ContractType.allCases
            for index in 1...providers {
                let id = String(format: "prov-%04d", index)
                organisations += "\(id),\"Provider \(index) Care, Ltd\",\(index) High Street,Norwich,NR\(index % 30 + 1) 1AA,01603 \(String(format: "%06d", index)),office@\(id).example\n"
                contracts += "\(id)-k1,\(id),Home support \(index),\(types[index % types.count].rawValue),invoiced,2019-04-01,\n"
                for service in 1...2 {
                    services += "\(id)-s\(service),\(id),\(id)-k1,Provider \(index) service \(service),\(index) High Street,NR\(index % 30 + 1) 1AA,2026-04-06\n"
                }
            }
            let names = ["Zoë Ødegård", "Seán Ó Briain", "Margaret Hughes", "Aled Jones", "Krzysztof Nowak", "Siobhán Ní Dhuibhir", "John Smith"]
            var orders = "iso,client_reference,client_name,organisation,service,cpli,service_type,unit,planned_per_week,rate,start_date,end_date\n"
            let extra = cplis - clients
            for client in 1...clients {
                let provider = (client - 1) % providers + 1
                let organisation = String(format: "prov-%04d", provider)
                let service = "\(organisation)-s\((client / providers) % 2 + 1)"
                let name = "\(names[client % names.count]) \(client)"
                // Every client one CPLI, and the extra ones spread evenly.
                let lines = 1 + extra / clients + (client <= extra % clients ? 1 : 0)
                let start = today.adding(days: -(1 + client % 700))
                for line in 1...lines {
                    let night = line % 3 == 0
                    // Planned hours in half hours, 3.5 to 21.0, written exactly (no floating point near a quantity).
                    let halfHours = 7 + client % 36
                    let hours = "\(halfHours / 2).\(halfHours % 2 == 0 ? "0" : "5")"
                    orders += "iso-\(client),C\(100_000 + client),\(name),\(organisation),\(service),cpli-\(client)-\(line),"
                        + (night ? "night-sits,nights,\(1 + client % 3),85.00," : "home-support-contract-rate,hours,\(hours),19.25,")
                        + "\(start.iso8601),\n"
                }
            }
            return [("organisations.csv", Data(organisations.utf8)), ("contracts.csv", Data(contracts.utf8)),
                    ("services.csv", Data(services.utf8)), ("care-orders.csv", Data(orders.utf8))]
        }
    }
}
