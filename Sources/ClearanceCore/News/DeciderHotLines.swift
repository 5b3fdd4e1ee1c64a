/// Memory an evaluation of a decider reads, for a caller that asks for its cache lines before the request
/// comes (``NewsDecider/hotRanges(stage:into:capacity:)``).
public struct HotRange {
    /// First byte.
    public let start: UnsafeRawPointer
    /// Bytes from `start` (a few cache lines).
    public let bytes: Int
}

extension NewsDecider {
    /// Number of stages of ``hotRanges(stage:into:capacity:)``.
    public static let hotStages = 3

    /// The memory this decider's next evaluation and its words read first, by stage: stage 0 what the
    /// decider's own fields point at (its agreements list, each agreement's block of hot records), stage 1
    /// what the list points at (each agreement's prepared core), stage 2 what the cores point at (the
    /// agreement's grants, its words' bytes). Writes at most `capacity` ranges to `out`; returns how many.
    ///
    /// For `check --batch`, which asks for these lines (a prefetch: no waiting) a few requests before it
    /// decides with this decider, stage 2 one request ahead, stage 1 two, stage 0 four, so each stage's
    /// lines have arrived when the next stage reads them. Why (bench/PROFILE.md, batch session 8): with
    /// 10,000 parties and 30,000 agreements a party's data is never in the cache when its request comes,
    /// and the evaluation and its words waited for it one miss after another: the blocks (``ODRLBlock/warm()``
    /// ~3% of a 1M batch's samples), the list (~2.7%), the grants' count in the words (~3.5%). The same
    /// requests sorted by subscriber took 3.1 s of CPU instead of 4.4 s.
    ///
    /// Reads only plain words (addresses) out of the objects, so it retains nothing: a retain would write
    /// to the very line it is meant to fetch ahead, and the cores are shared by the batch's workers.
    /// Only a hint: a stage asked out of order reads cold lines (slower, never wrong). At most eight
    /// agreements are looked at.
    public func hotRanges(stage: Int, into out: UnsafeMutablePointer<HotRange>, capacity: Int) -> Int {
        withUnsafePointer(to: self) { Self.hotRanges(of: $0, stage: stage, into: out, capacity: capacity) }
    }

    /// ``hotRanges(stage:into:capacity:)`` of the decider at `d`, read in place.
    ///
    /// For a caller that holds the decider inside an object (the batch's kept decider boxes): a method called on a
    /// class's stored `NewsDecider` got a copy of the struct on the stack first (168 bytes, `memcpy`, four times
    /// per request in `check --batch`: objdump of `BatchPipeline.decide`, batch session 10); through a pointer
    /// only the fields read here are loaded.
    public static func hotRanges(of d: UnsafePointer<NewsDecider>, stage: Int, into out: UnsafeMutablePointer<HotRange>,
                                 capacity: Int) -> Int {
        var n = 0
        @inline(__always) func put(_ p: UnsafeRawPointer?, _ bytes: Int) {
            guard let p, n < capacity else { return }
            out[n] = HotRange(start: p, bytes: bytes)
            n += 1
        }
        // The list's storage object (header 32 bytes, then the elements), without a retain.
        let list = unsafeBitCast(d.pointee.agreements, to: UnsafeRawPointer.self)
        let stride = MemoryLayout<PreparedAgreement>.stride
        let firstBlocks = d.pointee.firstBlocks
        let shown = firstBlocks.3 != nil ? 8 : firstBlocks.2 != nil ? 3 : firstBlocks.1 != nil ? 2 : firstBlocks.0 != nil ? 1 : 0
        switch stage {
        case 0:
            guard shown > 0 else { return 0 }
            put(list, 32 + shown * stride)
            if let b = firstBlocks.0 { put(UnsafeRawPointer(b.header), b.hotBytes) }
            if let b = firstBlocks.1 { put(UnsafeRawPointer(b.header), b.hotBytes) }
            if let b = firstBlocks.2 { put(UnsafeRawPointer(b.header), b.hotBytes) }
            if let b = firstBlocks.3 { put(UnsafeRawPointer(b.header), b.hotBytes) }
        case 1:
            d.pointee.agreements.withUnsafeBufferPointer { list in
                for k in 0..<min(shown, list.count) {
                    put(UnsafeRawPointer(Unmanaged.passUnretained(list[k].core).toOpaque()), Self.coreBytes)
                }
            }
        case 2:
            d.pointee.agreements.withUnsafeBufferPointer { list in
                for k in 0..<min(shown, list.count) {
                    Unmanaged.passUnretained(list[k].core)._withUnsafeGuaranteedRef { core in
                        // The grants' storage (its header, then the first grants), and the words' block (``AgreementWords``:
                        // the permit and list slots, then the agreement's name), a range per two lines (the batch asks for
                        // the first two of each range).
                        put(unsafeBitCast(core.agreement.grants, to: UnsafeRawPointer.self), 256)
                        let words = core.words.start, bytes = core.words.byteCount
                        put(words, min(bytes, 128))
                        if bytes > 128 { put(words + 128, bytes - 128) }
                    }
                }
            }
        default:
            break
        }
        return n
    }

