/// The database schema as an ordered list of migrations.
///
/// Rule: a migration that has landed on main is never edited; change the schema by appending a
/// new migration. `PRAGMA user_version` holds how many migrations a database has applied.
/// Invariants live in the schema as well as in Swift: CHECK constraints, unique ids, foreign
/// keys, and triggers that make history append-only and keep the hash chains linked.
enum Schema {
    /// The `CHECK` text for a stored instant column (see ``Timestamp``).
    static func instant(_ column: String, nullable: Bool = false) -> String {
        let shape = "\(column) GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'"
        return nullable ? "CHECK (\(column) IS NULL OR \(shape))" : "CHECK (\(shape))"
    }

    /// The `CHECK` text for an identifier column: 1–200 characters, no control characters.
    static func identifier(_ column: String) -> String {
        "CHECK (length(\(column)) BETWEEN 1 AND 200 AND \(column) NOT GLOB '*[\u{01}-\u{1f}]*')"
    }

    /// The `CHECK` text for a JSON array of at least `min` strings.
    static func list(_ column: String, min: Int = 1, nullable: Bool = false) -> String {
        let body = "json_valid(\(column)) AND json_type(\(column)) = 'array' AND json_array_length(\(column)) >= \(min)"
        return nullable ? "CHECK (\(column) IS NULL OR (\(body)))" : "CHECK (\(body))"
    }

    /// The `CHECK` text for a SHA-256 hex digest column.
    static func digest(_ column: String) -> String {
        "CHECK (length(\(column)) = 64 AND \(column) NOT GLOB '*[^0-9a-f]*')"
    }

    /// The `CHECK` text for a SHA-256 hex digest column as v3 and v4 wrote it (`ltrim` form). Used by v3 and v4 only.
    ///
    /// Means what ``digest(_:)`` means — 64 characters, each one of `0-9a-f` — and was meant to be cheaper
    /// than `NOT GLOB '*[^0-9a-f]*'`; measured afterwards (callgrind, SQLite 3.40, 20,000 digests), it is
    /// not: ~20,800 instructions per value against GLOB's ~20,400, because SQLite's `trim` calls `memcmp`
    /// for each character of the set at each position. v5 replaces it with ``hexGlob(_:nullable:)`` in the ledger and the decision log (v4's
    /// `agreement_version.policy_hash`, written once per agreement version, keeps it).
    static func hexDigest(_ column: String, nullable: Bool = false) -> String {
        let body = "length(\(column)) = 64 AND ltrim(\(column), '0123456789abcdef') = ''"
        return nullable ? "CHECK (\(column) IS NULL OR (\(body)))" : "CHECK (\(body))"
    }

    /// The `CHECK` text for a SHA-256 hex digest column, written so that SQLite checks it cheaply (v5 on).
    ///
    /// `GLOB` with 64 character classes and no `*`: the pattern is anchored at both ends, so it matches
    /// exactly the texts of 64 characters each in `0-9a-f` — what ``digest(_:)`` (`length = 64 AND NOT GLOB
    /// '*[^0-9a-f]*'`) means, with the same C-string reading of the value — in one linear pass, where the
    /// `*` form retries the class at every position (callgrind, SQLite 3.40, 20,000 random digests:
    /// ~11,500 instructions per value against ~20,400 for the `*` form and ~20,800 for v3's `ltrim`).
    static func hexGlob(_ column: String, nullable: Bool = false) -> String {
        let body = "\(column) GLOB '\(String(repeating: "[0-9a-f]", count: 64))'"
        return nullable ? "CHECK (\(column) IS NULL OR \(body))" : "CHECK (\(body))"
    }

    /// Triggers refusing UPDATE and DELETE on a table (history is append-only).
    static func appendOnly(_ table: String, allowUpdate: Bool = false) -> String {
        var s = """
        CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
        BEGIN SELECT RAISE(ABORT, '\(table) rows are never deleted'); END;

        """
        if !allowUpdate {
            s += """
            CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
            BEGIN SELECT RAISE(ABORT, '\(table) rows are never changed'); END;

            """
        }
        return s
    }

    /// A trigger refusing a row whose `prev_hash` is not the `row_hash` of the table's last row.
    static func chained(_ table: String) -> String {
        """
        CREATE TRIGGER \(table)_chain BEFORE INSERT ON \(table)
        WHEN NEW.prev_hash IS NOT COALESCE((SELECT row_hash FROM \(table) ORDER BY seq DESC LIMIT 1), '\(String(repeating: "0", count: 64))')
        BEGIN SELECT RAISE(ABORT, '\(table) hash chain: prev_hash is not the last row''s row_hash'); END;

        """
    }

    /// The hash that stands before the first row of a chain.
    static let genesisHash = String(repeating: "0", count: 64)

    /// Every migration, in order. Append only.
    static let migrations: [String] = [v1, v2, v3, v4, v5, v6, v7, v8]

