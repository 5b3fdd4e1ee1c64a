/// Every folded word the language packs know, interned to small integer ids and held in one
/// scalar trie, built once when the packs load.
///
/// Why: the reader used to look each token up by its `String` in per-pack dictionaries (hashing
/// its bytes with SipHash for every pack, every clitic form and every stem head) and compared
/// stems byte by byte. callgrind put dictionary hashing, `memcmp` and the retain/release of those
/// strings at about half of all instructions. Now each token walks the trie once per form (the word
/// itself and each clitic-stripped form), scalar by scalar, and comes out with the id of the word it
/// equals (if the packs know it) and the ids of every known stem it starts with. Matching phrases
/// and scoring languages then compare and index integers only.
///
/// Ids are global across packs (the same folded word has the same id in every pack), so one walk
/// per token serves language detection over all packs and phrase matching in whichever packs the
/// clause ends up read with.
struct Vocabulary: Sendable {
    /// Trie nodes; node 0 is the root.
    private var nodes: [Node] = [Node()]
    /// Children of all nodes, each node's run sorted by scalar (see `Node.edges`).
    private var edgeScalar: [UInt32] = []
    private var edgeTarget: [Int32] = []
    /// The root's children for scalars below U+1000, by scalar: the root fans out to every first
    /// letter of every script, where a binary search would take eight steps per token.
    private var rootLow: [Int32] = []
    /// Folded text of each word id.
    private(set) var words: [String] = []
    /// UTF-8 length of each word id (the detection rules look at byte lengths).
    private(set) var byteCount: [Int] = []
    /// Whether each word id is a single scalar (the matcher's tie order looks at it).
    private(set) var oneScalar: [Bool] = []

    struct Node: Sendable {
        /// Start and length of this node's children in `edgeScalar`/`edgeTarget` (after `freeze`).
        var edgeStart: Int32 = 0
        var edgeCount: Int32 = 0
        /// The word ending at this node, or -1.
        var word: Int32 = -1
        /// Whether some phrase uses that word as a stem (`fotoğraf*`).
        var isStem = false
    }

    /// Children while building, before `freeze` packs them into the flat edge arrays.
    private var building: [[(UInt32, Int32)]] = [[]]

    /// The id of `word` (folded), adding it if new; `stem` marks it as a stem of some phrase.
    @discardableResult
    mutating func intern(_ word: String, stem: Bool) -> Int32 {
        var n = 0
        for s in word.unicodeScalars {
            if let hit = building[n].first(where: { $0.0 == s.value }) {
                n = Int(hit.1)
            } else {
                let id = Int32(nodes.count)
                nodes.append(Node())
                building.append([])
                building[n].append((s.value, id))
                n = Int(id)
            }
        }
        if nodes[n].word < 0 {
            nodes[n].word = Int32(words.count)
            words.append(word)
            byteCount.append(word.utf8.count)
            oneScalar.append(word.unicodeScalars.count == 1)
        }
        if stem { nodes[n].isStem = true }
        return nodes[n].word
    }

    /// The id of a word already interned, or -1.
    func id(_ word: String) -> Int32 {
        var n = 0
        for s in word.unicodeScalars {
            guard let c = child(n, s.value) else { return -1 }
            n = c
        }
        return nodes[n].word
    }

    /// Packs the children into sorted flat arrays for binary search; call once after interning.
    mutating func freeze() {
        edgeScalar = []; edgeTarget = []
        for i in nodes.indices {
            let kids = building[i].sorted { $0.0 < $1.0 }
            nodes[i].edgeStart = Int32(edgeScalar.count)
            nodes[i].edgeCount = Int32(kids.count)
            for (s, t) in kids { edgeScalar.append(s); edgeTarget.append(t) }
        }
        building = []
        rootLow = [Int32](repeating: -1, count: 0x1000)
        for k in 0..<Int(nodes[0].edgeCount) {
            let e = Int(nodes[0].edgeStart) + k
            if edgeScalar[e] < 0x1000 { rootLow[Int(edgeScalar[e])] = edgeTarget[e] }
        }
    }

    /// The child of node `n` along scalar `s`.
    @inline(__always)
    func child(_ n: Int, _ s: UInt32) -> Int? {
        if n == 0 && s < 0x1000 && !rootLow.isEmpty {
            let c = rootLow[Int(s)]
            return c < 0 ? nil : Int(c)
        }
        let node = nodes[n]
        var lo = Int(node.edgeStart), hi = lo + Int(node.edgeCount)
        // Most nodes have one to three children: a short linear scan beats binary search there.
        if hi - lo <= 4 {
            while lo < hi { if edgeScalar[lo] == s { return Int(edgeTarget[lo]) }; lo += 1 }
            return nil
        }
        while lo < hi {
            let mid = (lo + hi) >> 1
            let v = edgeScalar[mid]
            if v == s { return Int(edgeTarget[mid]) }
            if v < s { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// Walks `scalars[from..<to]`: the id of the word equal to it (or -1), and appends to `stems`
    /// the ids of the stems it starts with (shortest first, including a stem equal to it).
    @inline(__always)
    func walk(_ scalars: UnsafeBufferPointer<Unicode.Scalar>, _ from: Int, _ to: Int, stems: inout [Int32]) -> Int32 {
        var n = 0
        var i = from
        while i < to {
            guard let c = child(n, scalars[i].value) else { return -1 }
            n = c
            if nodes[n].isStem { stems.append(nodes[n].word) }
            i += 1
        }
        return nodes[n].word
    }
}

/// What the vocabulary knows about each token of a line: the word id of each of its forms and
/// the stems each form starts with, in flat arrays (no per-token allocation).
///
/// A token's forms are the token itself (form 0), then the token with each known clitic prefix
/// removed (`والصور` → `الصور`, `صور`), in the order of `LanguagePacks.cliticPrefixes`.
struct TokenAnalysis {
    /// One form of one token.
    struct Form {
        /// Index in `LanguagePacks.cliticPrefixes` of the prefix removed, or -1 for the token itself.
        let prefix: Int16
        /// Word id of the form, or -1 if no pack knows it.
        let word: Int32
        /// Its stems: `stems[stemStart ..< stemStart + stemCount]`.
        let stemStart: Int32
        let stemCount: Int32
        /// UTF-8 length of the form.
        let bytes: Int32
    }
    /// Forms of token `t`: `forms[formStart[t] ..< formStart[t + 1]]`.
    var formStart: [Int32] = [0]
    var forms: [Form] = []
    var stems: [Int32] = []

    var count: Int { formStart.count - 1 }

    /// Forms of token `t`.
    @inline(__always)
    func formRange(_ t: Int) -> Range<Int> { Int(formStart[t])..<Int(formStart[t + 1]) }

    /// Whether form `f` equals word `w` (exact) or starts with stem `w`.
    @inline(__always)
    func form(_ f: Int, matches w: Int32, stem: Bool) -> Bool {
        let form = forms[f]
        if !stem { return form.word == w }
        let lo = Int(form.stemStart)
        for k in lo..<(lo + Int(form.stemCount)) where stems[k] == w { return true }
        return false
    }

    /// The analysis of tokens `r` alone (a clause of a line), renumbered from 0.
    func slice(_ r: Range<Int>) -> TokenAnalysis {
        var a = TokenAnalysis()
        let f0 = Int(formStart[r.lowerBound]), f1 = Int(formStart[r.upperBound])
        a.formStart = formStart[r.lowerBound...r.upperBound].map { $0 - Int32(f0) }
        // Stem ids stay in the shared array: forms keep their offsets into it.
        a.forms = Array(forms[f0..<f1])
        a.stems = stems
        return a
    }
}
