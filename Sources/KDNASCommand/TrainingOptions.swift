import ArgumentParser
import Foundation
import Models
import NN
import Tasks
import TensorCore
import Text
import Training

/// The options of commands that train a classifier (`finetune`, `distill`).
struct TrainingOptions: ParsableArguments {
    @Option(help: "Output folder: the trained checkpoint, eval_results.json, logs and training checkpoints.")
    var out: String
    @Option(help: "Passes over the training set.")
    var epochs = 3
    @Option(help: "Peak learning rate (default: 5e-5 for finetune, 1e-4 for distill).")
    var lr: Float?
    @Option(help: "Examples per update.")
    var batchSize = 32
    @Option(help: "Tokens per example after truncation (default: 128, or the model's positions if fewer).")
    var maxLength: Int?
    @Option(help: "Seed of the data order, dropout and new weights.")
    var seed: UInt64 = 42
    @Flag(help: "Continue from the newest checkpoint in --out.")
    var resume = false

    /// The training recipe for a model of `positions` positions, checked.
    func configuration(positions: Int, defaultLearningRate: Float) throws -> TrainingConfiguration {
        var recipe = TrainingConfiguration()
        (recipe.epochs, recipe.learningRate, recipe.batchSize, recipe.seed) = (epochs, lr ?? defaultLearningRate, batchSize, seed)
        recipe.maxLength = try ModelFolder.check(maxLength: maxLength, positions: positions)
        try recipe.validate()
        return recipe
    }

    /// Trains `parameters` with `loss` on `train`, evaluating `model` on `dev` after every epoch;
    /// then writes `model` to `--out` as a Hugging Face folder (tokenizer files from
    /// `tokenizerSource`) with `eval_results.json` (dev, labelled test, timings, `extraResults`).
    func train(_ label: String, model: BertForSequenceClassification, parameters: [(name: String, tensor: Tensor)],
               recipe: TrainingConfiguration, train: EncodedDataset, dev: EncodedDataset, test: EncodedDataset?,
               tokenizerSource: URL, extraResults: [String: Any] = [:],
               loss: @escaping (Batch, ForwardContext) throws -> Tensor) throws {
        let output = URL(fileURLWithPath: out)
        let batcher = Batcher(dataset: train, batchSize: recipe.batchSize, order: .bucketed(seed: recipe.seed, chunkBatches: 50))
        let trainer = Trainer(
            configuration: recipe, parameters: parameters, directory: output,
            batches: { epoch in Array(batcher.batches(epoch: epoch)) }, loss: loss,
            evaluate: { ClassifierEvaluator.evaluate(model, on: dev, batchSize: recipe.evaluationBatchSize).values })
        let reporter = ProgressReporter(label: label, logEvery: recipe.logEvery)
        trainer.observer = reporter
        let started = Date()
        let history = try trainer.run(resume: resume)

        try BertCheckpoint.save(model, to: output, tokenizerSource: tokenizerSource)
        var results = extraResults.merging([
            "task": dev.dataset.definition.name, "dev": jsonMetrics(history.last?.metrics ?? [:]),
            "parameters": model.parameterCount, "train_seconds": history.reduce(0) { $0 + $1.seconds },
            "seconds_per_epoch": history.map(\.seconds), "wall_seconds": Date().timeIntervalSince(started),
        ]) { _, new in new }
        if let test, test.dataset.isLabeled, test.count > 0 {
            results["test"] = jsonMetrics(ClassifierEvaluator.evaluate(model, on: test, batchSize: recipe.evaluationBatchSize).values)
        }
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys]),
                             to: output.appendingPathComponent("eval_results.json"))
        let primary = dev.dataset.definition.primaryMetricName()
        log("\(label): wrote \(out) (dev \(primary) " + String(format: "%.4f", history.last?.metrics[primary] ?? .nan) + ")")
    }
}

/// The test split encoded, when the task has one with labels. A task without a test split (or a GLUE
/// folder without test.tsv) has none; a test file that is there but malformed is an error naming it,
/// not a run that silently reports no test metrics.
func labelledTest(_ source: any TaskSource, tokenizer: BertTokenizer, maxLength: Int) throws -> EncodedDataset? {
    let test: Dataset
    do {
        test = try source.load(.test)
    } catch TaskError.splitNotAvailable {
        return nil
    } catch TaskError.missingFile where !(source is GenericTask) {
        return nil
    }
    guard test.isLabeled, !test.examples.isEmpty else { return nil }
    return EncodedDataset(test, tokenizer: tokenizer, maxLength: maxLength)
}