    static let v1 = """
    CREATE TABLE store_meta (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE source (
        id TEXT PRIMARY KEY NOT NULL \(identifier("id")),
        registered_at TEXT NOT NULL \(instant("registered_at"))
    ) STRICT;
    \(appendOnly("source"))
    CREATE TABLE policy_revision (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES source(id),
        hash TEXT NOT NULL \(digest("hash")),
        body TEXT NOT NULL,
        registered_at TEXT NOT NULL \(instant("registered_at")),
        UNIQUE (source_id, hash)
    ) STRICT;
    \(appendOnly("policy_revision"))
    CREATE TABLE subscriber (
        id TEXT PRIMARY KEY NOT NULL \(identifier("id")),
        name TEXT CHECK (name IS NULL OR length(name) BETWEEN 1 AND 500),
        created_at TEXT NOT NULL \(instant("created_at"))
    ) STRICT;
    \(appendOnly("subscriber", allowUpdate: true))
    CREATE TABLE agreement (
        id TEXT PRIMARY KEY NOT NULL \(identifier("id")),
        source_id TEXT NOT NULL REFERENCES source(id),
        subscriber_id TEXT NOT NULL REFERENCES subscriber(id),
        created_at TEXT NOT NULL \(instant("created_at"))
    ) STRICT;
    CREATE INDEX agreement_by_party ON agreement(subscriber_id, source_id);
    CREATE INDEX agreement_by_source ON agreement(source_id);
    \(appendOnly("agreement"))
    CREATE TABLE agreement_version (
        agreement_id TEXT NOT NULL REFERENCES agreement(id),
        version INTEGER NOT NULL CHECK (version >= 1),
        kind TEXT NOT NULL CHECK (kind IN ('contract', 'subscription', 'license', 'permission')),
        signed_at TEXT \(instant("signed_at", nullable: true)),
        term_start TEXT NOT NULL \(instant("term_start")),
        term_end TEXT \(instant("term_end", nullable: true)),
        effective_at TEXT NOT NULL \(instant("effective_at")),
        recorded_at TEXT NOT NULL \(instant("recorded_at")),
        note TEXT,
        policy_hash TEXT CHECK (policy_hash IS NULL OR (length(policy_hash) = 64 AND policy_hash NOT GLOB '*[^0-9a-f]*')),
        document TEXT NOT NULL CHECK (json_valid(document) AND json_type(document) = 'object'),
        PRIMARY KEY (agreement_id, version),
        CHECK (term_end IS NULL OR term_start <= term_end)
    ) STRICT;
    \(appendOnly("agreement_version"))
    CREATE TRIGGER agreement_version_contiguous BEFORE INSERT ON agreement_version
    WHEN NEW.version IS NOT (SELECT COALESCE(MAX(version), 0) + 1 FROM agreement_version WHERE agreement_id = NEW.agreement_id)
    BEGIN SELECT RAISE(ABORT, 'agreement versions are numbered 1, 2, 3... without gaps'); END;

    CREATE TRIGGER agreement_version_not_ended BEFORE INSERT ON agreement_version
    WHEN EXISTS (SELECT 1 FROM agreement_end WHERE agreement_id = NEW.agreement_id)
    BEGIN SELECT RAISE(ABORT, 'an ended agreement cannot be amended'); END;

    CREATE TABLE agreement_grant (
        agreement_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        position INTEGER NOT NULL CHECK (position >= 0),
        assets TEXT NOT NULL \(list("assets")),
        actions TEXT NOT NULL \(list("actions")),
        extent TEXT NOT NULL \(list("extent")),
        channels TEXT NOT NULL \(list("channels")),
        territories TEXT NOT NULL \(list("territories")),
        exclude_territories TEXT NOT NULL \(list("exclude_territories", min: 0)),
        max_portion REAL CHECK (max_portion IS NULL OR (max_portion > 0 AND max_portion <= 1)),
        quota_count INTEGER CHECK (quota_count IS NULL OR quota_count >= 0),
        quota_per TEXT CHECK (quota_per IS NULL OR quota_per IN ('day', 'week', 'month', 'year', 'term')),
        embargo TEXT CHECK (embargo IS NULL OR embargo GLOB 'P*'),
        duties TEXT NOT NULL \(list("duties", min: 0)),
        PRIMARY KEY (agreement_id, version, position),
        FOREIGN KEY (agreement_id, version) REFERENCES agreement_version(agreement_id, version),
        CHECK ((quota_count IS NULL) = (quota_per IS NULL))
    ) STRICT;
    \(appendOnly("agreement_grant"))
    CREATE TABLE agreement_restriction (
        agreement_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        position INTEGER NOT NULL CHECK (position >= 0),
        assets TEXT \(list("assets", nullable: true)),
        actions TEXT \(list("actions", nullable: true)),
        extent TEXT \(list("extent", nullable: true)),
        channels TEXT \(list("channels", nullable: true)),
        territories TEXT \(list("territories", nullable: true)),
        note TEXT,
        document TEXT NOT NULL CHECK (json_valid(document) AND json_type(document) = 'object'),
        PRIMARY KEY (agreement_id, version, position),
        FOREIGN KEY (agreement_id, version) REFERENCES agreement_version(agreement_id, version)
    ) STRICT;
    \(appendOnly("agreement_restriction"))
    CREATE TABLE agreement_end (
        agreement_id TEXT PRIMARY KEY NOT NULL REFERENCES agreement(id),
        ended_at TEXT NOT NULL \(instant("ended_at")),
        reason TEXT NOT NULL CHECK (length(trim(reason)) >= 1),
        recorded_at TEXT NOT NULL \(instant("recorded_at"))
    ) STRICT;
    \(appendOnly("agreement_end"))
    CREATE TABLE usage_ledger (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE \(identifier("event_id")),
        origin TEXT NOT NULL CHECK (origin IN ('check', 'import')),
        at TEXT NOT NULL \(instant("at")),
        subscriber_id TEXT NOT NULL CHECK (length(subscriber_id) >= 1),
        source_id TEXT NOT NULL CHECK (length(source_id) >= 1),
        agreement_id TEXT REFERENCES agreement(id),
        grant_position INTEGER CHECK (grant_position IS NULL OR grant_position >= 0),
        asset_id TEXT,
        asset_kind TEXT,
        action TEXT,
        extent TEXT CHECK (extent IS NULL OR extent IN ('whole', 'partial')),
        portion REAL CHECK (portion IS NULL OR (portion >= 0 AND portion <= 1)),
        channel TEXT,
        territory TEXT,
        decision TEXT CHECK (decision IS NULL OR decision IN ('permit', 'deny', 'not_applicable')),
        document TEXT NOT NULL CHECK (json_valid(document) AND json_type(document) = 'object'),
        recorded_at TEXT NOT NULL \(instant("recorded_at")),
        prev_hash TEXT NOT NULL \(digest("prev_hash")),
        row_hash TEXT NOT NULL UNIQUE \(digest("row_hash")),
        CHECK (agreement_id IS NOT NULL OR grant_position IS NULL)
    ) STRICT;
    CREATE INDEX usage_by_agreement ON usage_ledger(agreement_id, at) WHERE agreement_id IS NOT NULL;
    CREATE INDEX usage_by_party ON usage_ledger(subscriber_id, source_id, at);
    CREATE INDEX usage_by_time ON usage_ledger(at);
    \(appendOnly("usage_ledger"))
    \(chained("usage_ledger"))
    CREATE TABLE decision_log (
        seq INTEGER PRIMARY KEY,
        decision_id TEXT NOT NULL UNIQUE \(identifier("decision_id")),
        decided_at TEXT NOT NULL \(instant("decided_at")),
        request_id TEXT,
        subscriber_id TEXT,
        source_id TEXT,
        decision TEXT NOT NULL CHECK (decision IN ('permit', 'deny', 'not_applicable')),
        policy_hash TEXT CHECK (policy_hash IS NULL OR (length(policy_hash) = 64 AND policy_hash NOT GLOB '*[^0-9a-f]*')),
        agreement_versions TEXT NOT NULL \(list("agreement_versions", min: 0)),
        request TEXT NOT NULL CHECK (json_valid(request) AND json_type(request) = 'object'),
        response TEXT NOT NULL CHECK (json_valid(response) AND json_type(response) = 'object'),
        ledger_seq INTEGER REFERENCES usage_ledger(seq),
        prev_hash TEXT NOT NULL \(digest("prev_hash")),
        row_hash TEXT NOT NULL UNIQUE \(digest("row_hash")),
        FOREIGN KEY (source_id, policy_hash) REFERENCES policy_revision(source_id, hash)
    ) STRICT;
    CREATE INDEX decision_by_time ON decision_log(decided_at);
    CREATE INDEX decision_by_subscriber ON decision_log(subscriber_id, decided_at);
    CREATE INDEX decision_by_source ON decision_log(source_id, decided_at);
    \(appendOnly("decision_log"))
    \(chained("decision_log"))
    INSERT INTO store_meta(key, value) VALUES ('format', 'clearance-store'), ('hash', 'sha256-canonical-json-v1');
    """

