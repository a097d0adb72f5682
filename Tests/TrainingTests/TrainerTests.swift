import Foundation
import Models
import NN
import TensorCore
import TestSupport
import Tasks
import Text
import Training
import XCTest

/// The training loop: learning, checkpoints, and exact resumption after a crash.
final class TrainerTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-trainer-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A micro classifier and a learnable toy task: the label is whether token 5 occurs.
    func setUp(seed: UInt64) -> (BertForSequenceClassification, (Int) -> [Batch]) {
        var config = BertConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads) = (12, 16, 2, 2)
        (config.intermediateSize, config.maxPositionEmbeddings) = (32, 16)
        let model = BertForSequenceClassification(config, seed: seed)
        var generator = RandomGenerator(seed: 9)
        let examples: [(ids: [Int], label: Float)] = (0..<48).map { _ in
            let length = 3 + Int(generator.next() % 5)
            let ids = [1] + (0..<length).map { _ in 2 + Int(generator.next() % 10) } + [2]
            return (ids, ids.contains(5) ? 1 : 0)
        }
        let batches: (Int) -> [Batch] = { epoch in
            var order = RandomGenerator(seed: 100 + UInt64(epoch))
            let permutation = Array(0..<examples.count).shuffled(using: &order)
            return stride(from: 0, to: permutation.count, by: 8).map { start in
                let indices = Array(permutation[start..<min(start + 8, permutation.count)])
                let encodings = indices.map { i in
                    Encoding(ids: examples[i].ids, tokenTypeIds: Array(repeating: 0, count: examples[i].ids.count),
                             attentionMask: Array(repeating: 1, count: examples[i].ids.count))
                }
                return Batch(tokens: TokenBatch(encodings, paddingId: 0), labels: indices.map { examples[$0].label }, indices: indices)
            }
        }
        return (model, batches)
    }

    func trainer(_ model: BertForSequenceClassification, _ batches: @escaping (Int) -> [Batch], epochs: Int,
                 crashAtStep: Int? = nil) -> Trainer {
        var configuration = TrainingConfiguration()
        (configuration.epochs, configuration.learningRate, configuration.logEvery) = (epochs, 1e-2, 2)
        var steps = 0
        return Trainer(configuration: configuration, parameters: model.namedParameters, directory: directory, batches: batches,
                       loss: { batch, context in
                           steps += 1
                           if steps == crashAtStep { throw SimulatedCrash() }
                           return model.loss(model(batch.tokens, context: context).logits, labels: batch.labels!)
                       },
                       evaluate: { ["accuracy": 0] })
    }

    /// Stands in for a crash inside epoch 3: the run stops with nothing saved after epoch 2.
    struct SimulatedCrash: Error {}

    func testLossFallsAndCheckpointsAreWritten() throws {
        let (model, batches) = setUp(seed: 1)
        let history = try trainer(model, batches, epochs: 10).run()
        print("toy task mean loss per epoch: \(history.map { String(format: "%.4f", $0.meanLoss) }.joined(separator: ", "))")
        XCTAssertLessThan(history.last!.meanLoss, history.first!.meanLoss * 0.8)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("checkpoints").path)
        XCTAssertEqual(checkpoints, ["epoch-10"], "only the newest checkpoint is kept")
        let log = try String(contentsOf: directory.appendingPathComponent("train_log.jsonl"), encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").filter { $0.contains("\"event\":\"epoch\"") }.count, 10)
    }

    /// A run that crashes in epoch 3 and is resumed ends with the same bits as one that did not.
    func testResumeGivesTheSameResultAsAnUninterruptedRun() throws {
        let (reference, referenceBatches) = setUp(seed: 2)
        let uninterruptedDirectory = directory!
        try trainer(reference, referenceBatches, epochs: 4).run()

        directory = uninterruptedDirectory.appendingPathExtension("interrupted")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (model, batches) = setUp(seed: 2)
        // 6 batches per epoch: step 15 is in epoch 3.
        XCTAssertThrowsError(try trainer(model, batches, epochs: 4, crashAtStep: 15).run())
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("checkpoints/epoch-2/state.json").path))

        let (resumed, resumedBatches) = setUp(seed: 2)  // a new process: fresh weights, restored from the checkpoint
        let history = try trainer(resumed, resumedBatches, epochs: 4).run(resume: true)
        XCTAssertEqual(history.count, 4)
        for ((name, a), (_, b)) in zip(reference.namedParameters, resumed.namedParameters) {
            XCTAssertEqual(a.scalars, b.scalars, "\(name) differs after resuming")
        }
    }

    /// A run stopped between the last epoch's checkpoint and its evaluation (kill -9 during the dev pass)
    /// resumes to the metrics an uninterrupted run reports, evaluated on the restored weights.
    func testResumeAfterTheLastCheckpointButBeforeItsEvaluationReportsTheEpochsMetrics() throws {
        func run(_ model: BertForSequenceClassification, _ batches: @escaping (Int) -> [Batch], crashInEvaluation: Int?,
                 resume: Bool) throws -> [EpochSummary] {
            var configuration = TrainingConfiguration()
            (configuration.epochs, configuration.learningRate) = (2, 1e-2)
            var evaluations = 0
            return try Trainer(configuration: configuration, parameters: model.namedParameters, directory: directory, batches: batches,
                               loss: { b, c in model.loss(model(b.tokens, context: c).logits, labels: b.labels!) },
                               evaluate: {
                                   evaluations += 1
                                   if evaluations == crashInEvaluation { throw SimulatedCrash() }
                                   return ["weight_sum": Double(model.namedParameters[0].tensor.scalars.reduce(0, +))]
                               }).run(resume: resume)
        }
        let (reference, referenceBatches) = setUp(seed: 4)
        let uninterruptedDirectory = directory!
        let expected = try run(reference, referenceBatches, crashInEvaluation: nil, resume: false)

        directory = uninterruptedDirectory.appendingPathExtension("interrupted")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (model, batches) = setUp(seed: 4)
        XCTAssertThrowsError(try run(model, batches, crashInEvaluation: 2, resume: false))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("checkpoints/epoch-2/state.json").path))
        let (resumed, resumedBatches) = setUp(seed: 4)
        let history = try run(resumed, resumedBatches, crashInEvaluation: nil, resume: true)
        XCTAssertEqual(history.map(\.metrics), expected.map(\.metrics), "the last epoch's metrics after resuming")
        XCTAssertEqual(history.map(\.meanLoss), expected.map(\.meanLoss))
        // The evaluation is recorded in the checkpoint, so a second resume reports it without evaluating again.
        let again = try run(resumed, resumedBatches, crashInEvaluation: 1, resume: true)
        XCTAssertEqual(again.map(\.metrics), expected.map(\.metrics))
    }

    func testInvalidOptionsAndChangedSettingsAreReported() throws {
        var configuration = TrainingConfiguration()
        configuration.learningRate = -1
        XCTAssertThrowsError(try configuration.validate()) { XCTAssertEqual("\($0)", "--lr: expected a positive learning rate") }
        configuration = TrainingConfiguration()
        configuration.epochs = 1 << 62  // epochs × steps per epoch overflowed in Trainer.run and trapped
        XCTAssertThrowsError(try configuration.validate()) { XCTAssertEqual("\($0)", "--epochs: expected at most 1000000") }

        let (model, batches) = setUp(seed: 3)
        try trainer(model, batches, epochs: 1).run()
        XCTAssertThrowsError(try trainer(model, batches, epochs: 1).run()) { error in
            XCTAssertTrue("\(error)".contains("already holds a training run; continue it with --resume"), "\(error)")
        }
        var other = TrainingConfiguration()
        other.epochs = 1
        other.batchSize = 16
        let changed = Trainer(configuration: other, parameters: model.namedParameters, directory: directory, batches: batches,
                              loss: { b, c in model.loss(model(b.tokens, context: c).logits, labels: b.labels!) }, evaluate: { [:] })
        XCTAssertThrowsError(try changed.run(resume: true)) { error in
            XCTAssertTrue("\(error)".contains("cannot resume: it was made with other settings"), "\(error)")
        }
    }

    func testAnOutputFolderThatIsAFileOrUnderOneIsNamed() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("out.txt")
        try Data("x".utf8).write(to: file)
        let (model, batches) = setUp(seed: 1)
        for (out, problem) in [(file, "is a file; expected a folder (or a path where one can be made)"),
                               (file.appendingPathComponent("run/deeper"), "is under \(file.path), which is a file; expected a folder path")] {
            directory = out
            XCTAssertThrowsError(try trainer(model, batches, epochs: 1).run()) { error in
                XCTAssertEqual((error as? OutputPathError)?.path, out.path)
                XCTAssertEqual("\(error)", "\(out.path): \(problem)")
            }
        }
        directory = file.deletingLastPathComponent()
        // Permissions bind everyone but root (a CI container may run as root).
        guard getuid() != 0 else { return }
        let locked = directory.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked.path) }
        XCTAssertThrowsError(try OutputFolder.create(locked.appendingPathComponent("run"))) { error in
            XCTAssertEqual("\(error)", "\(locked.path)/run: cannot be created: \(locked.path) is not writable; expected a folder you can write to")
        }
    }

    /// What a killed run leaves (a temporary checkpoint folder, an older checkpoint half deleted, a
    /// temporary file of a dead process) is removed by the next run; a full disk is an error in words.
    func testLeftoversOfAKilledRunAreRemovedAndAFullDiskIsNamed() throws {
        let (model, batches) = setUp(seed: 5)
        try trainer(model, batches, epochs: 2).run()
        let checkpoints = directory.appendingPathComponent("checkpoints")
        for leftover in ["epoch-1", ".epoch-3.tmp-\(Int32.max)"] {
            try FileManager.default.createDirectory(at: checkpoints.appendingPathComponent(leftover), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: checkpoints.appendingPathComponent("\(leftover)/parameters.safetensors"))
        }
        try trainer(model, batches, epochs: 2).run(resume: true)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path), ["epoch-2"])

        // A temporary file of a process that is gone is removed; one of a running process (the parent) is kept.
        let target = directory.appendingPathComponent("model.safetensors")
        let stale = directory.appendingPathComponent(".model.safetensors.tmp-\(Int32.max)")
        let live = directory.appendingPathComponent(".model.safetensors.tmp-\(getppid())")
        for file in [stale, live] { try Data("x".utf8).write(to: file) }
        try AtomicFile.write(Data("y".utf8), to: target)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.path))
        XCTAssertEqual(try Data(contentsOf: target), Data("y".utf8))

        // Foundation's out-of-space error, as FileHandle throws it on a full disk, in words.
        let full = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteOutOfSpace.rawValue,
                           userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))])
        XCTAssertEqual("\(OutputPathError.writeFailed("/disk/run/model.safetensors", full))",
                       "/disk/run/model.safetensors: cannot be written: the disk is full (No space left on device); expected free space on its disk")
        XCTAssertEqual("\(OutputPathError.writeFailed("/disk/f", NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES))))",
                       "/disk/f: cannot be written (Permission denied); expected a file you can write")
    }
}
