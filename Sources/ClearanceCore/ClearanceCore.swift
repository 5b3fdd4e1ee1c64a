/// ClearanceCore: the policy model (ODRL 2.2 / IPTC RightsML), the news-layer value types and the pure engine.
///
/// Nothing in this module performs I/O or reads the clock: time is always an argument.
public enum ClearanceCore {
    /// The version of the policy file format this build writes and reads.
    public static let policyFormatVersion = 1
}