    /// v2 (audit engineer, `usage import` speed): the usage ledger rebuilt with the same columns, rows,
    /// indexes and triggers, minus two per-row costs that enforced nothing the rest does not:
    ///
    /// - `UNIQUE (row_hash)`: a row's hash covers its `seq`, which is the primary key, and its
    ///   `event_id`, which is UNIQUE, so two rows cannot share one short of a SHA-256 collision. Its
    ///   index was the largest and most random of the ledger's (64 random hex characters per row): on a
    ///   1,000,000-event import it no longer fitted SQLite's page cache and every insert read and wrote
    ///   index pages through the kernel (~6,500 instructions per row in callgrind at small scale, most of
    ///   the 24 s of system time at 1M). `chainContains` (`verify --head`) now scans (~1 s per million rows).
    /// - the character check on `prev_hash` (`NOT GLOB '*[^0-9a-f]*'`, ~17,600 instructions per row:
    ///   SQLite re-parses the character class at each of the 64 positions): the chain trigger already
    ///   requires `prev_hash` to equal the last row's `row_hash`, which passed the same check, or the
    ///   genesis hash; the length check stays. `row_hash` keeps its full check.
    ///
    /// And one check is written so that it costs less, meaning the same: `decision IN ('permit', 'deny',
    /// 'not_applicable')` made SQLite build a temporary b-tree of the three words for every inserted row
    /// (an IN list of three or more; ~20,000 instructions per row with its transaction and allocations);
    /// three `=` comparisons do not.
    ///
    /// SQLite cannot drop a constraint in place, so the table is copied out, dropped, re-created and
    /// copied back (one-off, ~3.5 s per 100,000 rows). `decision_log.ledger_seq` references the ledger:
    /// dropping the table counts its rows' references as violations, so the check is deferred to the
    /// commit, by which time the same `seq`s are back (a missing one still fails the commit).
    static let v2 = """
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE usage_ledger_v1 AS SELECT * FROM main.usage_ledger;
    DROP TABLE main.usage_ledger;
    CREATE TABLE main.usage_ledger (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE \(identifier("event_id")),
        origin TEXT NOT NULL CHECK (origin IN ('check', 'import')),
        at TEXT NOT NULL \(instant("at")),
        subscriber_id TEXT NOT NULL CHECK (length(subscriber_id) >= 1),
        source_id TEXT NOT NULL CHECK (length(source_id) >= 1),
        agreement_id TEXT REFERENCES agreement(id),
        grant_position INTEGER CHECK (grant_position IS NULL OR grant_position >= 0),
        asset_id TEXT,
        asset_kind TEXT,
        action TEXT,
        extent TEXT CHECK (extent IS NULL OR extent IN ('whole', 'partial')),
        portion REAL CHECK (portion IS NULL OR (portion >= 0 AND portion <= 1)),
        channel TEXT,
        territory TEXT,
        decision TEXT CHECK (decision IS NULL OR decision = 'permit' OR decision = 'deny' OR decision = 'not_applicable'),
        document TEXT NOT NULL CHECK (json_valid(document) AND json_type(document) = 'object'),
        recorded_at TEXT NOT NULL \(instant("recorded_at")),
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        row_hash TEXT NOT NULL \(digest("row_hash")),
        CHECK (agreement_id IS NOT NULL OR grant_position IS NULL)
    ) STRICT;
    INSERT INTO main.usage_ledger SELECT * FROM temp.usage_ledger_v1 ORDER BY seq;
    DROP TABLE temp.usage_ledger_v1;
    CREATE INDEX usage_by_agreement ON usage_ledger(agreement_id, at) WHERE agreement_id IS NOT NULL;
    CREATE INDEX usage_by_party ON usage_ledger(subscriber_id, source_id, at);
    CREATE INDEX usage_by_time ON usage_ledger(at);
    \(appendOnly("usage_ledger"))
    \(chained("usage_ledger"))
    """

