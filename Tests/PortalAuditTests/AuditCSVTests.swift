import Foundation
import PortalAudit
import Testing

@Suite("Audit CSV: the portal's one CSV writer")
struct AuditCSVTests {
    @Test("A value from the log that starts a formula opens as text in an audit CSV; commas and quotes are quoted (RFC 4180)")
    func formulaCells() throws {
        let tree = try JSONTree(json: Data(#"{"a":"=1+1","b":"+SUM(A1)","c":"-2","d":"@x","e":"\t=1","f":"x, \"y\""}"#.utf8))
        let csv = try AuditOutput.state(tree, title: "state", format: .csv)
        #expect(csv == "field,value\na,'=1+1\nb,'+SUM(A1)\nc,'-2\nd,'@x\ne,'\t=1\nf,\"x, \"\"y\"\"\"\n")
    }
}
