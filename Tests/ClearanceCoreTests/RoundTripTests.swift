import ClearanceCore
import Testing

/// Reading and writing back keeps every key, value and key order of a compact policy.
@Suite struct RoundTripTests {
    static let rich: JSONValue = [
        "@context": ["http://www.w3.org/ns/odrl.jsonld", ["clr": "urn:clearance:"]],
        "@type": "Agreement", "uid": "urn:clearance:agreement:ilkha:C-1",
        "profile": "http://iptc.org/std/RightsML/2/", "conflict": "prohibit",
        "clr:formatVersion": 1, "clr:notice": "İLKHA owns all rights…", "clr:liftedBy": ["contract", "subscription"],
        "assigner": "urn:clearance:source:ilkha", "assignee": ["@type": "PartyCollection", "uid": "urn:subs", "source": "urn:list", "clr:x": true],
        "permission": [[
            "uid": "urn:r:1", "target": ["urn:a:1", "urn:a:2"], "output": "urn:out",
            "action": [["uid": "urn:act:1", "rdf:value": ["@id": "odrl:reproduce"], "refinement": [["leftOperand": "percentage", "operator": "lteq", "rightOperand": 30]], "clr:note": "partial"]],
            "compensatedParty": "urn:clearance:source:ilkha",
            "constraint": [
                ["uid": "urn:c:1", "or": [["leftOperand": "language", "operator": "eq", "rightOperand": ["@value": "Nachrichten", "@language": "de"]],
                                          ["leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": [["@id": "http://cvx.iptc.org/iso3166-1a2/IQ"]]]]],
                ["leftOperand": "dateTime", "operator": "lt", "rightOperand": ["@value": "2027-01-01", "@type": "xsd:date"], "clr:provenance": ["start": 10, "end": 42]],
                ["leftOperand": "delayPeriod", "operator": "gteq", "rightOperand": "PT1H", "dataType": "xsd:duration"],
                ["leftOperand": "count", "operator": "lteq", "rightOperand": 300, "status": 12, "unit": "urn:unit:uses"],
            ],
            "duty": [["uid": "urn:d:1", "action": "attribute", "clr:text": "İLKHA",
                      "consequence": [["action": "compensate", "constraint": [["leftOperand": "payAmount", "operator": "eq", "rightOperand": ["@value": "50.00", "@type": "xsd:decimal"], "unit": "http://cvx.iptc.org/iso4217a/EUR"]]]]]],
            "clr:provenance": "sentence 3",
        ]],
        "prohibition": [["uid": "urn:r:2", "target": ["@type": "AssetCollection", "uid": "urn:photos", "partOf": "urn:all", "refinement": [["leftOperand": "fileFormat", "operator": "eq", "rightOperand": "image/jpeg"]]],
                         "action": "distribute", "remedy": [["action": "delete", "target": "urn:photos"]]]],
        "obligation": [["uid": "urn:o:1", "action": "inform", "assignee": "urn:subs", "assigner": "urn:clearance:source:ilkha"]],
    ]

    @Test func richPolicyRoundTripsExactly() throws {
        let r = ODRLReader.read(Self.rich)
        #expect(!r.hasErrors, "\(r.diagnostics)")
        let p = try #require(r.policies.first)
        let out = ODRLWriter.json(p)
        #expect(out == Self.rich)
        #expect(out.serialized() == Self.rich.serialized(), "key order changed")
        #expect(p.obligations.count == 1)
        #expect(p.permissions[0].duties[0].consequences.count == 1)
        #expect(p.prohibitions[0].remedies.count == 1)
        #expect(p.permissions[0].otherParties["compensatedParty"]?.first?.uid == "urn:clearance:source:ilkha")
        // and reads back to the same model
        #expect(try ODRLReader.readPolicy(out) == p)
    }

    @Test func flattenedGraphWithReferencesReadsNested() throws {
        let graph: JSONValue = ["@context": "http://www.w3.org/ns/odrl.jsonld", "@graph": [
            ["uid": "urn:p", "type": "Set", "permission": ["_:p1", "_:p2"]],
            ["uid": "_:p1", "action": "_:a1", "target": "urn:t"],
            ["uid": "_:a1", "rdf:value": ["uid": "odrl:print"], "refinement": "_:r1"],
            ["uid": "_:r1", "leftOperand": "resolution", "operator": "lteq", "rightOperand": ["@value": "1200", "@type": "xsd:integer"]],
            ["uid": "_:p2", "action": "display", "constraint": ["_:c1", "_:c2"]],
            ["uid": "_:c1", "xone": ["@list": [["uid": "_:c3"], ["uid": "_:c4"]]]],
            ["uid": "_:c2", "leftOperand": "count", "operator": "lt", "rightOperand": 5],
            ["uid": "_:c3", "leftOperand": "spatial", "operator": "eq", "rightOperand": ["uid": "urn:geo:DE"]],
            ["uid": "_:c4", "leftOperand": "spatial", "operator": "eq", "rightOperand": ["uid": "urn:geo:FR"]],
        ]]
        let p = try ODRLReader.readPolicy(graph)
        #expect(p.permissions.count == 2)
        #expect(p.permissions[0].actions.first?.refinements.count == 1)
        guard case .logical(let l) = p.permissions[1].constraints.first else { Issue.record("no xone"); return }
        #expect(l.op == .xone && l.operands.count == 2)
        let set = try ODRLPolicySet([p])
        var ctx = ODRLContext()
        ctx["spatial"] = .text("urn:geo:FR")
        ctx["count"] = .number(1)
        #expect(set.evaluate(ODRLRequest(assignee: nil, action: "display", target: nil, context: ctx)).outcome == .permit)
    }
}