    /// v3 (ledger engineer, session 4: `usage import` and the logged batch): the usage ledger and the
    /// decision log rebuilt with the same columns, rows, indexes and triggers, and per-row checks that
    /// cost less while refusing the same rows (callgrind of `sqlite3_step` per inserted row, SQLite 3.40):
    ///
    /// - usage_ledger `row_hash`, decision_log `row_hash` and `policy_hash`: the character check
    ///   `NOT GLOB '*[^0-9a-f]*'` becomes ``hexDigest(_:nullable:)``'s `ltrim` form, same meaning. (Measured
    ///   after it landed: no cheaper, ~20,800 instructions against ~20,400; v5 writes it as an anchored GLOB.)
    /// - decision_log `decision IN ('permit', 'deny', 'not_applicable')`: an IN list of three or more values
    ///   makes SQLite build a temporary b-tree for every inserted row (~20,000 instructions with its
    ///   allocations); three `=` comparisons mean the same. (The ledger's got this in v2.)
    /// - decision_log `prev_hash`: only its length is checked, as the ledger's since v2: the chain trigger
    ///   requires it to equal the previous row's `row_hash` (which passed the full check) or the genesis hash.
    /// - decision_log `UNIQUE (row_hash)`: dropped, as the ledger's in v2 — a row's hash covers its `seq`
    ///   (the primary key) and `decision_id` (UNIQUE), so two rows cannot share one short of a SHA-256
    ///   collision; its index took 64 random hex characters per row in random order.
    ///
    /// Kept as they were, on purpose: the JSON checks (`json_valid` and `json_type` on the documents,
    /// requests and responses: no cheaper SQL expression refuses exactly the same texts, and they protect the
    /// database from other writers; SQLite parses each text once for both calls, its JSON cache being
    /// shared within a statement), the instant GLOBs (no `*`: one linear pass), the identifier checks,
    /// the foreign keys, the append-only and chain triggers, and every index the queries use.
    ///
    /// The tables are copied out and back as in v2 (one-off, a few seconds per 100,000 rows): SQLite cannot
    /// change a CHECK in place short of editing `sqlite_schema` by hand (`writable_schema`), which this
    /// store does not do. Foreign-key checks are deferred to the commit (dropping the ledger counts the
    /// decision log's references to it until the same `seq`s are back).
    static let v3 = """
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE decision_log_v2 AS SELECT * FROM main.decision_log;
    DROP TABLE main.decision_log;
    CREATE TEMP TABLE usage_ledger_v2 AS SELECT * FROM main.usage_ledger;
    DROP TABLE main.usage_ledger;
    CREATE TABLE main.usage_ledger (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE \(identifier("event_id")),
        origin TEXT NOT NULL CHECK (origin IN ('check', 'import')),
        at TEXT NOT NULL \(instant("at")),
        subscriber_id TEXT NOT NULL CHECK (length(subscriber_id) >= 1),
        source_id TEXT NOT NULL CHECK (length(source_id) >= 1),
        agreement_id TEXT REFERENCES agreement(id),
        grant_position INTEGER CHECK (grant_position IS NULL OR grant_position >= 0),
        asset_id TEXT,
        asset_kind TEXT,
        action TEXT,
        extent TEXT CHECK (extent IS NULL OR extent IN ('whole', 'partial')),
        portion REAL CHECK (portion IS NULL OR (portion >= 0 AND portion <= 1)),
        channel TEXT,
        territory TEXT,
        decision TEXT CHECK (decision IS NULL OR decision = 'permit' OR decision = 'deny' OR decision = 'not_applicable'),
        document TEXT NOT NULL CHECK (json_valid(document) AND json_type(document) = 'object'),
        recorded_at TEXT NOT NULL \(instant("recorded_at")),
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        row_hash TEXT NOT NULL \(hexDigest("row_hash")),
        CHECK (agreement_id IS NOT NULL OR grant_position IS NULL)
    ) STRICT;
    INSERT INTO main.usage_ledger SELECT * FROM temp.usage_ledger_v2 ORDER BY seq;
    DROP TABLE temp.usage_ledger_v2;
    CREATE INDEX usage_by_agreement ON usage_ledger(agreement_id, at) WHERE agreement_id IS NOT NULL;
    CREATE INDEX usage_by_party ON usage_ledger(subscriber_id, source_id, at);
    CREATE INDEX usage_by_time ON usage_ledger(at);
    \(appendOnly("usage_ledger"))
    \(chained("usage_ledger"))
    CREATE TABLE main.decision_log (
        seq INTEGER PRIMARY KEY,
        decision_id TEXT NOT NULL UNIQUE \(identifier("decision_id")),
        decided_at TEXT NOT NULL \(instant("decided_at")),
        request_id TEXT,
        subscriber_id TEXT,
        source_id TEXT,
        decision TEXT NOT NULL CHECK (decision = 'permit' OR decision = 'deny' OR decision = 'not_applicable'),
        policy_hash TEXT \(hexDigest("policy_hash", nullable: true)),
        agreement_versions TEXT NOT NULL \(list("agreement_versions", min: 0)),
        request TEXT NOT NULL CHECK (json_valid(request) AND json_type(request) = 'object'),
        response TEXT NOT NULL CHECK (json_valid(response) AND json_type(response) = 'object'),
        ledger_seq INTEGER REFERENCES usage_ledger(seq),
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        row_hash TEXT NOT NULL \(hexDigest("row_hash")),
        FOREIGN KEY (source_id, policy_hash) REFERENCES policy_revision(source_id, hash)
    ) STRICT;
    INSERT INTO main.decision_log SELECT * FROM temp.decision_log_v2 ORDER BY seq;
    DROP TABLE temp.decision_log_v2;
    CREATE INDEX decision_by_time ON decision_log(decided_at);
    CREATE INDEX decision_by_subscriber ON decision_log(subscriber_id, decided_at);
    CREATE INDEX decision_by_source ON decision_log(source_id, decided_at);
    \(appendOnly("decision_log"))
    \(chained("decision_log"))
    """

