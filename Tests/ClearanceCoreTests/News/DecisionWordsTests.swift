@testable import ClearanceCore
import Testing

/// The pieces the one writer of a decision's words copies instead of escaping values each time
/// (news session 6): static vocabulary names, an agreement's prepared text, the escape check.
@Suite struct DecisionWordsTests {
    /// Each vocabulary value's static name is its raw value (what `value(x.rawValue)` wrote).
    @Test func staticNamesAreRawValues() {
        func check<V: StaticNamed & RawRepresentable & CaseIterable>(_: V.Type) where V.RawValue == String {
            for v in V.allCases { #expect(v.staticName.description == v.rawValue) }
        }
        check(AssetKind.self)
        check(Extent.self)
        check(Channel.self)
        check(AgreementKind.self)
        check(QuotaPeriod.self)
        for p in QuotaPeriod.allCases { #expect(p.staticAdjective.description == p.adjective) }
    }

    /// `AgreementText.bytes` are the escaped id, `","message":"`, the kind and the escaped id again.
    @Test(arguments: ["C-2026-0007", "A-\"7\"\\x", "é\u{2028}\n\t", "", "a-very-long-agreement-identifier-2026"])
    func agreementTextLayout(id: String) {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: 5))
        var a = gen.agreement(1)
        a.id = id
        for kind in AgreementKind.allCases {
            a.kind = kind
            let t = AgreementText(a)
            defer { t.free() }
            var escaped: [UInt8] = []
            JSONBytes.appendEscaped(id, to: &escaped)
            let json = Array(t.bytes)
            #expect(Array(json[..<t.idEnd]) == escaped)
            #expect(Array(t.id) == escaped)
            #expect(Array(t.unnamed) == escaped + Array("\",\"message\":\"".utf8))
            #expect(Array(json[t.idEnd..<t.nameStart]) == Array("\",\"message\":\"".utf8))
            #expect(Array(json[t.nameStart...]) == Array("\(kind.rawValue) ".utf8) + escaped)
            #expect(Array(t.inID) == Array(" in ".utf8) + escaped)
        }
    }

    /// The word-at-a-time escape check says what a byte-by-byte one says, and the one-pass copy
    /// writes what the escaper writes, at every length and position.
    @Test func isPlainIsTheByteCheck() {
        func byByte(_ b: [UInt8]) -> Bool { !b.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 } }
        var rng = SplitMix(seed: 99)
        let special: [UInt8] = [0x00, 0x0A, 0x1F, 0x22, 0x5C, 0xE2, 0x09, 0x0D]
        let plain: [UInt8] = [0x20, 0x21, 0x23, 0x41, 0x5B, 0x5D, 0x7E, 0x7F, 0x80, 0xE1, 0xE3, 0xFF]
        for n in 0..<40 {
            for _ in 0..<40 {
                var b = (0..<n).map { _ in plain[rng.next(plain.count)] }
                if n > 0 && rng.next(2) == 0 { b[rng.next(n)] = special[rng.next(special.count)] }
                let got = b.withUnsafeBufferPointer { JSONBytes.isPlain($0) }
                #expect(got == byByte(b), "\(b)")
                // The one-pass copy writes what the escaper writes, after what was there.
                var want: [UInt8] = [0x41]
                b.withUnsafeBufferPointer { JSONBytes.escapeBody($0, to: &want) }
                var w = ByteWriter(capacity: 1)
                w.put(0x41)
                b.withUnsafeBufferPointer { w.putEscapedBody($0) }
                #expect(Array(w.bytes) == want, "\(b)")
                w.free()
            }
        }
    }

    /// The lists kept per agreement for the JSON words (``GrantLists``, words session 8) are each
    /// list joined with `, ` and escaped (territories: ` except ` and the excluded ones when any):
    /// an oracle independent of the writer, over seeded agreements and values that need escaping.
    @Test func grantListsAreTheJoinedLists() {
        func joined(_ parts: [String]) -> String { parts.joined(separator: ", ") }
        func escaped(_ s: String) -> [UInt8] { var b: [UInt8] = []; JSONBytes.appendEscaped(s, to: &b); return b }
        func expected(_ grant: Grant, _ l: GrantList) -> String {
            switch l {
            case .assets: if case .only(let v) = grant.assets { return joined(v.map(\.rawValue)) } else { return "all" }
            case .actions: return joined(grant.actions)
            case .extent: return joined(grant.extent.map(\.rawValue))
            case .channels: if case .only(let v) = grant.channels { return joined(v.map(\.rawValue)) } else { return "all" }
            case .territories:
                let t = grant.territories
                return joined(t.include) + (t.exclude.isEmpty ? "" : " except " + joined(t.exclude))
            }
        }
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: 8))
        var agreements = (0..<300).map { gen.agreement($0) }
        var odd = gen.agreement(1000)
        odd.grants = [Grant(assets: .only([.photo, .text]), actions: ["x\"quoted\"", "back\\slash", "tab\t", "é\u{2028}"],
                            extent: [.partial, .whole], channels: .all,
                            territories: TerritorySpec(include: ["WORLD", "a\"b"], exclude: ["DE", "c\nd"])), gen.grant()]
        agreements.append(odd)
        var checked = 0
        for a in agreements {
            let raw = GrantLists.make(a)
            defer { raw.deallocate() }
            let lists = GrantLists(raw: raw)
            for (g, grant) in a.grants.enumerated() {
                for l in GrantList.allCases {
                    #expect(Array(lists.list(g, l)) == escaped(expected(grant, l)), "\(a.id) grant \(g) \(l)")
                    checked += 1
                }
            }
        }
        #expect(checked > 1000)
        // Equal lists are one pooled text.
        let one = GrantLists.make(odd), two = GrantLists.make(odd)
        defer { one.deallocate(); two.deallocate() }
        for l in GrantList.allCases {
            #expect(GrantLists(raw: one).list(0, l).baseAddress == GrantLists(raw: two).list(0, l).baseAddress)
        }
    }

    /// Each agreement reason's JSON opening is `,{"code":"CODE","agreement":"` for its code.
    @Test func agreementReasonOpenings() {
        let all: [AgreementReason] = [.agreementKindNotAccepted, .agreementTerminated, .agreementNotStarted, .agreementExpired,
                                      .notPriorSubscription, .restrictedUse, .noGrant, .assetNotGranted, .actionNotGranted,
                                      .extentNotGranted, .channelNotGranted, .territoryNotGranted, .embargoBreach, .quotaExceeded]
        for c in all { #expect(c.json.description == ",{\"code\":\"\(c.code.description)\",\"agreement\":\"") }
        #expect(Set(all.map(\.code.description)).count == all.count)
    }
}