    /// The address of the permit words that the words of evaluation `e` of decider `d` will copy (a permit by an
    /// agreement's grant whose words were made: ``PreparedAgreement/PermitBlock``), for a caller that asks for their
    /// lines before writing the decision's head; nil otherwise. Reads plain words only (no retain).
    ///
    /// Why (perf annotate on the 1M batch at 30,000 agreements, words session 10): the permit's words were a miss
    /// the words waited for (94.9% of the permit closure's samples, 2.5–2.95% of the batch's); asked for with the
    /// other agreements' permits one request ahead (a fourth stage of ``hotRanges(of:stage:into:capacity:)``, tried
    /// and removed), the wait moved into the prefetches (the batch's `defer` 8.5% → 10.3%, CPU no lower); this is one
    /// line pair, for permits only.
    ///
    /// The list is read through ``agreementList(of:)``: `d.pointee.agreements.withUnsafeBufferPointer` retained and
    /// released the list's storage here (objdump), and that storage is shared by both workers' deciders for the party
    /// (the party's fixed list): perf put 0.7% of a 1M batch's samples on that retain (mem session 11).
    public static func permitWordsAddress(of d: UnsafePointer<NewsDecider>, _ e: NewsEvaluation) -> UnsafeRawPointer? {
        guard case .agreement(let k, let g) = e.basis else { return nil }
        let list = agreementList(of: d)
        guard k >= 0 && k < list.count else { return nil }
        return Unmanaged.passUnretained(list[k].core)._withUnsafeGuaranteedRef { $0.words.permit(g)?.raw }
    }

    /// The decider's agreements in place, read as plain words without a retain of the list's storage (Swift's
    /// array layout on 64-bit platforms: the storage object's header of 16 bytes, the count, the capacity, then
    /// the elements at 32; ``hotRanges(of:stage:into:capacity:)`` names the same bytes). Valid while the decider
    /// at `d` lives and is not changed (its `agreements` is a `let`).
    @inline(__always)
    static func agreementList(of d: UnsafePointer<NewsDecider>) -> UnsafeBufferPointer<PreparedAgreement> {
        let storage = unsafeBitCast(d.pointee.agreements, to: UnsafeRawPointer.self)
        let count = storage.load(fromByteOffset: 16, as: Int.self)
        return UnsafeBufferPointer(start: (storage + 32).assumingMemoryBound(to: PreparedAgreement.self), count: count)
    }

    /// The bytes of a core the words read: its header and fields (the agreement, about ten words of other fields,
    /// the agreement's text). Only the extent asked for: a wrong estimate fetches a line too many or too few.
    private static let coreBytes = 16 + MemoryLayout<Agreement>.size + 80 + MemoryLayout<AgreementWords>.size
}
