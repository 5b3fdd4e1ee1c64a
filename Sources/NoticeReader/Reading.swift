/// Where a rule came from: the words, their span in the input, their language, how sure the reader is.
public struct Provenance: Codable, Sendable, Equatable {
    /// The clause text, as written in the input.
    public var text: String
    /// Unicode scalar offsets `[start, end)` into the input.
    public var span: [Int]
    /// BCP 47 language of the clause.
    public var language: String
    /// The reader's confidence, 0…1.
    public var confidence: Double
}

/// A numeric limit on a permitted use ("the first 100 words", "three paragraphs", "50%").
public struct UseLimit: Codable, Sendable, Equatable {
    /// `words`, `paragraphs`, `sentences`, `characters` or `percent`.
    public var unit: String
    public var value: Int
    public init(unit: String, value: Int) { self.unit = unit; self.value = value }
}

/// One rule read from one clause.
public struct ReadRule: Codable, Sendable, Equatable {
    /// What kind of rule the clause makes.
    public enum Kind: String, Codable, Sendable {
        /// "All rights reserved", "X owns all rights": nothing granted.
        case reservation
        /// Uses that are prohibited (lifted only by `lifters`, if any).
        case prohibition
        /// A public permission anyone may use, with duties.
        case permission
        /// A public permission bounded by a limit or to quoting/excerpts.
        case limitedPermission
        /// A way to obtain rights that the notice offers ("contact us for a licence").
        case offer
        /// Duties owed by whoever uses the content.
        case duty
        /// An open licence (Creative Commons) named in the text.
        case licence
    }
    public var kind: Kind
    /// Uses concerned: whole, partial, summary, translation, modification, archive, commercial.
    public var uses: [String]
    /// Asset kinds concerned; empty means all.
    public var assets: [String]
    /// What lifts a prohibition: contract, subscription, license, permission, written-permission.
    public var lifters: [String]
    /// Lifters that must precede the use ("prior subscription").
    public var prior: [String]
    /// Duties: attribution, link, no-modification, author-credit, tracking-pixel, voucher-copy.
    public var duties: [String]
    /// Limits of a limited permission.
    public var limits: [UseLimit]
    /// SPDX-like id of an open licence, when the kind is `licence`.
    public var licence: String?
    /// Narrowed by a qualifier ("systematically", "separately"): a restriction, not a general rule.
    public var qualified: Bool
    /// Concerns only assets that the notice's public permission excludes.
    public var excludedAssets: Bool
    /// The clause names use in general ("use", "استخدام", "kullanılamaz"), not only copying.
    public var generic: Bool
    /// Remarks for the reviewer (e.g. "attribution does not lift this").
    public var notes: [String]
    public var provenance: Provenance

    init(_ kind: Kind, provenance: Provenance) {
        self.kind = kind
        uses = []; assets = []; lifters = []; prior = []; duties = []; limits = []
        licence = nil; qualified = false; excludedAssets = false; generic = false; notes = []
        self.provenance = provenance
    }
}

/// Something the reader could not map, or wants a reviewer to see.
public struct Finding: Codable, Sendable, Equatable {
    /// Stable code, e.g. `unrecognised_clause`, `holder_not_named`, `licence_variant_unknown`.
    public var code: String
    /// `info`, `warning` or `error`.
    public var severity: String
    /// Lower-case message; input text in backticks.
    public var message: String
    /// Input span it refers to, if any.
    public var span: [Int]?
}

/// A permitted use with its limits, as in the corpus labels.
public struct PermittedUse: Codable, Sendable, Equatable {
    public var use: String
    public var maxWords: Int?
    public var maxParagraphs: Int?
    public var maxPercent: Int?
    public var conditions: [String]
}

/// The reading boiled down to the fields of `corpus/README.md` (scored by `score_notices.py`).
public struct NoticeSummary: Codable, Sendable, Equatable {
    public var rightsHolder: String?
    public var assets: [String]
    public var defaultRule: String
    public var prohibitedUses: [String]
    public var permittedWith: [String]
    public var duties: [String]
    public var license: String?
    public var permittedUses: [PermittedUse]
    public var excludedAssets: [String]
    public var language: String
    public var credit: String?
    public var findings: Int
}

/// A clause of the notice and its language.
public struct Clause: Codable, Sendable, Equatable {
    public var text: String
    public var span: [Int]
    public var language: String
}

/// Everything the reader got from one input: the notice, its clauses, rules, findings and summary.
public struct NoticeReading: Sendable {
    /// The notice text as found in the input (page text around it left out).
    public var notice: String
    /// Input spans of the notice's lines.
    public var noticeSpans: [[Int]]
    /// Main language of the notice (BCP 47).
    public var language: String
    /// Whether the input looked like a whole page rather than a bare notice.
    public var fromPage: Bool
    /// The rights holder as written, with the page's credit line in brackets when there is one.
    public var holder: String?
    /// Input span of the holder's name.
    public var holderSpan: [Int]?
    /// The article's credit line, e.g. `İLKHA` from `(İLKHA)`.
    public var credit: String?
    public var clauses: [Clause]
    public var rules: [ReadRule]
    public var findings: [Finding]
    public var summary: NoticeSummary
}

/// Canonical orders for printing sets.
enum Order {
    static let uses = ["whole", "partial", "summary", "translation", "modification", "archive", "commercial"]
    static let assets = ["text", "photo", "video", "audio", "graphics"]
    static let lifters = ["contract", "subscription", "license", "permission", "written-permission"]
    static let duties = ["attribution", "link", "no-modification", "author-credit", "tracking-pixel", "voucher-copy"]

    /// `values` in the order of `order`, unknown values last.
    static func sorted(_ values: some Sequence<String>, _ order: [String]) -> [String] {
        Set(values).sorted { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }
    }
}
