@testable import ClearanceCore
import Testing

/// The pieces the one writer of a decision's words copies instead of escaping values each time
/// (news session 6): static vocabulary names, an agreement's prepared text, the escape check.
@Suite struct DecisionWordsTests {
    /// The request's time written again from the bytes kept for it is what the formatter writes, and another
    /// instant passed after it is formatted, not given the kept bytes.
    @Test func requestTimeIsTheInstantsOwnText() {
        let at = Instant(millisecondsSinceEpoch: 1_783_771_726_000), other = Instant(millisecondsSinceEpoch: 1_783_771_726_001)
        var kept = JSONWords(out: ByteWriter(capacity: 64), remedies: ByteWriter(capacity: 16), remedyEnds: ByteWriter(capacity: 16))
        var formatted = JSONWords(out: ByteWriter(capacity: 64), remedies: ByteWriter(capacity: 16), remedyEnds: ByteWriter(capacity: 16))
        defer { for w in [kept, formatted] { w.out.free(); w.remedies.free(); w.remedyEnds.free() } }
        for i in [at, at, other, at] {
            kept.requestTime(i); kept.words(" ")
            formatted.instant(i, dateOnly: false); formatted.words(" ")
        }
        #expect(String(decoding: kept.out.bytes, as: UTF8.self) == String(decoding: formatted.out.bytes, as: UTF8.self))
        #expect(String(decoding: kept.out.bytes, as: UTF8.self).hasPrefix("\(at.description) \(at.description) \(other.description) "))
    }

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
            let words = AgreementWords(a)
            let t = words.text
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

    /// The lists kept per agreement for the JSON words (``AgreementWords``, words sessions 8-9) are each
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
            let lists = AgreementWords(a)
            // Asked in both orders: the first call makes every list, whichever it is.
            for (g, grant) in a.grants.enumerated().reversed() {
                for l in GrantList.allCases.reversed() {
                    #expect(Array(lists.list(g, l, of: a)) == escaped(expected(grant, l)), "\(a.id) grant \(g) \(l)")
                    checked += 1
                }
            }
            for (g, grant) in a.grants.enumerated() {
                for l in GrantList.allCases {
                    #expect(Array(lists.list(g, l, of: a)) == escaped(expected(grant, l)), "\(a.id) grant \(g) \(l)")
                }
            }
        }
        #expect(checked > 1000)
        // Equal lists are one pooled text.
        let one = AgreementWords(odd), two = AgreementWords(odd)
        for l in GrantList.allCases {
            #expect(one.list(0, l, of: odd).baseAddress == two.list(0, l, of: odd).baseAddress)
        }
    }

    /// A permit's words as the JSON path copies them (``PreparedAgreement/PermitBlock``, words sessions 9-10)
    /// are the bytes the general path writes (what the `String` sinks are given): `reason(code:agreement:)`, the
    /// message as a value, `endReason` (the grant's clause, else the notice's quote), then each duty — as the
    /// first reason and after one, with notice words and without, over seeded agreements, a clause that needs
    /// escaping and a message that does (the block then keeps the plain message apart). The block's plain message
    /// is the permit's sentence made from the agreement's public fields.
    @Test func permitBlockIsTheGeneralPathsBytes() {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: 19))
        var agreements = (0..<200).map { gen.agreement($0) }
        var odd = gen.agreement(1000)
        odd.grants[0].clause = "a \"quoted\" clause\nwith\ttabs é"
        agreements.append(odd)
        var escapedID = gen.agreement(1001)
        escapedID.id = "C-\"x\"\\1"
        agreements.append(escapedID)
        let noticeQuote = Array("\",\"quote\":\"the notice\",\"quoteFrom\":\"notice\"}".utf8)
        var checked = 0, clauses = 0, plainApart = 0
        noticeQuote.withUnsafeBufferPointer { nq in
            for a in agreements {
                guard let p = try? PreparedAgreement(a) else { continue }
                for g in a.grants.indices {
                    let block = p.core.permitWords(g)
                    // Made once: the second call reads the same block.
                    #expect(p.core.permitWords(g).raw == block.raw)
                    let message = "\(a.kind.staticName) \(a.id) grants \(a.grants[g].summary) (grant \(g + 1)), in force until \(a.term.endText)"
                    #expect(String(decoding: block.message, as: UTF8.self) == message, "\(a.id) grant \(g)")
                    if block.message.baseAddress.map({ $0 >= block.reason.baseAddress! + block.reason.count }) == true { plainApart += 1 }
                    if a.grants[g].clause != nil { clauses += 1 }
                    for quote in [nq, UnsafeBufferPointer(start: ("\"}" as StaticString).utf8Start, count: 2)] {
                        for earlier in [false, true] {
                            func sink() -> JSONWords {
                                var w = JSONWords(out: ByteWriter(capacity: 64), remedies: ByteWriter(capacity: 16), remedyEnds: ByteWriter(capacity: 16))
                                w.quote = quote
                                if earlier { w.reason(code: "x", agreement: nil); w.endReason(.notice) }
                                return w
                            }
                            var fast = sink(), general = sink()
                            defer { for w in [fast, general] { w.out.free(); w.remedies.free(); w.remedyEnds.free() } }
                            fast.permitReason(block, p.core, g)
                            fast.duties(block, p.core, g)
                            general.reason(code: "granted", agreement: a.id)
                            general.value(message)
                            general.endReason(a.grants[g].clause.map { .agreement($0) } ?? .notice)
                            for d in PreparedAgreement.permitDuties(a, grant: g, obligations: []) { general.duty(d) }
                            fast.finish()
                            general.finish()
                            #expect(Array(fast.out.bytes) == Array(general.out.bytes), "\(a.id) grant \(g)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked > 400)
        #expect(clauses > 10)
        #expect(plainApart > 0)
    }

    /// The pool keeps each distinct text once, its bytes as given, whatever their number (its table
    /// grows past 1,024) and length (past a 64 KB chunk), and from two threads at once.
    @Test func wordPoolKeepsEachTextOnce() async {
        let pool = WordPool()
        let texts: [[UInt8]] = (0..<3000).map { Array("list \($0 % 2500), \(String(repeating: "x", count: $0 % 41))".utf8) }
            + [[], Array(repeating: 0x41, count: 70_000), Array(repeating: 0x42, count: 65_528)]
        func intern(_ t: [UInt8]) -> UnsafeRawPointer { t.withUnsafeBufferPointer { pool.intern($0) } }
        var first: [UInt] = []
        for t in texts {
            let p = intern(t)
            #expect(Array(WordPool.text(p)) == t)
            first.append(UInt(bitPattern: p))
        }
        let distinct = Set(texts.map { $0 }).count
        #expect(pool.count == distinct)
        for (k, t) in texts.enumerated() { #expect(UInt(bitPattern: intern(t)) == first[k]) }
        // Two threads interning the same new texts get the same addresses.
        let fresh: [[UInt8]] = (0..<2000).map { Array("fresh \($0)".utf8) }
        async let a = fresh.map { t in t.withUnsafeBufferPointer { UInt(bitPattern: pool.intern($0)) } }
        async let b = fresh.reversed().map { t in t.withUnsafeBufferPointer { UInt(bitPattern: pool.intern($0)) } }
        let (x, y) = await (a, b)
        #expect(x == Array(y.reversed()))
        #expect(pool.count == distinct + fresh.count)
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