    /// v4 (batch engineer, session 4: `contract import`): `agreement_version` and `agreement_grant` rebuilt with
    /// the same columns, rows, keys and triggers, and two checks written so that SQLite checks them cheaply,
    /// meaning the same (callgrind of a 3,000-agreement import, SQLite 3.40: `sqlite3_step` ~217,000
    /// instructions per agreement before):
    ///
    /// - `kind IN ('contract', 'subscription', 'license', 'permission')` and `quota_per IN ('day', 'week',
    ///   'month', 'year', 'term')`: an IN list of three or more values makes SQLite build a temporary b-tree of
    ///   the words for every inserted row (`sqlite3BtreeCreateTable`, `BtreeOpen`, a transaction on it: ~2 per
    ///   agreement, ~20,000 instructions each with allocations). `=` comparisons joined by OR mean the same
    ///   (`kind` is NOT NULL; `quota_per` keeps its `IS NULL OR`).
    /// - `policy_hash`: ``hexDigest(_:nullable:)``'s `ltrim` form instead of `NOT GLOB '*[^0-9a-f]*'` (SQLite
    ///   re-parses the class at each of the 64 positions; ~17,600 instructions per row), as the ledger's v3.
    ///
    /// Everything else is as in v1: the instant GLOBs, the JSON checks on documents and lists, the foreign keys,
    /// the append-only triggers, the version-numbering and not-ended triggers (created after the rows are
    /// back, since they look at the table they guard and at `agreement_end`). The tables are copied out and
    /// back as in v2/v3 (one-off: well under a second for the default workload's 16,485 agreements); the
    /// grants and restrictions reference the versions, so foreign-key checks wait for the commit.
    static let v4 = """
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE agreement_grant_v3 AS SELECT * FROM main.agreement_grant ORDER BY rowid;
    DROP TABLE main.agreement_grant;
    CREATE TEMP TABLE agreement_version_v3 AS SELECT * FROM main.agreement_version ORDER BY rowid;
    DROP TABLE main.agreement_version;
    CREATE TABLE main.agreement_version (
        agreement_id TEXT NOT NULL REFERENCES agreement(id),
        version INTEGER NOT NULL CHECK (version >= 1),
        kind TEXT NOT NULL CHECK (kind = 'contract' OR kind = 'subscription' OR kind = 'license' OR kind = 'permission'),
        signed_at TEXT \(instant("signed_at", nullable: true)),
        term_start TEXT NOT NULL \(instant("term_start")),
        term_end TEXT \(instant("term_end", nullable: true)),
        effective_at TEXT NOT NULL \(instant("effective_at")),
        recorded_at TEXT NOT NULL \(instant("recorded_at")),
        note TEXT,
        policy_hash TEXT \(hexDigest("policy_hash", nullable: true)),
        document TEXT NOT NULL CHECK (json_valid(document) AND json_type(document) = 'object'),
        PRIMARY KEY (agreement_id, version),
        CHECK (term_end IS NULL OR term_start <= term_end)
    ) STRICT;
    INSERT INTO main.agreement_version SELECT * FROM temp.agreement_version_v3 ORDER BY rowid;
    DROP TABLE temp.agreement_version_v3;
    \(appendOnly("agreement_version"))
    CREATE TRIGGER agreement_version_contiguous BEFORE INSERT ON agreement_version
    WHEN NEW.version IS NOT (SELECT COALESCE(MAX(version), 0) + 1 FROM agreement_version WHERE agreement_id = NEW.agreement_id)
    BEGIN SELECT RAISE(ABORT, 'agreement versions are numbered 1, 2, 3... without gaps'); END;

    CREATE TRIGGER agreement_version_not_ended BEFORE INSERT ON agreement_version
    WHEN EXISTS (SELECT 1 FROM agreement_end WHERE agreement_id = NEW.agreement_id)
    BEGIN SELECT RAISE(ABORT, 'an ended agreement cannot be amended'); END;

    CREATE TABLE main.agreement_grant (
        agreement_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        position INTEGER NOT NULL CHECK (position >= 0),
        assets TEXT NOT NULL \(list("assets")),
        actions TEXT NOT NULL \(list("actions")),
        extent TEXT NOT NULL \(list("extent")),
        channels TEXT NOT NULL \(list("channels")),
        territories TEXT NOT NULL \(list("territories")),
        exclude_territories TEXT NOT NULL \(list("exclude_territories", min: 0)),
        max_portion REAL CHECK (max_portion IS NULL OR (max_portion > 0 AND max_portion <= 1)),
        quota_count INTEGER CHECK (quota_count IS NULL OR quota_count >= 0),
        quota_per TEXT CHECK (quota_per IS NULL OR quota_per = 'day' OR quota_per = 'week' OR quota_per = 'month'
                              OR quota_per = 'year' OR quota_per = 'term'),
        embargo TEXT CHECK (embargo IS NULL OR embargo GLOB 'P*'),
        duties TEXT NOT NULL \(list("duties", min: 0)),
        PRIMARY KEY (agreement_id, version, position),
        FOREIGN KEY (agreement_id, version) REFERENCES agreement_version(agreement_id, version),
        CHECK ((quota_count IS NULL) = (quota_per IS NULL))
    ) STRICT;
    INSERT INTO main.agreement_grant SELECT * FROM temp.agreement_grant_v3 ORDER BY rowid;
    DROP TABLE temp.agreement_grant_v3;
    \(appendOnly("agreement_grant"))
    """

