extension Instant {
    /// The text of an instant in findings: `description` (`2026-11-28T10:00:00Z`, milliseconds only
    /// when not zero), which is itself written byte by byte (see ``Instant/description``).
    public var auditText: String { description }
}
