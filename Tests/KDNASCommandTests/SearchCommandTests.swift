import Foundation
import Latency
import Models
import Search
import TestSupport
import XCTest

/// `kdnas search` end to end on a tiny teacher: a search killed with SIGKILL mid-episode and resumed
/// ends exactly as an uninterrupted one; the report is written; bad options are typed errors.
final class SearchCommandTests: CommandLineTestCase {
    func testKilledSearchResumesToTheSameResultAndWritesTheReport() throws {
        let (teacher, task) = try teacherAndTask()
        let profile = try latencyProfile(teacher)
        let options = ["--teacher", teacher] + task + ["--strategy", "lstm", "--episodes", "3", "--candidates", "3", "--proxy-fraction", "0.5",
                       "--proxy-dev", "60", "--latency-profile", profile, "--final-top", "1", "--final-pareto", "1", "--final-speedups", "none", "--no-baselines",
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
                break
            }
            usleep(5_000)
        }
        process.waitUntilExit()
        // Counted after the kill, read-write as the resume reads it (rolling back a hot journal): a trial may
        // have finished between the read above and the kill.
        finishedAtKill = try SQLiteTrialStore(path: killed + "/search.sqlite").trials().filter { $0.state == .done || $0.state == .failed }.count
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
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 5)  // reward, trade-off, finalists, controller, trust
        XCTAssertTrue(html.contains("Candidates are scored on 25 examples held out of dev"), html)
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
        XCTAssertTrue(strategy.errors.contains("--strategy greedy: expected lstm, random, evolution or list"), strategy.errors)
        let changed = try kdnas(["search", "--resume", killed, "--seed", "9"])
        XCTAssertNotEqual(changed.status, 0)
        XCTAssertTrue(changed.errors.contains("holds a search with other settings (seed: 1 → 9)"), changed.errors)
        let missing = try kdnas(["search", "--resume", directory.appendingPathComponent("nothing").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.errors.contains("no search to resume"), missing.errors)
    }

    /// Calibrated latency: the first search calibrates this machine's model and keeps it in the cache
    /// folder; a second search with the same cache reuses it, so the same architecture gets the same
    /// latency in both, with a measurement kept beside each prediction.
    func testCalibratedLatencyIsRepeatableAndCachedPerMachine() throws {
        let (teacher, task) = try teacherAndTask()
        func architecture(_ layers: Int, _ hidden: Int, _ heads: Int, _ ffn: Int, _ act: String) -> String {
            "{\"num_hidden_layers\": \(layers), \"hidden_size\": \(hidden), \"num_attention_heads\": \(heads), "
                + "\"intermediate_size\": \(ffn), \"hidden_act\": \"\(act)\"}"
        }
        let (a, b) = (architecture(1, 32, 2, 64, "gelu"), architecture(2, 64, 4, 128, "relu"))
        let first = try write(["[" + a + ", " + b + "]"], to: "first.json"), second = try write(["[" + b + ", " + a + "]"], to: "second.json")
        let cache = directory.appendingPathComponent("cache").path
        let options = ["--teacher", teacher] + task + ["--strategy", "list", "--proxy-fraction", "0.5", "--proxy-dev", "20",
                       "--latency-calibration", "8", "--latency-seq", "16", "--latency-runs", "3", "--final-top", "0", "--final-pareto", "0", "--final-speedups", "none",
                       "--no-baselines", "--batch-size", "8", "--lr", "1e-3", "--max-length", "16", "--threads", "1", "--cache", cache]
        let runA = directory.appendingPathComponent("calibrated-a").path, runB = directory.appendingPathComponent("calibrated-b").path
        let searchA = try kdnas(["search", "--out", runA, "--architectures", first] + options)
        XCTAssertEqual(searchA.status, 0, searchA.errors)
        XCTAssertTrue(searchA.errors.contains("calibrating this machine's latency model on 8 architectures"), searchA.errors)
        let searchB = try kdnas(["search", "--out", runB, "--architectures", second] + options)
        XCTAssertEqual(searchB.status, 0, searchB.errors)
        XCTAssertFalse(searchB.errors.contains("calibrating"), "the second search must reuse the cached calibration: \(searchB.errors)")
        let (trialsA, trialsB) = (trials(runA), trials(runB))
        XCTAssertEqual(trialsA.count, 2)
        XCTAssertEqual(trialsB.map(\.architecture), trialsA.map(\.architecture).reversed())
        for trial in trialsA {
            let again = try XCTUnwrap(trialsB.first { $0.architecture == trial.architecture })
            XCTAssertEqual(trial.latencyMs, again.latencyMs, "\(trial.architecture): the repeatable figure")
            XCTAssertNotNil(trial.measuredMs)
            XCTAssertNotNil(trial.initialScore)
            XCTAssertNotNil(trial.trainLoss)
            print(String(format: "calibrated latency test: %@ predicted %.4f ms in both searches, measured %.4f and %.4f ms",
                         trial.architecture.description, trial.latencyMs!, trial.measuredMs!, again.measuredMs!))
        }
        let store = try SQLiteTrialStore(path: runA + "/search.sqlite", readOnly: true)
        XCTAssertNotNil(try store.value("latency_profile"))
        let repeats = try JSONDecoder().decode([Double].self, from: XCTUnwrap(try store.value("teacher_latency_repeats")))
        XCTAssertEqual(repeats.count, 5)
        let cached = try FileManager.default.contentsOfDirectory(atPath: cache + "/latency")
        XCTAssertEqual(cached.count, 1, "\(cached)")
    }

    /// Successive halving: after each rung the best half of an episode's candidates by reward is distilled
    /// again on the larger rung; a search killed with SIGKILL in the middle of a rung resumes to the same trials.
    func testSuccessiveHalvingPromotesTheBestAndResumesMidRungToTheSameResult() throws {
        let (teacher, task) = try teacherAndTask()
        let profile = try latencyProfile(teacher)
        let options = ["--teacher", teacher] + task + ["--strategy", "random", "--episodes", "2", "--candidates", "4", "--proxy-fraction", "0.25",
                       "--rungs", "0.75x1", "--promote", "0.5", "--proxy-dev", "20", "--latency-profile", profile, "--final-top", "0",
                       "--final-pareto", "0", "--final-speedups", "none", "--no-baselines", "--batch-size", "8", "--lr", "1e-3", "--max-length", "16", "--threads", "1"]
        let uninterrupted = directory.appendingPathComponent("sh-a").path
        let first = try kdnas(["search", "--out", uninterrupted] + options)
        XCTAssertEqual(first.status, 0, first.errors)
        XCTAssertTrue(first.errors.contains("promoted to rung 1"), first.errors)
        let trialsA = trials(uninterrupted)
        XCTAssertEqual(trialsA.count, 8)
        // Promotion order: in each episode the two best by first-rung reward (then id) went up, and only they.
        for episode in 1...2 {
            let members = trialsA.filter { $0.episode == episode }
            let best = members.sorted { a, b in
                a.rungResults[0].reward != b.rungResults[0].reward ? a.rungResults[0].reward > b.rungResults[0].reward : a.id < b.id
            }.prefix(2).map(\.id)
            XCTAssertEqual(Set(members.filter { $0.rung == 1 }.map(\.id)), Set(best), "episode \(episode)")
            for trial in members {
                XCTAssertEqual(trial.rungResults.count, trial.rung + 1)
                XCTAssertEqual(trial.accuracy, trial.rungResults.last?.accuracy)
            }
        }

        // The same search killed once a promoted candidate of episode 1 has finished its second rung: in the
        // middle of that rung when the poll sees the first one finish, later when it sees both.
        let killed = directory.appendingPathComponent("sh-b").path
        let process = Process()
        process.executableURL = executable
        process.arguments = ["search", "--out", killed] + options
        (process.standardOutput, process.standardError) = (FileHandle.nullDevice, FileHandle.nullDevice)
        try process.run()
        var killedMidRung = false
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline {
            let promotedDone = trials(killed).filter { $0.episode == 1 && $0.rungResults.count == 2 }
            if promotedDone.count >= 1 {
                kill(process.processIdentifier, SIGKILL)
                killedMidRung = true
                break
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        XCTAssertTrue(killedMidRung, "the search ended before it could be killed after a second rung")
        let resumed = try kdnas(["search", "--resume", killed, "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.errors)
        func outcome(_ trial: Trial) -> String {
            "\(trial.id) \(trial.architecture) \(trial.state) rung \(trial.rung) \(trial.rungResults.map { "\($0.accuracy)/\($0.reward)" }) "
                + "\(trial.latencyMs ?? -1) \(trial.parameters ?? -1)"
        }
        XCTAssertEqual(trials(killed).map(outcome), trialsA.map(outcome))
        print("successive halving test: killed mid-rung, resumed; \(trialsA.filter { $0.rung == 1 }.count) of 8 candidates promoted, "
              + "every trial identical to the uninterrupted run")
    }

    /// The search stage's band coverage: from episode 2 on, a band of the final stage holding fewer eligible candidates
    /// (those inheriting the teacher whole, where the band has any) than the quota gets one, inside it; the final
    /// stage then has a student in it. A run whose saved command line
    /// now gives other settings (a preset changed since) resumes with the settings saved in its store.
    func testBandCoverageFillsTheSpeedupBandAndAResumeUsesTheSavedSettings() throws {
        let (teacher, task) = try teacherAndTask()
        let profile = try latencyProfile(teacher)
        let (speedup, eligible) = try sparseBandSpeedup(teacher: teacher, profile: profile)
        let run = directory.appendingPathComponent("bands").path
        let options = ["--teacher", teacher] + task + ["--strategy", "random", "--episodes", "3", "--candidates", "2", "--proxy-fraction", "0.25",
                       "--proxy-dev", "20", "--latency-profile", profile, "--final-top", "0", "--final-pareto", "0",
                       "--final-speedups", String(format: "%g", speedup),
                       "--band-quota", "2", "--no-baselines", "--batch-size", "8", "--lr", "1e-3", "--max-length", "16", "--threads", "1"]
        let search = try kdnas(["search", "--out", run] + options)
        XCTAssertEqual(search.status, 0, search.errors)
        let store = try SQLiteTrialStore(path: run + "/search.sqlite")
        let teacherMs = try XCTUnwrap(Double(String(decoding: XCTUnwrap(try store.value("teacher_latency_ms")), as: UTF8.self)))
        let band = (low: FinalistPlan.bandFloor * (teacherMs / speedup), high: teacherMs / speedup)
        let all = trials(run)
        let added = all.filter { $0.slot >= 2 }
        func inBand(_ trial: Trial) -> Bool { trial.latencyMs.map { $0 > band.low && $0 <= band.high } ?? false }
        print("band coverage test: band (\(band.low), \(band.high)] ms; \(all.filter(inBand).count) of \(all.count) candidates in it, "
              + "\(added.count) added: \(added.map { "\($0.id) \($0.architecture) \($0.latencyMs ?? -1)" })")
        // No trial failed, so the band's eligible students never run out before it holds two of them (it has at least
        // two): no fallback to other students.
        XCTAssertFalse(all.contains { $0.state == .failed }, "\(all.filter { $0.state == .failed }.map(\.error))")
        XCTAssertTrue(added.allSatisfy(inBand), "every added candidate lies in the band")
        XCTAssertTrue(added.allSatisfy { eligible.contains($0.architecture) }, "every added candidate is eligible: \(eligible)")
        XCTAssertTrue(added.allSatisfy { $0.episode >= 2 }, "the first episode adds none")
        // A top-up exactly while the band, with the episode's own proposals, holds fewer eligible candidates than the
        // quota (the random proposals may fill it, or overfill it, by themselves: the calibrated profile moves from run
        // to run).
        for episode in 2...3 {
            let tried = all.filter { $0.episode < episode || ($0.episode == episode && $0.slot < 2) }
            let before = tried.filter { inBand($0) && eligible.contains($0.architecture) }.count
            XCTAssertEqual(added.filter { $0.episode == episode }.count, before < 2 ? 1 : 0, "episode \(episode): \(before) eligible in the band before")
        }
        XCTAssertGreaterThanOrEqual(all.filter { inBand($0) && eligible.contains($0.architecture) }.count, 2,
                                    "the band holds its quota of eligible students after episode 3")
        XCTAssertTrue(search.errors.contains("until each holds 2"), search.errors)
        let finalists = try store.finalists()
        XCTAssertEqual(finalists.map(\.name), [FinalistPlan.speedupName(speedup)])
        XCTAssertTrue(finalists[0].latencyMs > band.low && finalists[0].latencyMs <= band.high, "the band's finalist: \(finalists[0].latencyMs) ms")
        let html = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("(band)"), "the report marks the added candidates")

        // As an earlier version saved it: no band quota. The saved command line now gives one; a plain resume
        // uses the store's settings, a resume that changes an option is still refused.
        var saved = try JSONSerialization.jsonObject(with: XCTUnwrap(try store.value("settings"))) as! [String: Any]
        saved.removeValue(forKey: "band_quota")
        try store.setValues(["settings": try JSONSerialization.data(withJSONObject: saved, options: [.sortedKeys])])
        let resumed = try kdnas(["search", "--resume", run, "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.errors)
        let changed = try kdnas(["search", "--resume", run, "--band-quota", "3"])
        XCTAssertNotEqual(changed.status, 0)
        XCTAssertTrue(changed.errors.contains("holds a search with other settings (band_quota: none → 3)"), changed.errors)
    }

    /// The speed-up whose band, (0.8·t/s, t/s] for the teacher's predicted latency t, holds the fewest of the space's
    /// architectures but at least three, by the profile's predictions: the band the episodes' random proposals are
    /// least likely to fill by themselves, yet one that top-ups can fill. The calibrated profile moves from run to
    /// run, so a fixed speed-up could name a band that holds no architecture at all. With it, the band's eligible
    /// architectures (at least two): those inheriting the teacher whole where the band has any, all of them otherwise.
    func sparseBandSpeedup(teacher: String, profile: String) throws -> (speedup: Double, eligible: Set<StudentArchitecture>) {
        let config = try BertConfig(contentsOf: URL(fileURLWithPath: teacher).appendingPathComponent("config.json"))
        let model = try LatencyProfile.read(profile).model
        let teacherMs = model.predict(config)
        let predicted = SearchSpace.derived(from: config).all.map { architecture -> (StudentArchitecture, Double) in
            var student = architecture.config(from: config)
            student.numLabels = config.numLabels
            return (architecture, model.predict(student))
        }
        func band(_ speedup: Double) -> [StudentArchitecture] {
            predicted.filter { $0.1 > FinalistPlan.bandFloor * (teacherMs / speedup) && $0.1 <= teacherMs / speedup }.map(\.0)
        }
        let counts = stride(from: 1.25, through: 8, by: 0.25).map { ($0, band($0).count) }
        let prior = StudentPrior(teacher: config)
        func eligible(_ speedup: Double) -> [StudentArchitecture] {
            let whole = band(speedup).filter(prior.inheritsWhole)
            return whole.isEmpty ? band(speedup) : whole
        }
        let usable = counts.filter { $0.1 >= 3 && eligible($0.0).count >= 2 }
        print("band coverage test: teacher \(teacherMs) ms; architectures per band: \(counts.map { "\($0.0)x \($0.1)" })")
        let speedup = try XCTUnwrap(usable.min { $0.1 < $1.1 }?.0, "no speed-up's band holds three of the space's architectures, two eligible")
        return (speedup, Set(eligible(speedup)))
    }
}
