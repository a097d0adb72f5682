import Foundation
import GRDB

/// The trial store in one SQLite file (`RUN/search.sqlite`), through GRDB.
///
/// Tables: `kv` (settings, teacher latency, search state; JSON or bytes), `trials` (one row per
/// candidate: the columns a user would query with sqlite3, and the whole record as JSON), and
/// `finalists`. SQLite's rollback journal makes every transaction atomic across a kill -9.
public final class SQLiteTrialStore: TrialStore {
    private let database: DatabaseQueue
    public let path: String
    public var location: String { path }

    /// Opens (creating if needed) the store at `path`; `readOnly` opens an existing store without
    /// changing it (a report or a monitor beside a running search). Another process's write lock
    /// is waited for, up to 30 s, instead of failing.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw SearchError.corruptState("\(path): is an empty file (0 bytes); expected a KDNAS search store, or no file for a new search")
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
            try migrator.migrate(database)
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

    private static func put(_ value: Data, _ key: String, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }

    public func trials() throws -> [Trial] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM trials ORDER BY id").map { try JSONDecoder().decode(Trial.self, from: Data($0.utf8)) }
        }
    }

    public func propose(_ trials: [Trial], state: SearchState) throws {
        try write { db in
            for trial in trials { try Self.upsert(trial, db) }
            try Self.put(try JSONEncoder().encode(state), "state", db)
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

    public func saveState(_ state: SearchState) throws {
        try setValue(try JSONEncoder().encode(state), for: "state")
    }

    public func finalists() throws -> [Finalist] {
        try database.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM finalists ORDER BY rowid").map { try JSONDecoder().decode(Finalist.self, from: Data($0.utf8)) }
        }
    }

    public func saveFinalist(_ finalist: Finalist) throws {
        let record = String(decoding: try JSONEncoder().encode(finalist), as: UTF8.self)
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO finalists (name, record) VALUES (?, ?)", arguments: [finalist.name, record])
        }
    }
}
