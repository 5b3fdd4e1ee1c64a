import ClearanceCore
import Foundation
import NoticeReader
import Testing

/// Bad input: each a clear diagnostic or a finding, never a crash, a hang or a widening.
@Suite struct InputTests {
    func code(_ bytes: [UInt8]) -> String? {
        do { _ = try NoticeInput.decode(bytes, name: "x"); return nil } catch { return error.code }
    }

    @Test(arguments: [
        ([UInt8](), "notice.empty"),
        (Array("   \n\t  \n".utf8), "notice.empty"),
        (Array("12345 ... 2026".utf8), "notice.empty"),
        ([0x41, 0x42, 0x00, 0x43], "notice.binary"),
        ([0xC3, 0x28, 0x41], "notice.not_utf8"),
        ([0xE0, 0x80, 0x80], "notice.not_utf8"),
        ([0xED, 0xA0, 0x80], "notice.not_utf8"),
        ([0xF0, 0x9F, 0x98], "notice.not_utf8"),
        ([0xFF, 0xFE, 0x41, 0x00], "notice.not_utf8"),
        ([0xC7, 0xE1, 0xCD, 0xDE, 0xE6, 0xDE], "notice.not_utf8"),
    ] as [([UInt8], String)])
    func refusesWhatIsNotText(bytes: [UInt8], expected: String) {
        #expect(code(bytes) == expected)
    }

    @Test func messagesAreLowercaseWithInputInBackticksAndAHint() {
        do { _ = try NoticeInput.decode([0xC3, 0x28], name: "page.txt"); Issue.record("accepted bad bytes") } catch {
            #expect(error.message.first?.isLowercase == true)
            #expect(error.message.contains("`page.txt`"))
            #expect(error.hint?.isEmpty == false)
        }
    }

    @Test func refusesHugeInputBeforeReadingIt() {
        let big = [UInt8](repeating: 0x61, count: NoticeInput.maxBytes + 1)
        #expect(code(big) == "notice.too_large")
    }

    @Test func acceptsUTF8WithByteOrderMark() throws {
        let text = try NoticeInput.decode([0xEF, 0xBB, 0xBF] + Array("All rights reserved.".utf8))
        #expect(text == "All rights reserved.")
    }

    @Test func pageWithoutNoticeIsAFindingAndProhibits() {
        let body = String(repeating: "The minister met his counterpart in the capital on Tuesday to discuss regional security and trade. ", count: 40)
        let r = Fixture.reader.read(body + "\n" + body)
        #expect(r.findings.contains { $0.code == "no_notice_found" })
        #expect(r.summary.defaultRule == "prohibit")
        #expect(r.rules.isEmpty)
    }

    @Test func cutOffNoticeIsAFindingAndNeverPermits() {
        let r = Fixture.reader.read("YASAL UYARI: Yayınlanan yazılı haber, fotoğraf ve videonun tüm hakları İlke Haber Ajansı'na aittir. Hiçbir surette haber, fotoğraf ve videonun tamamı veya bir kısmı yazılı sözleşme yapılmadan veya")
        #expect(r.summary.defaultRule == "prohibit")
        #expect(!r.rules.contains { $0.kind == .permission })
    }

    @Test func mixedScriptsReadEachScriptWithItsPack() {
        let r = Fixture.reader.read("© جميع الحقوق محفوظة لقناة العربية 2015. This material may not be reproduced without written permission.")
        #expect(r.summary.defaultRule == "prohibit")
        #expect(r.summary.prohibitedUses == ["whole"])
        #expect(r.summary.permittedWith == ["written-permission"])
        #expect(r.summary.rightsHolder == "قناة العربية")
    }

    @Test func strayMarksAndHTMLAreFolded() {
        let r = Fixture.reader.read("\u{200F}تنبيه:\u{200F} جميع الحقوق محفوظة<br />لا يـــسمح بالنسخ أو الاقتباس إلا بموافقة خطية&nbsp;من الإدارة")
        #expect(r.summary.prohibitedUses == ["whole", "partial"])
        #expect(r.summary.permittedWith == ["written-permission"])
    }

    @Test func controlCharacterNoiseIsBinary() {
        var bytes: [UInt8] = []
        for i in 0..<4000 { bytes.append(UInt8(1 + i % 8)); bytes.append(0x41) }
        #expect(code(bytes) == "notice.binary")
    }

    /// A notice buried in a long page is found the same way whatever the page's length (how the time
    /// grows with the page is measured by `clearance-bench notice`, never asserted here).
    @Test func longPageReadsTheSameAtAnyLength() {
        let para = "قالت منظمة اليونيسف إن أكثر من 640 ألف طفل في شمال دارفور معرضون لخطر العنف والأمراض وسوء التغذية في ظل تفشي الكوليرا.\n"
        let notice = "تنبيه: وكالة إيلكا الإخبارية تمتلك جميع حقوق نشر الأخبار والصور، ولن يمكن استخدامها كليا أو جزئياً دون عقد مبرم مع الوكالة أو اشتراك مسبق.\n"
        func read(_ n: Int) -> NoticeReading {
            Fixture.reader.read(String(repeating: para, count: n) + notice + String(repeating: para, count: n))
        }
        let short = read(300), long = read(1_200)
        #expect(short.summary.permittedWith == ["contract", "subscription"])
        #expect(long.summary.prohibitedUses == ["whole", "partial"])
        #expect(short.summary == long.summary)
        #expect(short.notice == long.notice)
    }
}
