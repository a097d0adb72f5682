import Foundation
import Models
import TestSupport
import XCTest

/// `kdnas distill` end to end on a tiny teacher fine-tuned on a CSV task.
final class DistillCommandTests: CommandLineTestCase {
    func testDistilsAStudentWithTeacherLossesAndReportsBadOptions() throws {
        let model = try tinyModel()
        let words = ["the", "movie", "was", "great", "dull", "a", "film"]
        let rows = (0..<240).map { i -> String in
            let text = (0..<(3 + i % 5)).map { words[(i * 3 + $0 * 5) % words.count] }.joined(separator: " ")
            return "\"\(text)\",\(text.contains("great") ? "good" : "bad")"
        }
        let train = try write(["text,label"] + rows, to: "train.csv"), dev = try write(["text,label"] + rows.prefix(60), to: "dev.csv")
        let task = ["--task", "toy", "--train-file", train, "--dev-file", dev, "--labels", "bad,good"]
        let teacher = directory.appendingPathComponent("teacher")
        let finetune = try kdnas(["finetune", "--model", model.path, "--out", teacher.path, "--epochs", "2", "--batch-size", "8",
                                  "--lr", "1e-3"] + task)
        XCTAssertEqual(finetune.status, 0, finetune.errors)

        let student = directory.appendingPathComponent("student")
        let distill = try kdnas(["distill", "--teacher", teacher.path, "--student", "L1", "--out", student.path, "--losses", "od,hs,mha",
                                 "--mapping", "uniform+last", "--epochs", "5", "--batch-size", "8", "--lr", "2e-3",
                                 "--cache-memory", "0"] + task)
        XCTAssertEqual(distill.status, 0, distill.errors)
        XCTAssertTrue(distill.errors.contains("teacher outputs computed"), distill.errors)
        let (distilled, report) = try BertCheckpoint.load(student)
        XCTAssertEqual(distilled.config.numHiddenLayers, 1)
        XCTAssertEqual(report, BertCheckpoint.LoadReport())
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: student.appendingPathComponent("eval_results.json"))) as! [String: Any]
        let accuracy = (results["dev"] as! [String: Double])["accuracy"]!
        print("toy task: 1-layer student distilled with od,hs,mha, dev accuracy \(accuracy)")
        XCTAssertGreaterThan(accuracy, 0.8)
        XCTAssertFalse(FileManager.default.fileExists(atPath: student.appendingPathComponent("teacher-cache").path))

        // A kept teacher cache: the first run computes it, the second (another seed) reads the file and gives a student too.
        let kept = directory.appendingPathComponent("kept-cache").path
        for (index, expected) in ["teacher outputs computed", "teacher outputs read from \(kept)/teacher-"].enumerated() {
            let run = try kdnas(["distill", "--teacher", teacher.path, "--student", "L1", "--out", directory.appendingPathComponent("kept-\(index)").path,
                                 "--losses", "od,mha", "--epochs", "1", "--batch-size", "8", "--seed", "\(index + 1)", "--teacher-cache", kept] + task)
            XCTAssertEqual(run.status, 0, run.errors)
            XCTAssertTrue(run.errors.contains(expected), run.errors)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: kept).filter { $0.hasSuffix(".bin") }.count, 1)

        // FFN units ranked by their activations: a narrower student from the same teacher.
        var narrow = try JSONSerialization.jsonObject(with: Data(contentsOf: teacher.appendingPathComponent("config.json"))) as! [String: Any]
        narrow["intermediate_size"] = (narrow["intermediate_size"] as! Int) / 4
        let narrowConfig = directory.appendingPathComponent("narrow.json")
        try JSONSerialization.data(withJSONObject: narrow).write(to: narrowConfig)
        let ranked = try kdnas(["distill", "--teacher", teacher.path, "--student", narrowConfig.path, "--out", directory.appendingPathComponent("ranked").path,
                                "--losses", "od", "--epochs", "1", "--batch-size", "8", "--unit-importance", "64"] + task)
        XCTAssertEqual(ranked.status, 0, ranked.errors)
        XCTAssertTrue(ranked.errors.contains("init inherit (FFN units ranked on 64 training examples)"), ranked.errors)

        let unknown = try kdnas(["distill", "--teacher", teacher.path, "--student", "L1", "--out", directory.appendingPathComponent("x").path,
                                 "--losses", "od,magic"] + task)
        XCTAssertTrue(unknown.errors.contains("--losses: expected a comma-separated list of ce, od, hs, mha, att (got magic)"), unknown.errors)
        let heads = try kdnas(["distill", "--teacher", teacher.path, "--student", "tiny", "--init", "random",
                               "--out", directory.appendingPathComponent("y").path, "--losses", "att"] + task)
        XCTAssertTrue(heads.errors.contains("equal head counts (teacher 4, student 2)"), heads.errors)
    }
}
