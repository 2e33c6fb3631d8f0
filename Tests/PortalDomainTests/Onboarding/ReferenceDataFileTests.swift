import Chronology
import Foundation
import PortalDomain
import Testing

/// Reading the onboarding CSV files: each file's kind from its header, every cell parsed and bounded, every
/// problem by file, row and column.
@Suite("Reference data files")
struct ReferenceDataFileTests {
    static let today = BusinessDate(iso8601: "2026-11-25")!

    static func parse(_ files: (String, String)...) -> ReferenceData {
        ReferenceData.parse(files: files.map { ($0.0, Data($0.1.utf8)) }, today: today)
    }

    static func located(_ data: ReferenceData) -> Set<String> {
        Set(data.problems.map { "\($0.file):\($0.row):\($0.column)" })
    }

    @Test("the first column of the header names the kind; columns in any order and case; several files of a kind read as one")
    func kinds() {
        let data = Self.parse(
            ("a.csv", "Name,Organisation,Postcode,Address 1\nOne,org-1,NR1 1AA,1 Road\n"),
            ("b.csv", "organisation,name,address_1,postcode\norg-2,Two,2 Road,nr2 2bb\n"),
            ("c.csv", "contract,organisation,name,contract_type,start_date\nk-1,org-1,Spot,spot-old-block,2020-01-01\n"))
        // a.csv's first column is `name`: not a kind.
        #expect(Self.located(data) == ["a.csv:1:Name"], "\(data.problems)")
        #expect(data.organisations.map(\.id) == ["org-2"])
        #expect(data.organisations.first?.details.postcode == "NR2 2BB")
        #expect(data.contracts.first?.registration.paymentBasis == .invoiced, "payment_basis defaults to invoiced")
        #expect(data.files.map(\.kind) == [.organisations, .contracts])
    }

    @Test("care orders: the rows of one ISO make one care order with its CPLIs in row order; names kept as written (Zoë Ødegård, Seán Ó Briain)")
    func careOrders() {
        let header = "iso,client_reference,client_name,organisation,service,cpli,service_type,unit,planned_per_week,rate,start_date,end_date"
        let data = Self.parse(("orders.csv", """
            \(header)
            iso-1,C1,Zoë Ødegård,org-1,svc-1,cpli-1a,home-support-contract-rate,hours,10.5,19.25,2025-11-03,
            iso-2,C2,Seán Ó Briain,org-1,svc-1,cpli-2a,night-sits,nights,2,85,2026-01-05,2027-01-03
            iso-1,C1,Zoë Ødegård,org-1,svc-1,cpli-1b,night-sits,nights,1,85.0000,2025-11-03,
            iso-1,C1,Zoe Odegard,org-1,svc-1,cpli-1c,night-sits,nights,1,85,2025-11-03,

            """))
        #expect(data.careOrders.map(\.publication.isoID) == ["iso-1", "iso-2"])
        #expect(data.careOrders[0].publication.cpliIDs == ["cpli-1a", "cpli-1b"])
        #expect(data.careOrders[0].lineSources.map(\.row) == [2, 4])
        #expect(data.careOrders[0].publication.clientName == "Zoë Ødegård")
        #expect(data.careOrders[1].lines[0].clientName == "Seán Ó Briain")
        #expect(data.careOrders[1].lines[0].rate == Rate(pence: 8500) && data.careOrders[1].lines[0].plannedPerWeek == Quantity(2))
        // Row 5 names the same ISO with another client name.
        #expect(Self.located(data) == ["orders.csv:5:client_name"], "\(data.problems)")
    }

