import Foundation
import Logging
import PostgresNIO
import Search

/// The trial store in a PostgreSQL database, for several processes on several machines (postgres-nio).
/// One database holds any number of studies (searches), each row keyed by its study's name. Tables:
/// `kdnas_kv`, `kdnas_trials` (queryable columns and the whole record), `kdnas_finalists`, `kdnas_work`
/// (items: state, holder, attempts, heartbeat), `kdnas_leases`, `kdnas_workers` and `kdnas_files` (the
/// finalists' Hugging Face files, so any machine with the URL can fetch them). Times are the server's
/// clock. A claim takes one row with `FOR UPDATE SKIP LOCKED`; every other write is one transaction
/// under the study's advisory lock, written so that a retried transaction is harmless.
public final class PostgresTrialStore: TrialStore, @unchecked Sendable {
    private let session: PostgresSession
    public let study: String
    public var location: String { "\(session.described) study \(study)" }

    /// Connects and creates the tables if needed. `retryFor`: how long a lost connection is retried.
    public init(_ location: StorageLocation.PostgresLocation, study: String, retryFor: TimeInterval = 60) throws {
        session = PostgresSession(location, retryFor: retryFor)
        self.study = study
        try session.run { connection, logger in
            try await Self.transaction(connection, logger, lock: "kdnas schema") {
                for statement in Self.schema { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            }
        }
    }

    static let schema = [
        "CREATE TABLE IF NOT EXISTS kdnas_kv (study text NOT NULL, key text NOT NULL, value bytea NOT NULL, PRIMARY KEY (study, key))",
        """
        CREATE TABLE IF NOT EXISTS kdnas_trials (study text NOT NULL, id integer NOT NULL, episode integer NOT NULL, slot integer NOT NULL,
            state text NOT NULL, architecture text NOT NULL, accuracy double precision, latency_ms double precision, reward double precision,
            host text, record text NOT NULL, PRIMARY KEY (study, id))
        """,
        "CREATE TABLE IF NOT EXISTS kdnas_finalists (study text NOT NULL, name text NOT NULL, seq bigserial, record text NOT NULL, PRIMARY KEY (study, name))",
        """
        CREATE TABLE IF NOT EXISTS kdnas_work (study text NOT NULL, key text NOT NULL, seq bigserial, state text NOT NULL, worker text,
            attempts integer NOT NULL DEFAULT 0, heartbeat double precision, PRIMARY KEY (study, key))
        """,
        "CREATE TABLE IF NOT EXISTS kdnas_leases (study text NOT NULL, name text NOT NULL, holder text NOT NULL, expires double precision NOT NULL, PRIMARY KEY (study, name))",
        "CREATE TABLE IF NOT EXISTS kdnas_workers (study text NOT NULL, id text NOT NULL, record text NOT NULL, seen double precision NOT NULL, PRIMARY KEY (study, id))",
        "CREATE TABLE IF NOT EXISTS kdnas_files (study text NOT NULL, path text NOT NULL, data bytea NOT NULL, PRIMARY KEY (study, path))",
    ]

    /// BEGIN, the study's (or `lock`'s) advisory lock, `body`, COMMIT; ROLLBACK when `body` throws.
    static func transaction<T: Sendable>(_ connection: PostgresConnection, _ logger: Logger, lock: String,
                                         _ body: () async throws -> T) async throws -> T {
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lock)))", logger: logger)
            let value = try await body()
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    private func inStudy<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger, String) async throws -> T) throws -> T {
        let study = self.study
        return try session.run { connection, logger in
            try await Self.transaction(connection, logger, lock: "kdnas study " + study) { try await body(connection, logger, study) }
        }
    }

    private static let clock = "EXTRACT(EPOCH FROM clock_timestamp())::double precision"

    // MARK: Values, trials, finalists

    public func value(_ key: String) throws -> Data? {
        let study = self.study
        return try session.run { connection, logger in
            let rows = try await connection.query("SELECT value FROM kdnas_kv WHERE study = \(study) AND key = \(key)", logger: logger)
            for try await value in rows.decode(ByteBuffer.self) { return Data(buffer: value) }
            return nil
        }
    }

    public func setValue(_ value: Data, for key: String) throws { try setValues([key: value]) }

    public func setValues(_ values: [String: Data]) throws {
        try inStudy { connection, logger, study in
            for (key, value) in values.sorted(by: { $0.key < $1.key }) { try await Self.put(value, key, study, connection, logger) }
        }
    }

    public func initialize(_ values: [String: Data]) throws -> Data? {
        try inStudy { connection, logger, study in
            let rows = try await connection.query("SELECT value FROM kdnas_kv WHERE study = \(study) AND key = 'settings'", logger: logger)
            for try await value in rows.decode(ByteBuffer.self) { return Data(buffer: value) }
            for (key, value) in values.sorted(by: { $0.key < $1.key }) { try await Self.put(value, key, study, connection, logger) }
            return nil
        }
    }

    private static func put(_ value: Data, _ key: String, _ study: String, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO kdnas_kv (study, key, value) VALUES (\(study), \(key), \(value))
            ON CONFLICT (study, key) DO UPDATE SET value = excluded.value
            """, logger: logger)
    }

    public func trials() throws -> [Trial] { try records(of: Trial.self, table: "kdnas_trials", order: "id") }

    /// Every record of the study in `table` (a trusted name), decoded, in `order`.
    private func records<T: Decodable>(of type: T.Type, table: String, order: String) throws -> [T] {
        let study = self.study
        let records = try session.run { connection, logger in
            var records: [String] = []
            let rows = try await connection.query("SELECT record FROM \(unescaped: table) WHERE study = \(study) ORDER BY \(unescaped: order)",
                                                  logger: logger)
            for try await record in rows.decode(String.self) { records.append(record) }
            return records
        }
        return try records.map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    public func update(_ trials: [Trial]) throws {
        let encoded = try trials.map { ($0, String(decoding: try JSONEncoder().encode($0), as: UTF8.self)) }
        try inStudy { connection, logger, study in
            for (trial, record) in encoded { try await Self.upsert(trial, record, study, connection, logger) }
        }
    }

    private static func upsert(_ trial: Trial, _ record: String, _ study: String, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO kdnas_trials (study, id, episode, slot, state, architecture, accuracy, latency_ms, reward, host, record)
            VALUES (\(study), \(trial.id), \(trial.episode), \(trial.slot), \(trial.state.rawValue), \(trial.architecture.description),
                    \(trial.accuracy), \(trial.latencyMs), \(trial.reward), \(trial.host), \(record))
            ON CONFLICT (study, id) DO UPDATE SET episode = excluded.episode, slot = excluded.slot, state = excluded.state,
                architecture = excluded.architecture, accuracy = excluded.accuracy, latency_ms = excluded.latency_ms,
                reward = excluded.reward, host = excluded.host, record = excluded.record
            """, logger: logger)
    }

    public func state() throws -> SearchState? {
        try value("state").map { try JSONDecoder().decode(SearchState.self, from: $0) }
    }

    public func finalists() throws -> [Finalist] { try records(of: Finalist.self, table: "kdnas_finalists", order: "seq") }

    // MARK: Coordination

    public func commit(trials: [Trial], state: SearchState?, values: [String: Data], publish: [String], expecting expected: SearchState?) throws -> Bool {
        let encoded = try trials.map { ($0, String(decoding: try JSONEncoder().encode($0), as: UTF8.self)) }
        let newState = try state.map { try JSONEncoder().encode($0) }
        return try inStudy { connection, logger, study in
            var saved: SearchState?
            let rows = try await connection.query("SELECT value FROM kdnas_kv WHERE study = \(study) AND key = 'state'", logger: logger)
            for try await value in rows.decode(ByteBuffer.self) { saved = try JSONDecoder().decode(SearchState.self, from: Data(buffer: value)) }
            guard saved == expected else { return false }
            for (trial, record) in encoded { try await Self.upsert(trial, record, study, connection, logger) }
            if let newState { try await Self.put(newState, "state", study, connection, logger) }
            for (key, value) in values.sorted(by: { $0.key < $1.key }) { try await Self.put(value, key, study, connection, logger) }
            for key in publish {
                try await connection.query("INSERT INTO kdnas_work (study, key, state) VALUES (\(study), \(key), 'pending') ON CONFLICT DO NOTHING",
                                           logger: logger)
            }
            return true
        }
    }

    /// The holders of running items that are processes of `worker`'s host known to be gone.
    private func goneHolders(for worker: WorkerRecord, table: String, column: String) throws -> [String] {
        let study = self.study
        let holders = try session.run { connection, logger in
            var holders: [String] = []
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT DISTINCT \(column) FROM \(table) WHERE study = $1",
                                                                binds: Self.binds(study)), logger: logger)
            for try await holder in rows.decode(String?.self) { if let holder { holders.append(holder) } }
            return holders
        }
        return holders.filter { worker.sees(goneWorker: $0) }
    }

    private static func binds(_ values: String...) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }

    public func claim(for worker: WorkerRecord, lease: TimeInterval) throws -> WorkClaim? {
        let gone = try goneHolders(for: worker, table: "kdnas_work", column: "worker")
        let (study, record) = (self.study, String(decoding: try JSONEncoder().encode(worker), as: UTF8.self))
        let claim = try session.run { connection, logger -> WorkClaim? in
            try await connection.query("BEGIN", logger: logger)
            do {
                let rows = try await connection.query("""
                    UPDATE kdnas_work SET state = 'running', worker = \(worker.id), attempts = attempts + 1, heartbeat = \(unescaped: Self.clock)
                    WHERE study = \(study) AND key = (
                        SELECT key FROM kdnas_work WHERE study = \(study) AND (state = 'pending' OR (state = 'running'
                            AND (heartbeat < \(unescaped: Self.clock) - \(lease) OR worker = ANY(\(gone)))))
                        ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
                    RETURNING key, attempts
                    """, logger: logger)
                var claim: WorkClaim?
                for try await (key, attempts) in rows.decode((String, Int).self) { claim = WorkClaim(key: key, attempt: attempts, worker: worker.id) }
                try await Self.see(worker.id, record, study, connection, logger)
                try await connection.query("COMMIT", logger: logger)
                return claim
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
        return claim
    }

    private static func see(_ id: String, _ record: String, _ study: String, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO kdnas_workers (study, id, record, seen) VALUES (\(study), \(id), \(record), \(unescaped: clock))
            ON CONFLICT (study, id) DO UPDATE SET seen = excluded.seen
            """, logger: logger)
    }

    public func heartbeat(_ claim: WorkClaim?, worker: WorkerRecord) throws -> Bool {
        let (study, record) = (self.study, String(decoding: try JSONEncoder().encode(worker), as: UTF8.self))
        return try session.run { connection, logger in
            try await Self.see(worker.id, record, study, connection, logger)
            guard let claim else { return true }
            let rows = try await connection.query("""
                UPDATE kdnas_work SET heartbeat = \(unescaped: Self.clock)
                WHERE study = \(study) AND key = \(claim.key) AND worker = \(claim.worker) AND attempts = \(claim.attempt) AND state = 'running'
                RETURNING key
                """, logger: logger)
            var held = false
            for try await _ in rows.decode(String.self) { held = true }
            return held
        }
    }

    public func complete(_ claim: WorkClaim, trial: Trial?, finalist: Finalist?, files: [String: Data]) throws -> Bool {
        let trialRecord = try trial.map { ($0, String(decoding: try JSONEncoder().encode($0), as: UTF8.self)) }
        let finalistRecord = try finalist.map { ($0.name, String(decoding: try JSONEncoder().encode($0), as: UTF8.self)) }
        return try inStudy { connection, logger, study in
            let rows = try await connection.query(
                "SELECT state, worker, attempts FROM kdnas_work WHERE study = \(study) AND key = \(claim.key) FOR UPDATE", logger: logger)
            var row: (String, String?, Int)?
            for try await value in rows.decode((String, String?, Int).self) { row = value }
            guard let (state, holder, attempts) = row, holder == claim.worker, attempts == claim.attempt else { return false }
            guard state == WorkItem.State.running.rawValue else { return state == WorkItem.State.done.rawValue }  // a retried completion
            try await connection.query("UPDATE kdnas_work SET state = 'done', heartbeat = \(unescaped: Self.clock) WHERE study = \(study) AND key = \(claim.key)",
                                       logger: logger)
            if let (trial, record) = trialRecord { try await Self.upsert(trial, record, study, connection, logger) }
            if let (name, record) = finalistRecord {
                try await connection.query("""
                    INSERT INTO kdnas_finalists (study, name, record) VALUES (\(study), \(name), \(record))
                    ON CONFLICT (study, name) DO UPDATE SET record = excluded.record
                    """, logger: logger)
            }
            for (path, data) in files.sorted(by: { $0.key < $1.key }) {
                try await connection.query("""
                    INSERT INTO kdnas_files (study, path, data) VALUES (\(study), \(path), \(data))
                    ON CONFLICT (study, path) DO UPDATE SET data = excluded.data
                    """, logger: logger)
            }
            return true
        }
    }

    public func release(_ claim: WorkClaim) throws {
        try inStudy { connection, logger, study in
            try await connection.query("""
                UPDATE kdnas_work SET state = 'pending', heartbeat = NULL
                WHERE study = \(study) AND key = \(claim.key) AND worker = \(claim.worker) AND attempts = \(claim.attempt) AND state = 'running'
                """, logger: logger)
        }
    }

    public func workItems() throws -> [WorkItem] {
        let study = self.study
        return try session.run { connection, logger in
            var items: [WorkItem] = []
            let rows = try await connection.query("""
                SELECT key, state, worker, attempts, \(unescaped: Self.clock) - heartbeat FROM kdnas_work WHERE study = \(study) ORDER BY seq
                """, logger: logger)
            for try await (key, state, worker, attempts, age) in rows.decode((String, String, String?, Int, Double?).self) {
                items.append(WorkItem(key: key, state: WorkItem.State(rawValue: state) ?? .pending, worker: worker, attempts: attempts, heartbeatAge: age))
            }
            return items
        }
    }

    public func acquireLease(_ name: String, for worker: WorkerRecord, seconds: TimeInterval) throws -> Bool {
        let gone = try goneHolders(for: worker, table: "kdnas_leases", column: "holder")
        let study = self.study
        return try session.run { connection, logger in
            let rows = try await connection.query("""
                INSERT INTO kdnas_leases AS l (study, name, holder, expires) VALUES (\(study), \(name), \(worker.id), \(unescaped: Self.clock) + \(seconds))
                ON CONFLICT (study, name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
                WHERE l.holder = \(worker.id) OR l.expires < \(unescaped: Self.clock) OR l.holder = ANY(\(gone))
                RETURNING holder
                """, logger: logger)
            var taken = false
            for try await _ in rows.decode(String.self) { taken = true }
            return taken
        }
    }

    public func releaseLease(_ name: String, for worker: WorkerRecord) throws {
        let study = self.study
        try session.run { connection, logger in
            try await connection.query("DELETE FROM kdnas_leases WHERE study = \(study) AND name = \(name) AND holder = \(worker.id)", logger: logger)
        }
    }

    public func workers() throws -> [WorkerRecord] {
        let study = self.study
        let rows = try session.run { connection, logger in
            var found: [(String, Double)] = []
            let rows = try await connection.query("""
                SELECT record, \(unescaped: Self.clock) - seen FROM kdnas_workers WHERE study = \(study) ORDER BY seen
                """, logger: logger)
            for try await row in rows.decode((String, Double).self) { found.append(row) }
            return found
        }
        return try rows.map { record, age in
            var worker = try JSONDecoder().decode(WorkerRecord.self, from: Data(record.utf8))
            worker.lastSeenAge = age
            return worker
        }
    }

    public func file(_ path: String) throws -> Data? {
        let study = self.study
        return try session.run { connection, logger in
            let rows = try await connection.query("SELECT data FROM kdnas_files WHERE study = \(study) AND path = \(path)", logger: logger)
            for try await data in rows.decode(ByteBuffer.self) { return Data(buffer: data) }
            return nil
        }
    }
}
