import ClearanceCore
import Testing

/// `policy show`'s plain words.
@Suite struct DescriberTests {
    @Test func describesRulesInPlainWords() throws {
        let p = try ODRLReader.readPolicy([
            "@type": "Agreement", "uid": "urn:a", "assigner": "urn:agency", "assignee": "urn:sub",
            "permission": [["uid": "urn:r:1", "action": "reproduce", "target": ["@type": "AssetCollection", "uid": "urn:kind:photo"],
                            "clr:provenance": "ilkha notice, sentence 2",
                            "constraint": [["leftOperand": "dateTime", "operator": "lt", "rightOperand": ["@value": "2027-01-01", "@type": "xsd:date"]],
                                           ["leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": [["@id": "http://cvx.iptc.org/iso3166-1a3/IRQ"]]]],
                            "duty": [["action": [["rdf:value": ["@id": "odrl:compensate"],
                                                  "refinement": [["leftOperand": "payAmount", "operator": "eq",
                                                                  "rightOperand": ["@value": "5.00", "@type": "xsd:decimal"],
                                                                  "unit": "http://dbpedia.org/resource/Euro"]]]]]]]],
            "prohibition": [["uid": "urn:r:2", "action": "distribute", "constraint": [["leftOperand": "deliveryChannel", "operator": "eq", "rightOperand": "social"]]]],
        ])
        let rules = ODRLDescriber.describe(p) { rule, path in rule.uid == "urn:r:2" ? ["extra note at \(path)"] : [] }
        #expect(rules.count == 2)
        #expect(rules[0].sentence == "`urn:sub` may reproduce (copy) any member of `urn:kind:photo` (granted by `urn:agency`), only if the date is before 2027-01-01, and the place is one of IRQ.")
        #expect(rules[0].notes.contains { $0.contains("pay") && $0.contains("5.00 Euro") })
        #expect(rules[0].notes.contains("source: ilkha notice, sentence 2"))
        #expect(rules[1].sentence.hasPrefix("`urn:sub` may not distribute anything"))
        #expect(rules[1].notes == ["extra note at $.prohibition[0]"])
        let text = ODRLDescriber.render(p, rules)
        #expect(text.contains("Agreement `urn:a`"))
        #expect(text.contains("the prohibition wins"))
    }
}
