import Foundation

// Byte-level comparisons of folded words.
//
// perf on the release `clearance-bench notice` showed the generic
// `Sequence.starts(with:)` / `elementsEqual` over `String.UTF8View` at about 9% of
// the time (stem and clitic prefix checks, `WordKey` equality): they walk the bytes
// one by one through the iterator. Folded words are native strings, so their UTF-8 is
// contiguous and one `memcmp` does the same comparison.
extension String {
    /// Whether this string's UTF-8 starts with `p`'s UTF-8 (same as `utf8.starts(with: p.utf8)`).
    @inline(__always)
    func utf8HasPrefix(_ p: String) -> Bool {
        let n = p.utf8.count
        guard utf8.count >= n else { return false }
        if n == 0 { return true }
        let fast: Bool?? = utf8.withContiguousStorageIfAvailable { a in
            p.utf8.withContiguousStorageIfAvailable { b in memcmp(a.baseAddress!, b.baseAddress!, n) == 0 }
        }
        if let f = fast ?? nil { return f }
        return utf8.starts(with: p.utf8)
    }

    /// Whether the two strings have the same UTF-8 bytes (same as `utf8.elementsEqual(o.utf8)`).
    @inline(__always)
    func utf8Equals(_ o: String) -> Bool {
        utf8.count == o.utf8.count && utf8HasPrefix(o)
    }
}
