/// All agreements held in memory for an audit, with their versions, answering "which versions were in force at this instant?".
///
/// An amended agreement appears once per version (same `id`, each with its `effectiveAt`);
/// at an instant the version in force is the latest one whose `effectiveAt` is at or before it,
/// else the first version (whose own term then decides whether it counts yet) — the store's rule.
/// Versions are compiled for the decider (``PreparedAgreement``) the first time they are needed,
/// and kept: an audit touches each version many times.
public final class AgreementBook {
    /// Versions by agreement id, oldest first.
    private var versions: [String: [Entry]] = [:]
    /// Agreement ids by source, then subscriber.
    private var ids: [String: [String: [String]]] = [:]

    private final class Entry {
        let agreement: Agreement
        /// A number unique to this version in this book (for cache keys).
        let serial: Int
        var prepared: PreparedAgreement?
        init(_ a: Agreement, serial: Int) { agreement = a; self.serial = serial }
    }
    private var nextSerial = 0

    /// A book of the given agreements (any order, versions mixed).
    public init(_ agreements: [Agreement] = []) {
        for a in agreements { add(a) }
    }

    /// Adds one agreement version.
    public func add(_ a: Agreement) {
        var list = versions[a.id] ?? []
        if list.isEmpty { ids[a.source, default: [:]][a.subscriber.id, default: []].append(a.id) }
        list.append(Entry(a, serial: nextSerial))
        nextSerial += 1
        list.sort {
            ($0.agreement.effectiveAt?.millisecondsSinceEpoch ?? .min, $0.agreement.version ?? 0)
                < ($1.agreement.effectiveAt?.millisecondsSinceEpoch ?? .min, $1.agreement.version ?? 0)
        }
        versions[a.id] = list
    }

    /// Number of distinct agreements.
    public var count: Int { versions.count }

    private func entry(_ id: String, at: Instant) -> Entry? {
        guard let list = versions[id] else { return nil }
        var found = list.first
        for v in list {
            if let e = v.agreement.effectiveAt, e > at { break }
            found = v
        }
        return found
    }

    /// The version of agreement `id` in force at `at`, if any.
    public func asOf(_ id: String, at: Instant) -> Agreement? { entry(id, at: at)?.agreement }

    /// The versions in force at `at` of every agreement between `subscriber` and `source`, compiled.
    ///
    /// Throws the engine's diagnostics if a version does not compile (a bug, reported once).
    public func prepared(subscriber: String, source: String, at: Instant) throws(DiagnosticError) -> [PreparedAgreement] {
        try preparedVersions(subscriber: subscriber, source: source, at: at).map(\.prepared)
    }

    /// Like ``prepared(subscriber:source:at:)``, with each version's serial number (same version, same serial).
    public func preparedVersions(subscriber: String, source: String, at: Instant) throws(DiagnosticError) -> [(serial: Int, prepared: PreparedAgreement)] {
        guard let list = ids[source]?[subscriber] else { return [] }
        var out: [(serial: Int, prepared: PreparedAgreement)] = []
        out.reserveCapacity(list.count)
        for id in list {
            guard let e = entry(id, at: at) else { continue }
            if let p = e.prepared { out.append((e.serial, p)); continue }
            let p = try PreparedAgreement(e.agreement)
            e.prepared = p
            out.append((e.serial, p))
        }
        return out
    }

    /// Every version of every agreement.
    public var all: [Agreement] { versions.values.flatMap { $0.map(\.agreement) } }
}