    /// v5 (ledger engineer, session 4): v3 again, with the three hex-digest checks (usage_ledger `row_hash`,
    /// decision_log `row_hash` and `policy_hash`) written as ``hexGlob(_:nullable:)``'s anchored GLOB of 64
    /// classes — same meaning, ~9,000 instructions less per value than both the `*` GLOB and v3's `ltrim`
    /// (which turned out no cheaper; v3 stays as it landed; v4 is the batch engineer's, for the agreement tables). Nothing else changes; the tables are copied
    /// out and back as in v2 and v3 (one-off), foreign-key checks deferred to the commit.
    static let v5 = """
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE decision_log_v4 AS SELECT * FROM main.decision_log;
    DROP TABLE main.decision_log;
    CREATE TEMP TABLE usage_ledger_v4 AS SELECT * FROM main.usage_ledger;
    DROP TABLE main.usage_ledger;
    CREATE TABLE main.usage_ledger (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE \(identifier("event_id")),
        origin TEXT NOT NULL CHECK (origin IN ('check', 'import')),
        at TEXT NOT NULL \(instant("at")),
        subscriber_id TEXT NOT NULL CHECK (length(subscriber_id) >= 1),
        source_id TEXT NOT NULL CHECK (length(source_id) >= 1),
        agreement_id TEXT REFERENCES agreement(id),
        grant_position INTEGER CHECK (grant_position IS NULL OR grant_position >= 0),
        asset_id TEXT,
        asset_kind TEXT,
        action TEXT,
        extent TEXT CHECK (extent IS NULL OR extent IN ('whole', 'partial')),
        portion REAL CHECK (portion IS NULL OR (portion >= 0 AND portion <= 1)),
        channel TEXT,
        territory TEXT,
        decision TEXT CHECK (decision IS NULL OR decision = 'permit' OR decision = 'deny' OR decision = 'not_applicable'),
        document TEXT NOT NULL CHECK (json_valid(document) AND json_type(document) = 'object'),
        recorded_at TEXT NOT NULL \(instant("recorded_at")),
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        row_hash TEXT NOT NULL \(hexGlob("row_hash")),
        CHECK (agreement_id IS NOT NULL OR grant_position IS NULL)
    ) STRICT;
    INSERT INTO main.usage_ledger SELECT * FROM temp.usage_ledger_v4 ORDER BY seq;
    DROP TABLE temp.usage_ledger_v4;
    CREATE INDEX usage_by_agreement ON usage_ledger(agreement_id, at) WHERE agreement_id IS NOT NULL;
    CREATE INDEX usage_by_party ON usage_ledger(subscriber_id, source_id, at);
    CREATE INDEX usage_by_time ON usage_ledger(at);
    \(appendOnly("usage_ledger"))
    \(chained("usage_ledger"))
    CREATE TABLE main.decision_log (
        seq INTEGER PRIMARY KEY,
        decision_id TEXT NOT NULL UNIQUE \(identifier("decision_id")),
        decided_at TEXT NOT NULL \(instant("decided_at")),
        request_id TEXT,
        subscriber_id TEXT,
        source_id TEXT,
        decision TEXT NOT NULL CHECK (decision = 'permit' OR decision = 'deny' OR decision = 'not_applicable'),
        policy_hash TEXT \(hexGlob("policy_hash", nullable: true)),
        agreement_versions TEXT NOT NULL \(list("agreement_versions", min: 0)),
        request TEXT NOT NULL CHECK (json_valid(request) AND json_type(request) = 'object'),
        response TEXT NOT NULL CHECK (json_valid(response) AND json_type(response) = 'object'),
        ledger_seq INTEGER REFERENCES usage_ledger(seq),
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        row_hash TEXT NOT NULL \(hexGlob("row_hash")),
        FOREIGN KEY (source_id, policy_hash) REFERENCES policy_revision(source_id, hash)
    ) STRICT;
    INSERT INTO main.decision_log SELECT * FROM temp.decision_log_v4 ORDER BY seq;
    DROP TABLE temp.decision_log_v4;
    CREATE INDEX decision_by_time ON decision_log(decided_at);
    CREATE INDEX decision_by_subscriber ON decision_log(subscriber_id, decided_at);
    CREATE INDEX decision_by_source ON decision_log(source_id, decided_at);
    \(appendOnly("decision_log"))
    \(chained("decision_log"))
    """

    /// The `CHECK` text for a JSON-object document that the store's own writers serialise (v6 on): a
    /// structural check, `{` first and `}` last; `clearance verify` proves the rest (see ``v6``).
    static func objectShape(_ column: String) -> String {
        "CHECK (\(column) GLOB '{*}')"
    }

    /// v6 (ledger engineer, session 5: `usage import`): the usage ledger rebuilt with the same columns, rows,
    /// indexes and triggers, two per-row checks left to the writer and `clearance verify`. First,
    /// `document`'s `json_valid(document) AND json_type(document) = 'object'` is replaced by the structural ``objectShape(_:)`` check (`document GLOB '{*}'`: a text that starts with
    /// `{` and ends with `}`). A design decision of the integrator (coord/COMMON.md, session 5), on these terms:
    ///
    /// - every writer of the ledger proves the JSON itself: `usage import`'s ``LedgerDraft`` writes the event's
    ///   canonical JSON from the parsed event (`RepublicationRequest.appendJSON` and `JSONBytes` escapes), and
    ///   ``StoreTransaction/recordUse(_:recordedAt:)`` and ``LedgerDraft/init(_:)`` serialise a `JSONValue` with
    ///   `FastJSON` (tests parse drafted documents with the strict `JSONParser` as objects). For a serialised
    ///   `JSONValue` the GLOB means exactly `json_type = 'object'`: every other JSON value starts with `[`, `"`,
    ///   a digit, `-`, `t`, `f` or `n`;
    /// - `clearance verify` (and backup's and restore's checks of their copies, which call
    ///   ``Store/integrityProblems()``) re-checks `json_valid` and `json_type = 'object'` on every row of the
    ///   ledger and reports a row that fails as `ledger.bad_document` (test: a document tampered into non-JSON
    ///   behind the CHECK's back is reported), where SQLite's `integrity_check` used to find it through the CHECK.
    ///
    /// Why: SQLite parses every imported document (~340 bytes) for the JSON check, ~1 µs a row; measured on the
    /// 1,000,000 rows of the default workload copied with `INSERT … SELECT` (Python's `sqlite3`, SQLite 3.40,
    /// bench/PROFILE.md session 5): 7.3 s user for the insert with the JSON check, 6.3 s with the GLOB, 6.8 s
    /// with `substr` at both ends (which counts the characters of the whole text to find the last one).
    ///
    /// And, on the same terms, `row_hash`'s character check (v5's anchored GLOB of 64 `[0-9a-f]` classes) becomes
    /// a length check, as `prev_hash`'s became in v2: the writer computes every row hash itself (SHA-256 of the
    /// row's canonical text, written as lowercase hex) and the chain trigger checks each link; `clearance verify`
    /// recomputes every row's hash from its columns, so a `row_hash` that is not the 64 lowercase hex digits of
    /// that hash — any other text included — is reported as `chain.bad_hash` (test: a non-hex hash inserted
    /// behind the facade's back is reported). Measured as above: 6.8 s user with the GLOB, 4.8 s without
    /// (SQLite re-reads the pattern's class at each of the 64 positions; ~2 µs a row).
    ///
    /// Everything else is as in v5: the instant and identifier checks, the foreign key, the append-only and
    /// chain triggers, every index. The table is copied out and back as in v2, v3 and v5 (one-off);
    /// foreign-key checks are deferred to the commit (the decision log's references to ledger rows are back by then).
    static let v6 = """
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE usage_ledger_v5 AS SELECT * FROM main.usage_ledger;
    DROP TABLE main.usage_ledger;
    CREATE TABLE main.usage_ledger (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE \(identifier("event_id")),
        origin TEXT NOT NULL CHECK (origin IN ('check', 'import')),
        at TEXT NOT NULL \(instant("at")),
        subscriber_id TEXT NOT NULL CHECK (length(subscriber_id) >= 1),
        source_id TEXT NOT NULL CHECK (length(source_id) >= 1),
        agreement_id TEXT REFERENCES agreement(id),
        grant_position INTEGER CHECK (grant_position IS NULL OR grant_position >= 0),
        asset_id TEXT,
        asset_kind TEXT,
        action TEXT,
        extent TEXT CHECK (extent IS NULL OR extent IN ('whole', 'partial')),
        portion REAL CHECK (portion IS NULL OR (portion >= 0 AND portion <= 1)),
        channel TEXT,
        territory TEXT,
        decision TEXT CHECK (decision IS NULL OR decision = 'permit' OR decision = 'deny' OR decision = 'not_applicable'),
        document TEXT NOT NULL \(objectShape("document")),
        recorded_at TEXT NOT NULL \(instant("recorded_at")),
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        row_hash TEXT NOT NULL CHECK (length(row_hash) = 64),
        CHECK (agreement_id IS NOT NULL OR grant_position IS NULL)
    ) STRICT;
    INSERT INTO main.usage_ledger SELECT * FROM temp.usage_ledger_v5 ORDER BY seq;
    DROP TABLE temp.usage_ledger_v5;
    CREATE INDEX usage_by_agreement ON usage_ledger(agreement_id, at) WHERE agreement_id IS NOT NULL;
    CREATE INDEX usage_by_party ON usage_ledger(subscriber_id, source_id, at);
    CREATE INDEX usage_by_time ON usage_ledger(at);
    \(appendOnly("usage_ledger"))
    \(chained("usage_ledger"))
    """
    /// The `CHECK` text for a stored instant column that the store's writers prove (v7 on): the structure
    /// only, `????-??-??T??:??:??Z` (20 characters, the separators in place); `clearance verify` checks the
    /// digits (see ``v7``).
    static func instantShape(_ column: String) -> String {
        "CHECK (\(column) GLOB '????-??-??T??:??:??Z')"
    }

