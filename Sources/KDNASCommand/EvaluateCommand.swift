import ArgumentParser
import Foundation
import Models
import NN
import Tasks
import TensorCore
import Text
import Training

/// `kdnas evaluate`: a fine-tuned model's metrics on a task split.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a fine-tuned classifier on a task's dev or test split.",
        discussion: "Example: kdnas evaluate --model runs/teacher --task rotten-tomatoes --split test --json")

    @Option(help: "Hugging Face model folder with a classification head.")
    var model: String
    @OptionGroup var taskOptions: TaskOptions
    @Option(help: "dev, test, dev-mismatched or test-mismatched (MNLI).")
    var split: Split = .dev
    @Option(help: "Tokens per example after truncation (default: 128, or the model's positions if fewer).")
    var maxLength: Int?
    @Option(help: "Examples per forward pass.")
    var batchSize = 64
    @Flag(help: "Print one JSON object.")
    var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let folder = try ModelFolder(model)
        let source = try taskOptions.source()
        guard !folder.report.headInitialized else {
            throw CommandError("\(model): has no classification head (no classifier.* weights); fine-tune it first with kdnas finetune")
        }
        guard folder.model.config.numLabels == source.definition.numLabels else {
            throw CommandError("\(model): predicts \(folder.model.config.numLabels) labels; \(source.definition.name) has \(source.definition.numLabels)")
        }
        let maxLength = try folder.check(maxLength: self.maxLength, batchSize: batchSize)
        let dataset = try source.load(split)
        guard dataset.isLabeled else { throw CommandError("the \(split) split of \(source.definition.name) has no labels to evaluate against") }
        let start = Date()
        let encoded = EncodedDataset(dataset, tokenizer: try folder.tokenizer(), maxLength: maxLength)
        try folder.model.config.check(encoded, file: folder.url.appendingPathComponent("config.json").path)
        let metrics = ClassifierEvaluator.evaluate(folder.model, on: encoded, batchSize: batchSize)
        let seconds = Date().timeIntervalSince(start)
        if json {
            try printJSON(["task": source.definition.name, "split": split.description, "examples": dataset.count,
                           "metrics": jsonMetrics(metrics.values), "primary": metrics.primary, "seconds": seconds])
        } else {
            print("\(source.definition.name) \(split), \(dataset.count) examples, \(String(format: "%.1f", seconds)) s:")
            for (name, value) in metrics.values.sorted(by: { $0.key < $1.key }) {
                print(String(format: "  %@ %.4f%@", name, value, name == metrics.primary ? " (primary)" : ""))
            }
        }
    }
}
