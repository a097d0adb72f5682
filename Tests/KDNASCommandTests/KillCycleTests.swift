import Foundation
import TestSupport
import XCTest

/// The kill-at-any-moment suite (`scripts/kill_cycles.py`) on the built `kdnas`: finetune, distill and
/// search (with and without successive halving) killed with SIGKILL 20 times each at random moments and
/// resumed end identical to uninterrupted runs; a full disk is a named error and resumes to the same end.
final class KillCycleTests: CommandLineTestCase {
    func testRunsKilledAtRandomMomentsOrOnAFullDiskResumeToTheUninterruptedResult() throws {
        let script = Repository.root.appendingPathComponent("scripts/kill_cycles.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--kdnas", executable.path]
        let output = Pipe()
        (process.standardOutput, process.standardError) = (output, output)
        let started = Date()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n").map(String.init)
        let summary = lines.last ?? "(no output)"
        // One line per command and per full-disk case, then the summary.
        for line in lines where line.hasPrefix("finetune:") || line.hasPrefix("distill:") || line.hasPrefix("search") || line.hasPrefix("full disk") {
            print("kill cycles: \(line)")
        }
        print("kill cycles: \(summary) in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(summary.contains(" passed, 0 failed"), text)
    }
}
