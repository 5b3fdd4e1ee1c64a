/// All agreements held in memory for an audit, with their versions, answering "which versions were in force at this instant?".
///
/// An amended agreement appears once per version (same `id`, each with its `effectiveAt`);
/// a version without `effectiveAt` counts from the beginning. At an instant the version in
/// force is the latest one whose `effectiveAt` is at or before it.
public struct AgreementBook: Sendable {
    /// Versions by agreement id, oldest first.
    private var versions: [String: [Agreement]] = [:]
    /// Agreement ids by source, then subscriber.
    private var ids: [String: [String: [String]]] = [:]

    /// A book of the given agreements (any order, versions mixed).
    public init(_ agreements: [Agreement] = []) {
        for a in agreements { add(a) }
    }

    /// Adds one agreement version.
    public mutating func add(_ a: Agreement) {
        var list = versions[a.id] ?? []
        if list.isEmpty { ids[a.source, default: [:]][a.subscriber.id, default: []].append(a.id) }
        list.append(a)
        list.sort { ($0.effectiveAt?.millisecondsSinceEpoch ?? .min, $0.version ?? 0) < ($1.effectiveAt?.millisecondsSinceEpoch ?? .min, $1.version ?? 0) }
        versions[a.id] = list
    }

    /// Number of distinct agreements.
    public var count: Int { versions.count }

    /// The version of agreement `id` in force at `at`, if any.
    public func asOf(_ id: String, at: Instant) -> Agreement? {
        guard let list = versions[id] else { return nil }
        var found: Agreement?
        for v in list {
            if let e = v.effectiveAt, e > at { break }
            found = v
        }
        return found
    }

    /// The versions in force at `at` of every agreement between `subscriber` and `source`.
    public func inForce(subscriber: String, source: String, at: Instant) -> [Agreement] {
        guard let list = ids[source]?[subscriber] else { return [] }
        return list.compactMap { asOf($0, at: at) }
    }

    /// Every version of every agreement.
    public var all: [Agreement] { versions.values.flatMap { $0 } }
}
