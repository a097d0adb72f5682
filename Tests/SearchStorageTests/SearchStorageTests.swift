import Foundation
import Search
import SearchStorage
import TestSupport
import XCTest

final class SearchStorageTests: XCTestCase {
    func testTheSQLiteStoreKeepsTheCoordinationProtocol() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("search.sqlite").path
        try TrialStoreContract.check { try SQLiteTrialStore(path: path) }
    }

    /// A worker's open waits for the study when asked to: the file and its settings appear after it started.
    func testAStudyThatMustExistIsWaitedForWithinTheGivenTime() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("search.sqlite").path
        let started = Date()
        XCTAssertThrowsError(try SearchStorage.open(.sqlite(path: path), study: nil, mustExist: true, waitFor: 0.6)) { error in
            XCTAssertTrue(String(describing: error).contains("holds no study"), "\(error)")
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.6, "waited the whole time")
        // An empty file (what a search creating its store makes first) and a store without settings hold no study yet.
        FileManager.default.createFile(atPath: path, contents: nil)
        XCTAssertThrowsError(try SearchStorage.open(.sqlite(path: path), study: nil, mustExist: true, waitFor: 0.3)) { error in
            XCTAssertTrue(String(describing: error).contains("holds no study"), "\(error)")
        }
        try FileManager.default.removeItem(atPath: path)
        _ = try SQLiteTrialStore(path: path)
        XCTAssertThrowsError(try SearchStorage.open(.sqlite(path: path), study: nil, mustExist: true, waitFor: 0.3)) { error in
            XCTAssertTrue(String(describing: error).contains("holds no study"), "\(error)")
        }
        try FileManager.default.removeItem(atPath: path)
        let creator = Thread {
            Thread.sleep(forTimeInterval: 0.7)
            do {
                let store = try SQLiteTrialStore(path: path)
                Thread.sleep(forTimeInterval: 0.3)
                _ = try store.initialize(["settings": Data("{}".utf8)])
            } catch {
                XCTFail("creating the study: \(error)")
            }
        }
        creator.start()
        let store = try SearchStorage.open(.sqlite(path: path), study: nil, mustExist: true, waitFor: 30, every: 0.05)
        XCTAssertEqual(try store.value("settings"), Data("{}".utf8))
    }

    /// Searches started at once on one new shared SQLite file (`--storage sqlite:///…`): each may find the file
    /// another has just created, empty or half-migrated; every open succeeds and exactly one search's settings
    /// are saved. A reader of a file nothing has written to yet gets a named error.
    func testSearchesCreatingOneNewSQLiteStoreAtOnceAllOpenIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (rounds, openers) = (20, 4)
        for round in 0..<rounds {
            let path = folder.appendingPathComponent("shared-\(round).sqlite").path
            let start = DispatchSemaphore(value: 0)
            let outcomes = Outcomes()
            let group = DispatchGroup()
            for opener in 0..<openers {
                DispatchQueue.global().async(group: group) {
                    start.wait()
                    do {
                        let store = try SearchStorage.open(.sqlite(path: path), study: "s", mustExist: false)
                        let saved = try store.initialize(["settings": Data("{\"by\": \(opener)}".utf8), "study": Data("s".utf8)])
                        outcomes.record(saved == nil ? nil : "")
                    } catch {
                        outcomes.record("\(error)")
                    }
                }
            }
            for _ in 0..<openers { start.signal() }
            group.wait()
            XCTAssertEqual(outcomes.failures, [], "round \(round)")
            XCTAssertEqual(outcomes.first, 1, "round \(round): exactly one search saves its settings")
        }
        let empty = folder.appendingPathComponent("empty.sqlite").path
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: nil))
        XCTAssertThrowsError(try SQLiteTrialStore(path: empty, readOnly: true)) { error in
            XCTAssertTrue("\(error)".contains("\(empty): is an empty file (0 bytes)"), "\(error)")
        }
        XCTAssertNil(try SQLiteTrialStore(path: empty).value("settings"), "a writer makes an empty file a store")
    }

    func testStorageURLsParseAndMaskThePassword() throws {
        XCTAssertEqual(try StorageLocation(url: "sqlite:///tmp/run/search.sqlite"), .sqlite(path: "/tmp/run/search.sqlite"))
        XCTAssertEqual(try StorageLocation(url: "sqlite://runs/a.sqlite"), .sqlite(path: "runs/a.sqlite"))
        let location = try StorageLocation(url: "postgresql://ann:s%40cret@db.example:6543/kd")
        XCTAssertEqual(location, .postgres(.init(user: "ann", password: "s@cret", host: "db.example", port: 6543, database: "kd")))
        XCTAssertEqual(location.description, "postgresql://ann:***@db.example:6543/kd")
        XCTAssertEqual(try StorageLocation(url: "postgres://ann@[::1]/kd").description, "postgresql://ann@[::1]:5432/kd")
        for (url, expected) in [("mysql://a@b/c", "sqlite:///PATH or postgresql://"), ("postgresql://host/db", "a user"),
                                ("postgresql://ann:pw@host", "/DATABASE"), ("postgresql://ann:pw@host:99999/db", "port"),
                                ("postgresql://ann:pw@:5432/db", "host"), ("sqlite://", "file path")] {
            XCTAssertThrowsError(try StorageLocation(url: url), url) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains(expected), "\(url): \(message)")
                XCTAssertFalse(message.contains(":pw@"), "the password is masked: \(message)")
            }
        }
    }

    func testThePostgresStoreKeepsTheCoordinationProtocolAndStudiesAreIndependent() throws {
        let server = try PostgresTestServer()
        defer { server.remove() }
        guard case .postgres(let location) = try StorageLocation(url: server.url) else { return XCTFail(server.url) }
        try TrialStoreContract.check { try PostgresTrialStore(location, study: "contract") }

        let (one, two) = (try PostgresTrialStore(location, study: "one"), try PostgresTrialStore(location, study: "two"))
        try one.setValue(Data("a".utf8), for: "settings")
        XCTAssertNil(try two.value("settings"))
        XCTAssertTrue(try two.commit(trials: [], state: SearchState(random: SearchRandom(seed: 2)), values: [:], publish: ["trial/1000/0"],
                                     expecting: nil))
        XCTAssertEqual(try one.workItems(), [])
        XCTAssertNil(try one.claim(for: WorkerRecord.current(threads: 1), lease: 60))
        XCTAssertEqual(try two.workItems().map(\.key), ["trial/1000/0"])
        XCTAssertThrowsError(try SearchStorage.open(.postgres(location), study: "three", mustExist: true)) { error in
            XCTAssertTrue(String(describing: error).contains("no study three"), "\(error)")
        }
        // Files kept with a finalist come back from any connection.
        let store = try PostgresTrialStore(location, study: "files")
        XCTAssertTrue(try store.commit(trials: [], state: nil, values: [:], publish: ["finalist/top-1"], expecting: nil))
        let worker = WorkerRecord.current(threads: 1)
        let claim = try XCTUnwrap(try store.claim(for: worker, lease: 60))
        let architecture = StudentArchitecture(layers: 1, hiddenSize: 32, heads: 2, intermediateSize: 64, activation: .gelu)
        let finalist = Finalist(name: "top-1", origin: .top, architecture: architecture, trialId: nil, parameters: 1, latencyMs: 1,
                                dev: ["accuracy": 0.5], test: nil, seconds: 1, path: "finalists/top-1")
        let weights = Data((0..<300_000).map { UInt8($0 % 251) })
        XCTAssertTrue(try store.complete(claim, trial: nil, finalist: finalist, files: ["finalists/top-1/model.safetensors": weights]))
        XCTAssertEqual(try PostgresTrialStore(location, study: "files").file("finalists/top-1/model.safetensors"), weights)
        XCTAssertEqual(try PostgresTrialStore(location, study: "files").finalists(), [finalist])
    }

    func testConnectionFailuresNameTheHostAndDatabaseWithThePasswordMasked() throws {
        let server = try PostgresTestServer()
        defer { server.remove() }
        guard case .postgres(let location) = try StorageLocation(url: server.url),
              case .postgres(let wrong) = try StorageLocation(url: server.url(password: "wrong-password")) else { return XCTFail(server.url) }
        XCTAssertThrowsError(try PostgresTrialStore(wrong, study: "s")) { error in
            let message = String(describing: error)
            print("wrong password: \(message)")
            XCTAssertTrue(message.contains("127.0.0.1:\(location.port)/kdnas") && message.contains("password"), message)
            XCTAssertFalse(message.contains("wrong-password"), message)
        }
        var missing = location
        missing.database = "nothing_here"
        XCTAssertThrowsError(try PostgresTrialStore(missing, study: "s")) { error in
            XCTAssertTrue(String(describing: error).contains("nothing_here"), "\(error)")
        }
        var refused = location
        refused.port = location.port == 1 ? 2 : 1
        let started = Date()
        XCTAssertThrowsError(try PostgresTrialStore(refused, study: "s", retryFor: 30)) { error in
            let message = String(describing: error)
            print("refused: \(message)")
            XCTAssertTrue(message.contains("cannot connect") && message.contains("127.0.0.1:\(refused.port)/kdnas"), message)
            XCTAssertFalse(message.contains(location.password!), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "a first connection that is refused fails at once")

        // The server stopped mid-run: retried for the bounded time, then a named error; started again in time: no error.
        let store = try PostgresTrialStore(location, study: "s", retryFor: 3)
        try store.setValue(Data([1]), for: "k")
        try server.stop()
        let stopped = Date()
        XCTAssertThrowsError(try store.value("k")) { error in
            let message = String(describing: error)
            print("lost: \(message)")
            XCTAssertTrue(message.contains("lost") && message.contains("/kdnas"), message)
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(stopped), 3)
        try server.restart()
        XCTAssertEqual(try store.value("k"), Data([1]), "the connection is opened again once the server is back")
        let patient = try PostgresTrialStore(location, study: "s", retryFor: 60)
        try server.stop()
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) { try? server.restart() }
        XCTAssertEqual(try patient.value("k"), Data([1]), "a server back within the retry time costs nothing")
    }
}

/// What concurrent openers of one store report: each open's error, and how many saved the settings first.
private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var failures: [String] = []
    private(set) var first = 0

    /// `failure`: nil for an opener that saved its settings first, "" for one that found them saved, else its error.
    func record(_ failure: String?) {
        lock.withLock {
            switch failure {
            case nil: first += 1
            case "": break
            case let error?: failures.append(error)
            }
        }
    }
}
