import Foundation
import Search
import TestSupport
import XCTest

/// `kdnas search` end to end on a tiny teacher: a search killed with SIGKILL mid-episode and resumed
/// ends exactly as an uninterrupted one; the report is written; bad options are typed errors.
final class SearchCommandTests: CommandLineTestCase {
    /// A fine-tuned tiny teacher and its toy task options.
    private func teacherAndTask() throws -> (teacher: String, task: [String]) {
        let model = try tinyModel()
        let words = ["the", "movie", "was", "great", "dull", "a", "film"]
        let rows = (0..<200).map { i -> String in
            let text = (0..<(3 + i % 5)).map { words[(i * 3 + $0 * 5) % words.count] }.joined(separator: " ")
            return "\"\(text)\",\(text.contains("great") ? "good" : "bad")"
        }
        let train = try write(["text,label"] + rows, to: "train.csv"), dev = try write(["text,label"] + rows.prefix(50), to: "dev.csv")
        let task = ["--task", "toy", "--train-file", train, "--dev-file", dev, "--labels", "bad,good"]
        let teacher = directory.appendingPathComponent("teacher").path
        let finetune = try kdnas(["finetune", "--model", model.path, "--out", teacher, "--epochs", "2", "--batch-size", "8", "--lr", "1e-3"] + task)
        XCTAssertEqual(finetune.status, 0, finetune.errors)
        return (teacher, task)
    }

    private func trials(_ run: String) -> [Trial] {
        // Read-only, so the test never creates the store's tables before the search does.
        guard FileManager.default.fileExists(atPath: run + "/search.sqlite") else { return [] }
        return (try? SQLiteTrialStore(path: run + "/search.sqlite", readOnly: true).trials()) ?? []
    }

    func testKilledSearchResumesToTheSameResultAndWritesTheReport() throws {
        let (teacher, task) = try teacherAndTask()
        let profile = directory.appendingPathComponent("profile.json").path
        let calibrate = try kdnas(["latency", "calibrate", "--space", "derived", "--teacher", teacher, "--count", "12", "--runs", "3",
                                   "--seq", "16", "--out", profile, "--threads", "1"])
        XCTAssertEqual(calibrate.status, 0, calibrate.errors)
        let options = ["--teacher", teacher] + task + ["--strategy", "lstm", "--episodes", "3", "--candidates", "3", "--proxy-fraction", "0.5",
                       "--proxy-dev", "60", "--latency-profile", profile, "--final-top", "1", "--final-pareto", "1", "--no-baselines",
                       "--controller-steps", "40", "--epsilon-decay", "0.5", "--batch-size", "8", "--lr", "1e-3", "--max-length", "16",
                       "--threads", "1"]
        let uninterrupted = directory.appendingPathComponent("a").path
        let first = try kdnas(["search", "--out", uninterrupted] + options)
        XCTAssertEqual(first.status, 0, first.errors)
        XCTAssertTrue(first.output.contains("report: "), first.output)
        XCTAssertTrue(first.errors.contains("episode 3 done"), first.errors)

        // The same search, started in the test folder with relative paths, killed with SIGKILL once a
        // trial of episode 2 has finished, then resumed from another directory.
        let killed = directory.appendingPathComponent("b").path
        let relative = options.map { $0.hasPrefix(directory.path + "/") ? String($0.dropFirst(directory.path.count + 1)) : $0 }
        XCTAssertNotEqual(relative, options)
        let process = Process()
        process.executableURL = executable
        process.currentDirectoryURL = directory
        process.arguments = ["search", "--out", "b"] + relative
        let logURL = directory.appendingPathComponent("killed.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        (process.standardOutput, process.standardError) = (FileHandle.nullDevice, log)
        try process.run()
        var finishedAtKill = 0
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline {
            let done = trials(killed).filter { $0.state == .done || $0.state == .failed }
            if done.contains(where: { $0.episode == 2 }) {
                kill(process.processIdentifier, SIGKILL)
                finishedAtKill = done.count
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        try log.close()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal,
                       "the search ended before it could be killed: \((try? String(contentsOf: logURL, encoding: .utf8)) ?? "")")
        XCTAssertTrue((4..<9).contains(finishedAtKill), "killed after \(finishedAtKill) finished trials; expected mid-search")
        print("search resume test: killed with SIGKILL after \(finishedAtKill) of 9 finished trials")
        XCTAssertNotEqual(FileManager.default.currentDirectoryPath, directory.path)
        let resumed = try kdnas(["search", "--resume", killed, "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.errors)
        XCTAssertTrue(resumed.errors.contains("resuming after \(finishedAtKill) finished trials"), resumed.errors)

        let (a, b) = (trials(uninterrupted), trials(killed))
        XCTAssertEqual(a.count, 9)
        XCTAssertEqual(a.map(\.architecture), b.map(\.architecture))
        XCTAssertEqual(a.map(\.accuracy), b.map(\.accuracy))
        XCTAssertEqual(a.map(\.latencyMs), b.map(\.latencyMs))
        XCTAssertEqual(a.map(\.reward), b.map(\.reward))
        XCTAssertEqual(a.map(\.predictedReward), b.map(\.predictedReward))
        let (finalA, finalB) = (try SQLiteTrialStore(path: uninterrupted + "/search.sqlite", readOnly: true).finalists(),
                                try SQLiteTrialStore(path: killed + "/search.sqlite", readOnly: true).finalists())
        XCTAssertFalse(finalA.isEmpty)
        XCTAssertEqual(finalA.map(\.architecture), finalB.map(\.architecture))
        XCTAssertEqual(finalA.map(\.dev), finalB.map(\.dev))

        // The report: JSON and self-contained HTML with inline SVG; `kdnas report` rebuilds it.
        let html = try String(contentsOfFile: killed + "/report.html", encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 4)
        XCTAssertFalse(html.contains("<script"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: killed + "/report.json"))) as! [String: Any]
        XCTAssertEqual((report["trials"] as! [Any]).count, 9)
        try FileManager.default.removeItem(atPath: killed + "/report.html")
        XCTAssertEqual(try kdnas(["report", killed]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: killed + "/report.html"))
        // A finalist is a Hugging Face checkpoint.
        XCTAssertTrue(FileManager.default.fileExists(atPath: killed + "/" + finalB[0].path + "/model.safetensors"))

        // A second search into the same folder is refused; bad options are named.
        let again = try kdnas(["search", "--out", uninterrupted] + options)
        XCTAssertTrue(again.errors.contains("holds a search already"), again.errors)
        let strategy = try kdnas(["search", "--out", directory.appendingPathComponent("c").path] + options + ["--strategy", "greedy"])
        XCTAssertTrue(strategy.errors.contains("--strategy greedy: expected lstm, random or evolution"), strategy.errors)
        let changed = try kdnas(["search", "--resume", killed, "--seed", "9"])
        XCTAssertNotEqual(changed.status, 0)
        XCTAssertTrue(changed.errors.contains("holds a search with other settings (seed: 1 → 9)"), changed.errors)
        let missing = try kdnas(["search", "--resume", directory.appendingPathComponent("nothing").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.errors.contains("no search to resume"), missing.errors)
    }
}
