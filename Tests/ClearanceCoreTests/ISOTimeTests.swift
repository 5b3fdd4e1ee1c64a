import ClearanceCore
import Testing

/// Dates, date-times and durations as the engine reads them.
@Suite struct ISOTimeTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("1970-01-01", 0.0),
        ("1970-01-02T00:00:00", 86_400.0),
        ("2000-03-01T00:00:00Z", 951_868_800.0),
        ("2024-02-29T12:00:00Z", 1_709_208_000.0),
        ("2024-02-12T11:20:10.999Z", 1_707_736_810.999),
        ("2018-01-01T02:00:00+01:00", 1_514_768_400.0),
        ("2017-12-31T19:00:00-05:00", 1_514_764_800.0),
        ("2018-01-01+02:00", 1_514_757_600.0),
    ])
    func parsesDateTimes(_ text: String, _ epoch: Double) throws {
        let t = try #require(ISOTime.parseDateTime(text))
        #expect(abs(t - epoch) < 0.0005, "\(text)")
    }

    @Test(arguments: ["", "2026", "2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-01-01T25:00:00Z",
                      "2026-01-01T10:60:00Z", "2026-01-01T10:00:00+15:00", "2026-01-01T10", "next tuesday", "2026-01-01Tfoo",
                      "2026-01-01T10:00:00.Z", "2026-1-1", "99999999999999999999999-01-01", "-99999999999999999999-01-01"])
    func rejectsNonDates(_ text: String) {
        #expect(ISOTime.parseDateTime(text) == nil, "\(text)")
    }

    @Test(arguments: [("PT1H", 3600.0), ("P1D", 86_400.0), ("P2W", 1_209_600.0), ("PT1H30M", 5400.0), ("PT0.5S", 0.5),
                      ("P1DT12H", 129_600.0), ("-PT10M", -600.0)])
    func parsesDurations(_ text: String, _ seconds: Double) throws {
        #expect(try #require(ISOTime.parseDuration(text)) == seconds)
    }

    @Test(arguments: ["", "P", "PT", "1H", "PT1D", "P1H", "P1.2.3D", "PT1H2", "P-1D"])
    func rejectsNonDurations(_ text: String) {
        #expect(ISOTime.parseDuration(text) == nil, "\(text)")
    }

    @Test func formatsInUTC() {
        #expect(ISOTime.format(0) == "1970-01-01T00:00:00Z")
        #expect(ISOTime.format(1_707_736_810.999) == "2024-02-12T11:20:10.999Z")
        #expect(ISOTime.format(.infinity).contains("seconds"))
        #expect(ISOTime.format(1e300).contains("seconds"))
    }

    @Test func integerDatatypeNeedsAWholeNumber() {
        let r = ODRLReader.read(["@type": "Set", "uid": "urn:p", "permission": [["action": "use", "constraint": [
            ["leftOperand": "count", "operator": "lteq", "rightOperand": ["@value": "5.5", "@type": "xsd:integer"]]]]]])
        #expect(r.diagnostics.contains { $0.code == "odrl.invalid_literal" })
    }
}
