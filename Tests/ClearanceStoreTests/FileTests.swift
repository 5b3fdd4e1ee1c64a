import ClearanceCore
import Foundation
import Testing
@testable import ClearanceStore

@Suite("Store: agreement files (JSON and CSV)")
struct FileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the CSV reader handles quotes, escaped quotes, quoted line breaks, CRLF and a BOM")
    func csvReader() {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n2,\"two\nlines\",\r\n3,,last"
        let (records, problems) = CSV.parse(Array(text.utf8))
        #expect(problems.isEmpty)
        #expect(records == [
            CSV.Record(line: 1, fields: ["a", "b", "c"]),
            CSV.Record(line: 2, fields: ["1", "x, y", "say \"hi\""]),
            CSV.Record(line: 4, fields: ["2", "two\nlines", ""]),
            CSV.Record(line: 6, fields: ["3", "", "last"]),
        ])
    }

    @Test("CSV errors name their line", arguments: [
        ("a,b\n1,\"open\n2,3\n", "csv.unterminated_quote", "line 2"),
        ("a,b\n1,x\"y\n", "csv.stray_quote", "line 2"),
        ("a,b\n1,\"x\"y\n", "csv.stray_quote", "line 2"),
    ])
    func csvErrors(_ text: String, _ code: String, _ location: String) {
        let (_, problems) = CSV.parse(Array(text.utf8))
        #expect(problems.map(\.code) == [code])
        #expect(problems.first?.location == location)
    }

    @Test("invalid UTF-8 in a CSV field is reported with its line")
    func csvBadUTF8() {
        let (_, problems) = CSV.parse(Array("a\n".utf8) + [0xFF, 0x0A])
        #expect(problems.map(\.code) == ["csv.bad_utf8"])
        #expect(problems.first?.location == "line 2")
    }

    @Test("seeds/agreements.csv reads as the same agreements as its JSON twin")
    func seedCSV() throws {
        let csv = AgreementFile.parse(fileBytes(Self.root.appendingPathComponent("seeds/agreements.csv").path))
        #expect(!csv.hasErrors, "\(csv.diagnostics)")
        #expect(csv.agreements.map(\.id) == ["C-2026-0007", "S-2026-0012"])
        #expect(csv.locations == ["line 2", "line 4"])
        let c7 = csv.agreements[0]
        #expect(c7.grants.count == 2)
        #expect(c7.grants[1].duties.map(\.action) == [.attribute, .link])
        #expect(c7.restrictions.map(\.note) == ["no social media"])
        #expect(csv.agreements[1].subscriber.name == "Rudaw Media Network, Erbil")
        #expect(csv.agreements[1].restrictions.first?.note == #"no video, "raw" or edited"#)
        let json = AgreementFile.parse(fileBytes(Self.root.appendingPathComponent("seeds/agreements.json").path))
        #expect(!json.hasErrors)
        var first = c7
        first.grants = [first.grants[0]]
        #expect(first == json.agreements[0])
    }

    @Test("every bad CSV record is reported with its line and column")
    func csvBadRecords() {
        let text = """
            id,kind,source,subscriber,signed_at,term_start,term_end,assets,actions,extent,channels,territories,quota_count,quota_per
            A1,contract,ilkha,s1,2026-01-01,2026-01-01,2026-12-31,text,use,whole,web,TR,10,month
            A2,contract,ilkha,s2,2026-01-01,2026-01-01,2026-12-31,text,use,whole,podcast,TR,,
            A3,contract,ilkha,s3,2026-01-01,2026-03-01,2026-02-01,text,use,whole,web,XX,,
            A1,license,,,,,,photo,use,whole,web,TR,,
            A4,contract,ilkha,s4,2026-01-01,2026-01-01,2026-12-31,text,use,whole,web,TR,ten,month
            A5,contract,ilkha,s5,2026-01-01,2026-01-01
            A6,contract,ilkha,s6,2026-01-01,2026-01-01,2026-12-31,text,,whole,web,TR,,
            """
        let r = AgreementFile.parse(Array(text.utf8))
        let errors = r.diagnostics.filter { $0.severity == .error }.map { "\($0.location ?? "?") \($0.code)" }
        #expect(errors.sorted() == [
            "line 3, column `channels` agreement.unknown_channel",
            "line 4, column `term_end` agreement.bad_term",
            "line 4, column `territories` agreement.unknown_territory",
            "line 5, column `kind` agreement.csv_conflict",
            "line 6, column `quota_count` agreement.bad_quota",
            "line 7 csv.field_count",
            "line 8, column `actions` agreement.missing_field",
        ].sorted())
    }

    @Test("a CSV file without the required columns is refused at its header")
    func csvMissingColumns() {
        let r = AgreementFile.parse(Array("id,kind,assets\nA,contract,text\n".utf8))
        #expect(r.diagnostics.map(\.code).contains("agreement.csv_missing_column"))
        #expect(r.agreements.isEmpty)
    }

    /// `n` agreements as a JSON array, with the given elements replaced.
    static func bigJSON(_ n: Int, replacing: [Int: String] = [:]) -> [UInt8] {
        var s = "[\n"
        for i in 0..<n {
            s += replacing[i] ?? agreementJSON(id: "B-\(i)", subscriber: "s\(i % 10)")
            s += i == n - 1 ? "\n" : ",\n"
        }
        return Array((s + "]\n").utf8)
    }

    @Test("a big JSON file is parsed in parallel with the same results and locations")
    func parallelJSON() {
        let bad = [17: agreementJSON(id: "B-17", channels: #"["podcast"]"#), 1500: agreementJSON(id: "B-1500", territories: #"["XX"]"#)]
        let bytes = Self.bigJSON(2_000, replacing: bad)
        #expect(bytes.count > 1 << 20)
        let r = AgreementFile.parseJSON(bytes)
        #expect(r.agreements.count == 1_998)
        #expect(r.locations.first == "$[0]" && r.locations.last == "$[1999]")
        #expect(r.diagnostics.filter { $0.severity == .error }.map(\.location) == ["$[17].grants[0].channels[0]", "$[1500].grants[0].territories[0]"])
    }

    /// The big-file path reads most elements with the byte scanner (`AgreementScanner`): agreements,
    /// locations and every diagnostic (errors and warnings) must equal the strict reading element by element.
    @Test("the byte scanner's reading of a big file equals the strict reading, diagnostics included")
    func scannedJSONEqualsStrict() throws {
        let odd = [3: agreementJSON(id: "B-3", channels: #"["web", "web"]"#), 40: agreementJSON(id: "B-40", territories: #"["iq", "all"]"#),
                   41: agreementJSON(id: "B-41", channels: #"["all", "web"]"#), 99: agreementJSON(id: "B-99", channels: #"["fax"]"#)]
        let bytes = Self.bigJSON(2_000, replacing: odd)
        #expect(bytes.count > 1 << 20)
        let fast = AgreementFile.parseJSON(bytes)
        let items = try #require(try JSONParser.parse(bytes).arrayValue)
        var agreements: [Agreement] = [], locations: [String] = [], diagnostics: [Diagnostic] = []
        for (k, v) in items.enumerated() {
            let (a, d) = Agreement.parse(v, at: "$[\(k)]")
            diagnostics += d
            if let a { agreements.append(a); locations.append("$[\(k)]") }
        }
        #expect(fast.agreements == agreements)
        #expect(fast.locations == locations)
        #expect(fast.diagnostics.map { "\($0.code) \($0.location ?? "") \($0.message)" } == diagnostics.map { "\($0.code) \($0.location ?? "") \($0.message)" })
        #expect(diagnostics.count >= 3)
    }

    @Test("a syntax error in a big JSON file is reported with its exact line")
    func parallelJSONSyntaxError() {
        let bytes = Self.bigJSON(2_000, replacing: [1_000: #"{"id": "B-1000", "kind": "contract",, }"#])
        let r = AgreementFile.parseJSON(bytes)
        #expect(r.agreements.isEmpty)
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.code.hasPrefix("json.") == true)
        #expect(r.diagnostics.first?.location?.hasPrefix("line 8002,") == true, "\(r.diagnostics)")
    }
}
