extension UsageFields {
    /// The usage event these fields make when every field has the common, valid shape; nil otherwise.
    ///
    /// The audit's hot path. ``UsageEvent/parse(_:at:territories:)`` turns the fields into a
    /// `JSONValue` tree and walks it with a `FieldReader` that builds path strings for messages it
    /// will almost never need (about 55,000 instructions per event in callgrind). This builds the
    /// event straight from the scanned values with the same rules, and declines (nil) at the first
    /// thing that is not plainly valid — a `null`, a number as `id`, an empty string, an unknown
    /// kind, a date that does not parse, a lowercase territory... — so that the caller falls back
    /// to the strict path, which either accepts the event the same way or words the exact error.
    /// So for every input the result is the slow path's event or nil (tests compare both paths).
    public func fastEvent(territories: TerritoryTable = .builtin) -> UsageEvent? {
        guard shapeError == nil else { return nil }
        // Identifiers: non-empty, at most 200 bytes, no control characters, no surrounding spaces.
        var id: String?
        switch self[.id] {
        case .absent: id = nil
        case .string(let s): guard UsageFields.plainIdentifier(s) else { return nil }; id = s
        default: return nil
        }
        guard case .string(let subscriber) = self[.subscriber], UsageFields.plainIdentifier(subscriber),
              case .string(let source) = self[.source], UsageFields.plainIdentifier(source),
              case .string(let assetID) = self[.assetId], UsageFields.plainIdentifier(assetID),
              case .string(let kindText) = self[.assetKind], let kind = AssetKind(rawValue: kindText),
              case .string(let channelText) = self[.channel], let channel = Channel(rawValue: channelText),
              case .string(let territory) = self[.territory],
              // Upper case already: a lowercase code is accepted by the slow path (it upper-cases), so let it do that.
              territories.indexByCode[territory] != nil,
              case .string(let atText) = self[.at], case .success(let at) = ISO8601.parseDateTime(atText)
        else { return nil }
        var publishedAt: Instant?
        switch self[.assetPublishedAt] {
        case .absent: publishedAt = nil
        case .string(let s):
            guard case .success(let p) = ISO8601.parseDateTime(s) else { return nil }
            publishedAt = p.instant
        default: return nil
        }
        var action = "reproduce"
        switch self[.action] {
        case .absent: break
        // A canonical name maps to itself; anything else (prefixes, synonyms) goes the slow way.
        case .string(let a): guard NewsActions.canonical(a) == a else { return nil }; action = a
        default: return nil
        }
        var extent = Extent.whole
        switch self[.extent] {
        case .absent: break
        case .string(let e): guard let x = Extent(rawValue: e) else { return nil }; extent = x
        default: return nil
        }
        var portion: Double?
        switch self[.portion] {
        case .absent: break
        case .number(let d):
            guard d > 0, d <= 1, !(extent == .whole && d < 1) else { return nil }
            portion = d
        default: return nil
        }
        var url: String?, attribution: String?, link: Bool?
        switch self[.url] {
        case .absent: break
        case .string(let s): guard UsageFields.nonBlank(s) else { return nil }; url = s
        default: return nil
        }
        switch self[.attribution] {
        case .absent: break
        case .string(let s): guard UsageFields.nonBlank(s) else { return nil }; attribution = s
        default: return nil
        }
        switch self[.link] {
        case .absent: break
        case .bool(let b): link = b
        default: return nil
        }
        let request = RepublicationRequest(
            id: id, subscriber: subscriber, source: source,
            asset: AssetRef(id: assetID, kind: kind, publishedAt: publishedAt),
            action: action, extent: extent, portion: portion, channel: channel, territory: territory, at: at.instant)
        return UsageEvent(request: request, url: url, attribution: attribution, link: link)
    }

    /// `FieldReader.identifier`'s rule, on bytes: non-blank, ≤ 200 bytes, no control characters, no leading/trailing space.
    @inline(__always)
    static func plainIdentifier(_ s: String) -> Bool {
        let u = s.utf8
        guard !u.isEmpty, u.count <= 200, u.first != 0x20, u.last != 0x20 else { return false }
        // Control characters are single bytes below 0x20 or 0x7F in UTF-8 (C1 controls U+0080–U+009F
        // are not refused by the slow path's rule either).
        for b in u where b < 0x20 || b == 0x7F { return false }
        return true
    }

    /// `FieldReader.string`'s rule: not empty and not only blanks.
    @inline(__always)
    static func nonBlank(_ s: String) -> Bool {
        for b in s.utf8 where b != 0x20 && b != 0x09 && b != 0x0A && b != 0x0D { return true }
        return false
    }
}
