// TEMPORARY: mirrors news's `UsageCounter` (NewsDecider.swift) until it lands on main; delete on merge.
public protocol UsageCounter {
    func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int
}
