import Foundation
import NN
import TestSupport
import XCTest

/// `kdnas finetune` and `kdnas evaluate` on a tiny model and a CSV task, including a run killed
/// with SIGKILL and resumed.
final class FinetuneCommandTests: CommandLineTestCase {
    /// A CSV task the tiny model can learn: "good" when the text says great.
    func toyTask(rows count: Int) throws -> (train: String, dev: String) {
        let words = ["the", "movie", "was", "great", "dull", "a", "film"]
        func rows(_ count: Int, offset: Int) -> [String] {
            (0..<count).map { i in
                let n = 3 + (i * 7 + offset) % 5
                let text = (0..<n).map { words[(i * 3 + $0 * 5 + offset) % words.count] }.joined(separator: " ")
                return "\"\(text)\",\(text.contains("great") ? "good" : "bad")"
            }
        }
        let train = try write(["text,label"] + rows(count, offset: 0), to: "train.csv")
        let dev = try write(["text,label"] + rows(count / 4, offset: 1), to: "dev.csv")
        return (train, dev)
    }

    func finetuneArguments(model: URL, task: (train: String, dev: String), out: URL) -> [String] {
        ["finetune", "--model", model.path, "--task", "toy", "--train-file", task.train, "--dev-file", task.dev,
         "--labels", "bad,good", "--out", out.path, "--epochs", "6", "--batch-size", "8", "--lr", "1e-3", "--threads", "1"]
    }

    func testKilledRunResumesToTheSameModel() throws {
        let model = try tinyModel()
        let task = try toyTask(rows: 480)
        let uninterrupted = directory.appendingPathComponent("uninterrupted")
        let first = try kdnas(finetuneArguments(model: model, task: task, out: uninterrupted))
        XCTAssertEqual(first.status, 0, first.errors)
        XCTAssertTrue(first.errors.contains("finetune: epoch 6 done"), first.errors)

        // Kill -9 once the first epoch's checkpoint exists, then resume.
        let interrupted = directory.appendingPathComponent("interrupted")
        let process = try start(finetuneArguments(model: model, task: task, out: interrupted))
        let checkpoint = interrupted.appendingPathComponent("checkpoints/epoch-1/state.json")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint.path), process.isRunning, Date() < deadline { usleep(2_000) }
        XCTAssertTrue(process.isRunning, "the run must still be going when it is killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: interrupted.appendingPathComponent("model.safetensors").path))

        let resumed = try kdnas(finetuneArguments(model: model, task: task, out: interrupted) + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.errors)
        XCTAssertTrue(resumed.errors.contains("resuming after epoch"), resumed.errors)
        let a = try SafeTensors.read(uninterrupted.appendingPathComponent("model.safetensors"))
        let b = try SafeTensors.read(interrupted.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (name, tensor) in a { XCTAssertEqual(tensor.scalars, b[name]?.scalars, "\(name) differs after kill -9 and --resume") }

        // The fine-tuned model learned the task and evaluates as reported.
        let evaluation = try kdnas(["evaluate", "--model", uninterrupted.path, "--task", "toy", "--dev-file", task.dev,
                                    "--labels", "bad,good", "--json"])
        XCTAssertEqual(evaluation.status, 0, evaluation.errors)
        let metrics = try jsonLines(evaluation.output)[0]["metrics"] as! [String: Double]
        print("toy task dev accuracy after fine-tuning: \(metrics["accuracy"]!)")
        XCTAssertGreaterThan(metrics["accuracy"]!, 0.9)
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: uninterrupted.appendingPathComponent("eval_results.json"))) as! [String: Any]
        XCTAssertEqual((results["dev"] as! [String: Double])["accuracy"], metrics["accuracy"])
    }

    func testBadTaskInputIsReported() throws {
        let model = try tinyModel()
        let badLabel = try write(["text,label", "\"the movie\",meh"], to: "bad.csv")
        let result = try kdnas(["finetune", "--model", model.path, "--task", "toy", "--train-file", badLabel, "--dev-file", badLabel,
                                "--labels", "bad,good", "--out", directory.appendingPathComponent("o").path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.errors.contains("bad.csv:2: unknown label \"meh\""), result.errors)
        let unknown = try kdnas(["evaluate", "--model", model.path, "--task", "nosuchtask"])
        XCTAssertTrue(unknown.errors.contains("nosuchtask"), unknown.errors)
    }
}