    @Test("every number and date is bounded, and each problem names its row and column")
    func bounds() {
        let header = "iso,client_reference,client_name,organisation,service,cpli,service_type,unit,planned_per_week,rate,start_date,end_date"
        let data = Self.parse(("orders.csv", """
            \(header)
            iso-1,C1,A,org-1,svc-1,cpli-1,home-support-contract-rate,hours,-1,19.25,2025-11-03,
            iso-2,C2,B,org-1,svc-1,cpli-2,home-support-contract-rate,hours,10,19.255555,2025-11-03,
            iso-3,C3,C,org-1,svc-1,cpli-3,home-support-contract-rate,hours,10,99999999999,2025-11-03,
            iso-4,C4,D,org-1,svc-1,cpli-4,home-support-contract-rate,hours,10,19,2026-11-26,
            iso-5,C5,E,org-1,svc-1,cpli-5,home-support-contract-rate,hours,10,19,1999-12-31,
            iso-6,C6,F,org-1,svc-1,cpli-6,home-support-contract-rate,hours,10,19,2025-11-03,2026-11-24
            iso-7,C7,G,org-1,svc-1,cpli-7,home-support-contract-rate,hours,10,19,2025-11-03,2045-01-01
            iso-8,C8,H,org-1,svc-1,cpli-8,home-support-contract-rate,weeks,1e3,19,2025-02-30,
            iso 9,C9,,org-1,svc-1,cpli-9,,hours,10,19,2025-11-03,

            """))
        #expect(data.careOrders.isEmpty)
        let expected: Set<String> = [
            "orders.csv:2:planned_per_week", "orders.csv:3:rate", "orders.csv:4:rate", "orders.csv:5:start_date", "orders.csv:6:start_date",
            "orders.csv:7:end_date", "orders.csv:8:end_date", "orders.csv:9:unit", "orders.csv:9:planned_per_week", "orders.csv:9:start_date",
            "orders.csv:10:iso", "orders.csv:10:client_name", "orders.csv:10:service_type",
        ]
        #expect(Self.located(data) == expected, "\(data.problems.map(\.description).joined(separator: "\n"))")
    }

    @Test("the header: unknown and missing columns, a column twice, an empty file, a header without rows, a file that is not UTF-8, duplicate ids across files")
    func headerAndFiles() {
        let data = ReferenceData.parse(files: [
            ("a.csv", Data("organisation,name,adress_1,postcode\nx,y,z,w\n".utf8)),
            ("b.csv", Data("contract,contract,organisation,name,contract_type,start_date\n".utf8)),
            ("c.csv", Data()),
            ("d.csv", Data("service,organisation,contract,name,address_1,postcode,start_date\n".utf8)),
            ("e.csv", Data([0x6f, 0x72, 0x67, 0xff, 0xfe])),
            ("f.csv", Data("organisation,name,address_1,postcode\norg-1,One,1 Road,NR1 1AA\norg-1,One again,1 Road,NR1 1AA\n".utf8)),
            ("f.csv", Data("organisation,name,address_1,postcode\n".utf8)),
        ], today: Self.today)
        #expect(Self.located(data) == [
            "a.csv:1:adress_1", "a.csv:1:address_1", "b.csv:1:contract", "c.csv:1:file", "d.csv:2:row", "e.csv:1:file",
            "f.csv:3:organisation", "f.csv:1:file",
        ], "\(data.problems.map(\.description).joined(separator: "\n"))")
        #expect(data.problems.contains { $0.message.contains("org-1 is on f.csv, row 2 already") })
    }

    @Test("a file over the size limit is refused without being read, naming it")
    func sizeLimit() {
        let big = Data(count: ReferenceData.maximumFileBytes + 1)
        let data = ReferenceData.parse(files: [("huge.csv", big)], today: Self.today)
        #expect(Self.located(data) == ["huge.csv:1:file"])
    }

    @Test("a domain field maps to its column (plannedPerWeek → planned_per_week, cpliIDs → cpli)")
    func columns() {
        #expect(ReferenceDataKind.careOrders.column(forField: "plannedPerWeek") == "planned_per_week")
        #expect(ReferenceDataKind.careOrders.column(forField: "cplis[1]") == "cpli")
        #expect(ReferenceDataKind.careOrders.column(forField: "cpliIDs") == "cpli")
        #expect(ReferenceDataKind.services.column(forField: "contractID") == "contract")
        #expect(ReferenceDataKind.organisations.column(forField: "details.postcode") == "name")
        #expect(ReferenceDataKind.organisations.column(forField: "nonsense") == "row")
    }
}
