import Foundation
import GRDB

/// The trial store in one SQLite file (`RUN/search.sqlite`), through GRDB.
///
/// Tables: `kv` (settings, teacher latency, search state; JSON or bytes), `trials` (one row per
/// candidate: the columns a user would query with sqlite3, and the whole record as JSON), and
/// `finalists`; for processes sharing the file, `work` (the items, their holder, attempts and heartbeat),
/// `leases` (the coordinator's) and `workers`. SQLite's rollback journal makes every transaction atomic
/// across a kill -9, and its write lock (waited for, up to 30 s) serialises the processes: a claim or a
/// completion is one IMMEDIATE transaction. The store's clock is this machine's; finalists' files stay in
/// the run folder, which every process on the machine shares.
public final class SQLiteTrialStore: TrialStore {
    private let database: DatabaseQueue
    public let path: String
    public var location: String { path }

    /// Opens (creating if needed) the store at `path`; `readOnly` opens an existing store without
    /// changing it (a report or a monitor beside a running search). Another process's write lock
    /// is waited for, up to 30 s, instead of failing.
    ///
    /// An empty file (0 bytes) is a store nothing has been written to yet: SQLite creates the file before its
    /// first write, so another process creating the same store may be between the two, and a search killed
    /// there leaves one. A writer makes it a store, as it does a missing file (and then finds no saved
    /// search, as in a store killed between its tables and its settings); a reader gets a named error.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        if readOnly, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw SearchError.corruptState("\(path): is an empty file (0 bytes): no search has written to it yet; expected a KDNAS "
                                           + "search store: wait until its search saves its settings, or start one with kdnas search")
        }
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            configuration.readonly = readOnly
            database = try DatabaseQueue(path: path, configuration: configuration)
            // Another program's database: never add KDNAS tables to it.
            let foreign = try database.read { db in
                try !db.tableExists("grdb_migrations") && Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'")! > 0
            }
            if foreign { throw SearchError.corruptState("\(path): is an SQLite database of another program (no KDNAS tables); expected a KDNAS search store") }
            if readOnly { return }
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
                    CREATE TABLE trials (
                        id INTEGER PRIMARY KEY NOT NULL, episode INTEGER NOT NULL, slot INTEGER NOT NULL,
                        state TEXT NOT NULL, architecture TEXT NOT NULL, explored INTEGER NOT NULL,
                        predicted_reward REAL, accuracy REAL, latency_ms REAL, parameters INTEGER, reward REAL,
                        seconds REAL, error TEXT, record TEXT NOT NULL);
                    CREATE TABLE finalists (name TEXT PRIMARY KEY NOT NULL, record TEXT NOT NULL);
                    """)
            }
            migrator.registerMigration("v2-work") { db in
                try db.execute(sql: """
                    CREATE TABLE work (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL, state TEXT NOT NULL,
                                       worker TEXT, attempts INTEGER NOT NULL DEFAULT 0, heartbeat REAL);
                    CREATE TABLE leases (name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, expires REAL NOT NULL);
                    CREATE TABLE workers (id TEXT PRIMARY KEY NOT NULL, record TEXT NOT NULL, seen REAL NOT NULL);
                    """)
            }
            // Two processes opening a new file at once (a worker waiting for its study) may both start its
            // migrations: the one that loses fails on a table the other made, and its next try finds them applied.
            for attempt in 1...4 {
                do {
                    try migrator.migrate(database)
                    break
                } catch let error as DatabaseError where attempt < 4 && (error.message ?? "").contains("already exists") {
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
        } catch let error as SearchError {
            throw error
        } catch {
            throw SearchError.corruptState("\(path): cannot be opened as a KDNAS search store (\(error))")
        }
    }

    /// One transaction; a full disk or an I/O failure is a named error (the transaction rolled back, the store as it was).
    private func write(_ updates: (Database) throws -> Void) throws {
        do {
            try database.write(updates)
        } catch let error as DatabaseError where [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY].contains(error.resultCode) {
            let reason = error.resultCode == .SQLITE_FULL ? "the disk is full" : "\(error.resultCode) (\(error.message ?? "I/O error"))"
            throw SearchError.corruptState("\(path): cannot be written: \(reason); nothing of this step was kept; free the disk or fix the "
                                           + "folder and continue with kdnas search --resume \(URL(fileURLWithPath: path).deletingLastPathComponent().path)")
        }
    }

    public func value(_ key: String) throws -> Data? {
        try database.read { db in try Data.fetchOne(db, sql: "SELECT value FROM kv WHERE key = ?", arguments: [key]) }
    }

    public func setValue(_ value: Data, for key: String) throws {
        try write { db in try Self.put(value, key, db) }
    }

    public func setValues(_ values: [String: Data]) throws {
        try write { db in
            for (key, value) in values.sorted(by: { $0.key < $1.key }) { try Self.put(value, key, db) }
        }
    }

    public func initialize(_ values: [String: Data]) throws -> Data? {
        var saved: Data?
        try write { db in
            saved = try Data.fetchOne(db, sql: "SELECT value FROM kv WHERE key = 'settings'")
            guard saved == nil else { return }
            for (key, value) in values.sorted(by: { $0.key < $1.key }) { try Self.put(value, key, db) }
        }
        return saved
    }

    private static func put(_ value: Data, _ key: String, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }

    public func trials() throws -> [Trial] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM trials ORDER BY id").map { try JSONDecoder().decode(Trial.self, from: Data($0.utf8)) }
        }
    }

    public func update(_ trials: [Trial]) throws {
        try write { db in
            for trial in trials { try Self.upsert(trial, db) }
        }
    }

    private static func upsert(_ trial: Trial, _ db: Database) throws {
        let record = String(decoding: try JSONEncoder().encode(trial), as: UTF8.self)
        try db.execute(sql: """
            INSERT OR REPLACE INTO trials (id, episode, slot, state, architecture, explored, predicted_reward, accuracy, latency_ms,
                                           parameters, reward, seconds, error, record)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [trial.id, trial.episode, trial.slot, trial.state.rawValue, trial.architecture.description, trial.explored,
                             trial.predictedReward, trial.accuracy, trial.latencyMs, trial.parameters, trial.reward, trial.seconds,
                             trial.error, record])
    }

    public func state() throws -> SearchState? {
        guard let data = try value("state") else { return nil }
        return try JSONDecoder().decode(SearchState.self, from: data)
    }

    public func finalists() throws -> [Finalist] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM finalists ORDER BY rowid").map { try JSONDecoder().decode(Finalist.self, from: Data($0.utf8)) }
        }
    }

    // MARK: Coordination

    private static var now: Double { Date().timeIntervalSince1970 }

    public func commit(trials: [Trial], state: SearchState?, values: [String: Data], publish: [String], expecting expected: SearchState?) throws -> Bool {
        var committed = false
        try write { db in
            let saved = try Data.fetchOne(db, sql: "SELECT value FROM kv WHERE key = 'state'").map { try JSONDecoder().decode(SearchState.self, from: $0) }
            guard saved == expected else { return }
            for trial in trials { try Self.upsert(trial, db) }
            if let state { try Self.put(try JSONEncoder().encode(state), "state", db) }
            for (key, value) in values.sorted(by: { $0.key < $1.key }) { try Self.put(value, key, db) }
            for key in publish { try db.execute(sql: "INSERT OR IGNORE INTO work (key, state) VALUES (?, 'pending')", arguments: [key]) }
            committed = true
        }
        return committed
    }

    public func claim(for worker: WorkerRecord, lease: TimeInterval) throws -> WorkClaim? {
        var claim: WorkClaim?
        try write { db in
            let now = Self.now
            let rows = try Row.fetchAll(db, sql: "SELECT key, state, worker, attempts, heartbeat FROM work WHERE state != 'done' ORDER BY seq")
            let free = rows.first { row in
                guard row["state"] as String == WorkItem.State.running.rawValue, let holder = row["worker"] as String? else { return true }
                return (row["heartbeat"] as Double? ?? 0) < now - lease || worker.sees(goneWorker: holder)
            }
            if let free {
                let (key, attempt) = (free["key"] as String, (free["attempts"] as Int) + 1)
                try db.execute(sql: "UPDATE work SET state = 'running', worker = ?, attempts = ?, heartbeat = ? WHERE key = ?",
                               arguments: [worker.id, attempt, now, key])
                claim = WorkClaim(key: key, attempt: attempt, worker: worker.id)
            }
            try Self.see(worker, at: now, db)
        }
        return claim
    }

    private static func see(_ worker: WorkerRecord, at now: Double, _ db: Database) throws {
        let record = String(decoding: try JSONEncoder().encode(worker), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO workers (id, record, seen) VALUES (?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET seen = excluded.seen
            """, arguments: [worker.id, record, now])
    }

    public func heartbeat(_ claim: WorkClaim?, worker: WorkerRecord) throws -> Bool {
        var held = true
        try write { db in
            let now = Self.now
            try Self.see(worker, at: now, db)
            guard let claim else { return }
            try db.execute(sql: "UPDATE work SET heartbeat = ? WHERE key = ? AND worker = ? AND attempts = ? AND state = 'running'",
                           arguments: [now, claim.key, claim.worker, claim.attempt])
            held = db.changesCount == 1
        }
        return held
    }

    public func complete(_ claim: WorkClaim, trial: Trial?, finalist: Finalist?, files: [String: Data]) throws -> Bool {
        var held = false
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT state, worker, attempts FROM work WHERE key = ?", arguments: [claim.key]),
                  row["worker"] as String? == claim.worker, row["attempts"] as Int == claim.attempt else { return }
            guard row["state"] as String == WorkItem.State.running.rawValue else {
                held = row["state"] as String == WorkItem.State.done.rawValue  // done by this claim already (a retried completion)
                return
            }
            held = true
            try db.execute(sql: "UPDATE work SET state = 'done', heartbeat = ? WHERE key = ?", arguments: [Self.now, claim.key])
            if let trial { try Self.upsert(trial, db) }
            if let finalist {
                let record = String(decoding: try JSONEncoder().encode(finalist), as: UTF8.self)
                try db.execute(sql: "INSERT OR REPLACE INTO finalists (name, record) VALUES (?, ?)", arguments: [finalist.name, record])
            }
        }
        return held
    }

    public func release(_ claim: WorkClaim) throws {
        try write { db in
            try db.execute(sql: "UPDATE work SET state = 'pending', heartbeat = NULL WHERE key = ? AND worker = ? AND attempts = ? AND state = 'running'",
                           arguments: [claim.key, claim.worker, claim.attempt])
        }
    }

    public func workItems() throws -> [WorkItem] {
        try database.read { db in
            let now = Self.now
            return try Row.fetchAll(db, sql: "SELECT key, state, worker, attempts, heartbeat FROM work ORDER BY seq").map { row in
                WorkItem(key: row["key"], state: WorkItem.State(rawValue: row["state"]) ?? .pending, worker: row["worker"],
                         attempts: row["attempts"], heartbeatAge: (row["heartbeat"] as Double?).map { now - $0 })
            }
        }
    }

    public func acquireLease(_ name: String, for worker: WorkerRecord, seconds: TimeInterval) throws -> Bool {
        var taken = false
        try write { db in
            let now = Self.now
            if let row = try Row.fetchOne(db, sql: "SELECT holder, expires FROM leases WHERE name = ?", arguments: [name]),
               row["holder"] as String != worker.id, row["expires"] as Double >= now, !worker.sees(goneWorker: row["holder"]) {
                return
            }
            try db.execute(sql: """
                INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
                """, arguments: [name, worker.id, now + seconds])
            taken = true
        }
        return taken
    }

    public func releaseLease(_ name: String, for worker: WorkerRecord) throws {
        try write { db in try db.execute(sql: "DELETE FROM leases WHERE name = ? AND holder = ?", arguments: [name, worker.id]) }
    }

    public func workers() throws -> [WorkerRecord] {
        try database.read { db in
            let now = Self.now
            return try Row.fetchAll(db, sql: "SELECT record, seen FROM workers ORDER BY seen").map { row in
                var record = try JSONDecoder().decode(WorkerRecord.self, from: Data((row["record"] as String).utf8))
                record.lastSeenAge = now - (row["seen"] as Double)
                return record
            }
        }
    }

    /// Finalists' files stay in the run folder.
    public func file(_ path: String) throws -> Data? { nil }
}