    /// The `CHECK` text for a JSON-object document, v7 on: what ``objectShape(_:)`` (`GLOB '{*}'`) means — the
    /// first character `{`, the last `}` — tested at both ends without reading the text in between.
    ///
    /// `document >= '{' AND document < '|'` compares the first byte only (`|` follows `{`); the last byte is
    /// read from the text taken as a blob (`CAST … AS BLOB` relabels the value, and a blob's `substr` counts
    /// bytes, where a text's counts characters from the start). An ASCII byte is never part of a longer UTF-8
    /// character, so first byte `{` and last byte `}` is first character `{` and last character `}` (and at
    /// least two characters). `GLOB '{*}'` walks the whole document looking for its last `}`: measured
    /// with callgrind (the `sqlite3` shell, SQLite 3.40, 20,000 rows of the default workload's ledger copied
    /// into a v7 ledger, bench/PROFILE.md session 6), ~1,500 instructions a row for the GLOB, ~700 for this.
    static func objectEnds(_ column: String) -> String {
        "CHECK (\(column) >= '{' AND \(column) < '|' AND substr(CAST(\(column) AS BLOB), -1) = X'7D')"
    }

    /// The `CHECK` text for a SHA-256 hex digest column that the writer computes and `verify` recomputes (v7 on):
    /// 64 bytes. SQLite's `length` of a text counts its characters one by one (~900 instructions for 64 of
    /// them, as above); of a blob it reads the size. A hex digest's 64 characters are 64 bytes; any text that
    /// is not the row's digest (64 bytes or not) is reported by `verify` (`chain.bad_hash`, as from v6).
    static func digestLength(_ column: String) -> String {
        "CHECK (length(CAST(\(column) AS BLOB)) = 64)"
    }

    /// v7 (ledger engineer, session 6: `usage import`): the usage ledger rebuilt with the same columns, rows,
    /// indexes and triggers, and three per-row checks made cheaper. The two instant columns (`at`,
    /// `recorded_at`) are checked by structure in SQL (``instantShape(_:)``: every character but the digits)
    /// instead of v6's ``instant(_:nullable:)`` GLOB of 14 character classes; the document's ends are tested
    /// without scanning it (``objectEnds(_:)``, the same meaning as v6's GLOB); the two hashes' lengths are
    /// read, not counted (``digestLength(_:)``). For the instants, on the terms of v6 (the integrator's design
    /// decision, coord/COMMON.md, session 5):
    ///
    /// - every writer of the ledger proves the digits itself: both columns are written by ``Timestamp/format(_:)``
    ///   from an instant, and the writers check the text against the full shape before the insert
    ///   (``Timestamp/hasStoredShape(_:)``, the same pattern as the old CHECK, byte for byte), refusing a row that
    ///   fails it as SQLite did (`CHECK constraint failed`: `store.constraint`);
    /// - `clearance verify` (and backup's and restore's checks, through ``Store/integrityProblems()``) checks the
    ///   full pattern on every row of the ledger and reports a row that fails as `ledger.bad_instant`.
    ///
    /// Why: SQLite re-reads each `[0-9]`-style class of the pattern at every position, twice a row. Measured on the
    /// 1,000,000 rows of the default workload copied with `INSERT … SELECT` into a v6 ledger (Python's `sqlite3`,
    /// SQLite 3.40, bench/PROFILE.md session 6, a loaded machine): 4.6 s user for the insert with both GLOBs of
    /// classes, 3.9 s with the structural GLOBs, 3.8 s with no instant check.
    ///
    /// Everything else is as in v6. The table is copied out and back as in v2, v3, v5 and v6 (one-off; the
    /// workload's database has an empty ledger); foreign-key checks are deferred to the commit.
    static let v7 = """
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE usage_ledger_v6 AS SELECT * FROM main.usage_ledger;
    DROP TABLE main.usage_ledger;
    CREATE TABLE main.usage_ledger (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE \(identifier("event_id")),
        origin TEXT NOT NULL CHECK (origin IN ('check', 'import')),
        at TEXT NOT NULL \(instantShape("at")),
        subscriber_id TEXT NOT NULL CHECK (length(subscriber_id) >= 1),
        source_id TEXT NOT NULL CHECK (length(source_id) >= 1),
        agreement_id TEXT REFERENCES agreement(id),
        grant_position INTEGER CHECK (grant_position IS NULL OR grant_position >= 0),
        asset_id TEXT,
        asset_kind TEXT,
        action TEXT,
        extent TEXT CHECK (extent IS NULL OR extent IN ('whole', 'partial')),
        portion REAL CHECK (portion IS NULL OR (portion >= 0 AND portion <= 1)),
        channel TEXT,
        territory TEXT,
        decision TEXT CHECK (decision IS NULL OR decision = 'permit' OR decision = 'deny' OR decision = 'not_applicable'),
        document TEXT NOT NULL \(objectEnds("document")),
        recorded_at TEXT NOT NULL \(instantShape("recorded_at")),
        prev_hash TEXT NOT NULL \(digestLength("prev_hash")),
        row_hash TEXT NOT NULL \(digestLength("row_hash")),
        CHECK (agreement_id IS NOT NULL OR grant_position IS NULL)
    ) STRICT;
    INSERT INTO main.usage_ledger SELECT * FROM temp.usage_ledger_v6 ORDER BY seq;
    DROP TABLE temp.usage_ledger_v6;
    CREATE INDEX usage_by_agreement ON usage_ledger(agreement_id, at) WHERE agreement_id IS NOT NULL;
    CREATE INDEX usage_by_party ON usage_ledger(subscriber_id, source_id, at);
    CREATE INDEX usage_by_time ON usage_ledger(at);
    \(appendOnly("usage_ledger"))
    \(chained("usage_ledger"))
    """

