import Foundation
import Search
import SearchStorage
import TestSupport
import XCTest

/// Several processes on one search: `kdnas worker` against a PostgreSQL study and against one SQLite file
/// ends with the same trials and finalists as a single process; a SIGKILLed worker's item is reclaimed
/// after its lease and redone.
final class WorkerCommandTests: CommandLineTestCase {
    /// The search of these tests; latency predicted from `profile`, or calibrated (and cached in `cache`) when it is nil.
    private func options(_ teacher: String, _ task: [String], _ profile: String?, cache: String? = nil) -> [String] {
        let latency = profile.map { ["--latency-profile", $0] }
            ?? ["--latency-calibration", "8", "--latency-seq", "16", "--latency-runs", "3", "--cache", cache!]
        return ["--teacher", teacher] + task + latency + ["--strategy", "lstm", "--episodes", "3", "--candidates", "3", "--proxy-fraction", "0.5", "--proxy-epochs", "4",
         "--proxy-dev", "60", "--final-top", "1", "--final-pareto", "1", "--final-speedups", "none", "--no-baselines",
         "--controller-steps", "40", "--epsilon-decay", "0.5", "--batch-size", "8", "--lr", "1e-3", "--max-length", "16", "--threads", "1"]
    }

    /// Starts `kdnas` in the background as host `host` (so that its claims are reclaimed by lease, not by
    /// seeing its process gone), its standard error in `log`.
    private func start(_ arguments: [String], host: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["KDNAS_WORKER_HOST": host]) { $1 }
        let url = directory.appendingPathComponent(log)
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        (process.standardOutput, process.standardError) = (FileHandle.nullDevice, try FileHandle(forWritingTo: url))
        try process.run()
        return process
    }

    /// Waits (up to 10 s) until process `pid` is stopped by a SIGSTOP: state T in /proc/PID/stat.
    private func waitUntilStopped(_ pid: pid_t) {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("T") { return }
            usleep(1_000)
        }
    }

    private func logText(_ name: String) -> String { (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? "" }

    private func assertSameSearch(_ a: [Trial], _ b: [Trial], _ finalA: [Finalist], _ finalB: [Finalist], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, 9, file: file, line: line)
        XCTAssertEqual(a.map(\.id), b.map(\.id), file: file, line: line)
        XCTAssertEqual(a.map(\.architecture), b.map(\.architecture), file: file, line: line)
        XCTAssertEqual(a.map(\.accuracy), b.map(\.accuracy), file: file, line: line)
        XCTAssertEqual(a.map(\.latencyMs), b.map(\.latencyMs), file: file, line: line)
        XCTAssertEqual(a.map(\.reward), b.map(\.reward), file: file, line: line)
        XCTAssertEqual(a.map(\.predictedReward), b.map(\.predictedReward), file: file, line: line)
        XCTAssertEqual(finalA.count, 2, file: file, line: line)
        XCTAssertEqual(Set(finalA.map(\.name)), Set(finalB.map(\.name)), file: file, line: line)
        for finalist in finalA {
            let other = finalB.first { $0.name == finalist.name }
            XCTAssertEqual(other?.architecture, finalist.architecture, finalist.name, file: file, line: line)
            XCTAssertEqual(other?.dev, finalist.dev, finalist.name, file: file, line: line)
        }
    }

    func testThreeWorkersOnOnePostgresStudyEndAsOneProcessAfterOneIsKilled() throws {
        let server = try PostgresTestServer()
        defer { server.remove() }
        let (teacher, task) = try teacherAndTask()
        let profile = try latencyProfile(teacher)
        let options = options(teacher, task, profile)
        let single = directory.appendingPathComponent("single").path
        let reference = try kdnas(["search", "--out", single] + options)
        XCTAssertEqual(reference.status, 0, reference.errors)

        // The two workers start first and wait for the study (--wait), so that they are ready when its
        // first items are, and look for work every 0.1 s (--poll), as often as an item of this tiny search
        // takes; the first of them seen holding an item is SIGKILLed in the middle of it.
        let storage = ["--storage", server.url, "--study", "three"]
        let work = ["--lease", "3", "--poll", "0.1"]
        let worker = ["worker", "--threads", "1", "--wait", "120"] + work + storage
        let workers = try ["host-b", "host-c"].map { host in
            (host, try start(worker + ["--out", directory.appendingPathComponent(host).path], host: host, log: host + ".log"))
        }
        let creator = try start(["search", "--out", directory.appendingPathComponent("creator").path] + work + storage + options,
                                host: "host-a", log: "creator.log")
        defer { for process in [creator] + workers.map(\.1) where process.isRunning { process.terminate() } }
        guard case .postgres(let location) = try StorageLocation(url: server.url) else { return XCTFail(server.url) }
        let store = try PostgresTrialStore(location, study: "three")
        var killed: (host: String, item: String)?
        let deadline = Date().addingTimeInterval(180)
        while killed == nil, creator.isRunning, Date() < deadline {
            for item in try store.workItems() where item.state == .running {
                guard let (host, process) = workers.first(where: { item.worker?.hasPrefix($0.0 + ":") == true }) else { continue }
                // Stopped first, then read again: the item cannot be finished between the read and the kill.
                kill(process.processIdentifier, SIGSTOP)
                waitUntilStopped(process.processIdentifier)
                let now = try store.workItems().first { $0.key == item.key }
                if now?.state == .running, now?.worker == item.worker, now?.attempts == item.attempts {
                    kill(process.processIdentifier, SIGKILL)
                    killed = (host, item.key)
                } else {
                    kill(process.processIdentifier, SIGCONT)
                }
                break
            }
            usleep(5_000)
        }
        let (doomedHost, item) = try XCTUnwrap(killed, "no worker was seen holding an item: \(logText("creator.log")) \(logText("host-b.log")) \(logText("host-c.log"))")
        let (survivorHost, survivor) = workers.first { $0.0 != doomedHost }!
        let doomed = workers.first { $0.0 == doomedHost }!.1
        doomed.waitUntilExit()
        XCTAssertEqual(doomed.terminationReason, .uncaughtSignal)
        creator.waitUntilExit()
        survivor.waitUntilExit()
        XCTAssertEqual(creator.terminationStatus, 0, logText("creator.log"))
        XCTAssertEqual(survivor.terminationStatus, 0, logText(survivorHost + ".log"))
        print("three workers test: worker \(doomedHost) killed holding \(item)")

        let items = try store.workItems()
        let redone = try XCTUnwrap(items.first { $0.key == item })
        XCTAssertEqual(redone.state, .done)
        XCTAssertGreaterThanOrEqual(redone.attempts, 2, "the killed worker's item was reclaimed after its lease and redone")
        XCTAssertFalse(redone.worker!.hasPrefix(doomedHost + ":"))
        XCTAssertTrue(items.allSatisfy { $0.state == .done })
        let trials = try store.trials()
        let hosts = Set(trials.compactMap(\.host))
        XCTAssertTrue(hosts.isSubset(of: ["host-a", "host-b", "host-c"]), "\(hosts)")
        let singleStore = try SQLiteTrialStore(path: single + "/search.sqlite", readOnly: true)
        assertSameSearch(try singleStore.trials(), trials, try singleStore.finalists(), try store.finalists())

        // The report and every finalist's Hugging Face folder from the study alone, in a new folder.
        let out = directory.appendingPathComponent("fetched").path
        let report = try kdnas(["report", "--out", out] + storage)
        XCTAssertEqual(report.status, 0, report.errors)
        for finalist in try store.finalists() {
            for file in ["config.json", "model.safetensors", "vocab.txt"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(finalist.path)/\(file)"), "\(finalist.path)/\(file)")
            }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/report.html"))
        let status = try kdnas(["status"] + storage)
        XCTAssertEqual(status.status, 0, status.errors)
        print(status.output)
        XCTAssertTrue(status.output.contains("candidates: 0 pending, 0 running, 9 done, 0 failed"), status.output)
        XCTAssertTrue(status.output.contains("finalists:  0 pending, 0 running, 2 done"), status.output)
        XCTAssertTrue(status.output.contains(survivorHost + ":"), status.output)
        // A study that does not exist, and a worker without a storage, are named errors.
        let missing = try kdnas(["worker", "--storage", server.url, "--study", "nothing"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.errors.contains("holds no study nothing") && missing.errors.contains(":***@"), missing.errors)
        let password = try String(contentsOf: server.folder.appendingPathComponent("password"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(missing.errors.contains(password), missing.errors)
    }

    /// With calibrated latency: the second process runs at another thread count and predicts from the study's calibration.
    func testTwoProcessesShareOneSQLiteFile() throws {
        let (teacher, task) = try teacherAndTask()
        let options = options(teacher, task, nil, cache: directory.appendingPathComponent("cache").path)
        let single = directory.appendingPathComponent("single").path
        let reference = try kdnas(["search", "--out", single] + options)
        XCTAssertEqual(reference.status, 0, reference.errors)

        let shared = directory.appendingPathComponent("shared")
        let storage = ["--storage", "sqlite://" + shared.appendingPathComponent("search.sqlite").path]
        // The worker starts first and waits for the file's study; both look for work every 0.1 s.
        let worker = try start(["worker", "--threads", "2", "--wait", "120", "--poll", "0.1"] + storage, host: "two", log: "two.log")
        let creator = try start(["search", "--out", shared.path, "--poll", "0.1"] + storage + options, host: "one", log: "one.log")
        let path = shared.appendingPathComponent("search.sqlite").path
        creator.waitUntilExit()
        worker.waitUntilExit()
        XCTAssertEqual(creator.terminationStatus, 0, logText("one.log"))
        XCTAssertEqual(worker.terminationStatus, 0, logText("two.log"))
        let store = try SQLiteTrialStore(path: path, readOnly: true)
        let trials = try store.trials()
        print("shared SQLite test: trials by host \(Dictionary(grouping: trials, by: { $0.host ?? "?" }).mapValues(\.count))")
        // Both processes worked: the worker did at least one item (a trial, or one of the finalists, which are
        // published together and each outlasts a poll); each trial records the thread count that evaluated it.
        XCTAssertTrue(try store.workItems().contains { $0.state == .done && $0.worker?.hasPrefix("two:") == true }, "the worker did an item")
        for trial in trials { XCTAssertEqual(trial.threads, ["one": 1, "two": 2][trial.host ?? ""], "trial \(trial.id) by \(trial.host ?? "?")") }
        let singleStore = try SQLiteTrialStore(path: single + "/search.sqlite", readOnly: true)
        assertSameSearch(try singleStore.trials(), trials, try singleStore.finalists(), try store.finalists())
        XCTAssertTrue(FileManager.default.fileExists(atPath: shared.path + "/report.html"))
    }
}