    /// The `CHECK` text for the usage ledger's `document` from v8 on: a full document's ends as in v7
    /// (``objectEnds(_:)``: first byte `{`, last `}`), or a compact one's (``LedgerDocument``: first byte `[`,
    /// last two `}]`), which needs the columns it is completed from. The same end tests, without reading the
    /// text in between (`verify` checks the JSON of both forms: `ledger.bad_document`).
    static func eventDocument(_ column: String) -> String {
        """
        CHECK ((\(column) >= '{' AND \(column) < '|' AND substr(CAST(\(column) AS BLOB), -1) = X'7D') OR \
        (\(column) >= '[' AND \(column) < '\\' AND substr(CAST(\(column) AS BLOB), -2) = X'7D5D' AND asset_id IS NOT NULL \
        AND asset_kind IS NOT NULL AND action IS NOT NULL AND extent IS NOT NULL AND channel IS NOT NULL AND territory IS NOT NULL))
        """
    }

    /// v8 (ledger engineer, session 7: `usage import`): the usage ledger rebuilt with the same columns, rows,
    /// indexes and triggers; its `document` may now hold an event's compact form (``LedgerDocument``): a
    /// JSON array of the asset's `publishedAt` and the evidence (`url`, `attribution`, `link`), the rest
    /// of the event being the row's other columns. The CHECK is ``eventDocument(_:)``.
    ///
    /// Why: the full document repeated every column, so each row stored and hashed its values twice (~330
    /// of ~600 bytes a row for the default workload; the compact form ~115), and `usage import` wrote those
    /// bytes to the WAL, read them back to build the indexes and copied them into the database at the commit.
    /// Measured in bench/PROFILE.md (ledger, session 7).
    ///
    /// Rows written before v8 keep their full documents (the copy below changes no byte, so every row hash
    /// and link still holds); readers complete compact ones (`LedgerRow.document`), which are told apart by
    /// their first byte: no earlier CHECK let a document start with `[`. The row hash is over the stored
    /// columns as before, so `verify` recomputes it unchanged. A clearance that knows only v7 refuses a v8
    /// database (`store.newer_schema`), so none reads a compact document as an event.
    ///
    /// Everything else is as in v7. The table is copied out and back as in v2, v3, v5, v6 and v7 (one-off);
    /// foreign-key checks are deferred to the commit.
    static let v8 = """
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE usage_ledger_v7 AS SELECT * FROM main.usage_ledger;
    DROP TABLE main.usage_ledger;
    CREATE TABLE main.usage_ledger (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE \(identifier("event_id")),
        origin TEXT NOT NULL CHECK (origin IN ('check', 'import')),
        at TEXT NOT NULL \(instantShape("at")),
        subscriber_id TEXT NOT NULL CHECK (length(subscriber_id) >= 1),
        source_id TEXT NOT NULL CHECK (length(source_id) >= 1),
        agreement_id TEXT REFERENCES agreement(id),
        grant_position INTEGER CHECK (grant_position IS NULL OR grant_position >= 0),
        asset_id TEXT,
        asset_kind TEXT,
        action TEXT,
        extent TEXT CHECK (extent IS NULL OR extent IN ('whole', 'partial')),
        portion REAL CHECK (portion IS NULL OR (portion >= 0 AND portion <= 1)),
        channel TEXT,
        territory TEXT,
        decision TEXT CHECK (decision IS NULL OR decision = 'permit' OR decision = 'deny' OR decision = 'not_applicable'),
        document TEXT NOT NULL,
        recorded_at TEXT NOT NULL \(instantShape("recorded_at")),
        prev_hash TEXT NOT NULL \(digestLength("prev_hash")),
        row_hash TEXT NOT NULL \(digestLength("row_hash")),
        CHECK (agreement_id IS NOT NULL OR grant_position IS NULL),
        \(eventDocument("document"))
    ) STRICT;
    INSERT INTO main.usage_ledger SELECT * FROM temp.usage_ledger_v7 ORDER BY seq;
    DROP TABLE temp.usage_ledger_v7;
    CREATE INDEX usage_by_agreement ON usage_ledger(agreement_id, at) WHERE agreement_id IS NOT NULL;
    CREATE INDEX usage_by_party ON usage_ledger(subscriber_id, source_id, at);
    CREATE INDEX usage_by_time ON usage_ledger(at);
    \(appendOnly("usage_ledger"))
    \(chained("usage_ledger"))
    """
}
