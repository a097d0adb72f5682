import ArgumentParser
import Foundation
import Models
import NN
import Tasks
import TensorCore
import Text
import Training

/// `kdnas finetune`: fine-tunes a BERT checkpoint on a task; the teacher of a search.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a BERT checkpoint on a task (the teacher of a search).",
        discussion: """
            AdamW (weight decay 0.01, none on biases and LayerNorm), linear warm-up over 10% of the
            steps then linear decay, gradient clipping at norm 1, dropout from the config, length-bucketed
            batches. A checkpoint is written after every epoch; --resume continues an interrupted run to
            the same result. The output is a Hugging Face checkpoint folder with eval_results.json.
            Example: kdnas finetune --model cache/minilm --task rotten-tomatoes --out runs/teacher
            """)

    @Option(help: "Hugging Face model folder to start from (with vocab.txt).")
    var model: String
    @OptionGroup var taskOptions: TaskOptions
    @Option(help: "Output folder: the fine-tuned checkpoint, logs and training checkpoints.")
    var out: String
    @Option(help: "Passes over the training set.")
    var epochs = 3
    @Option(help: "Peak learning rate.")
    var lr: Float = 5e-5
    @Option(help: "Examples per update.")
    var batchSize = 32
    @Option(help: "Tokens per example after truncation (default: 128, or the model's positions if fewer).")
    var maxLength: Int?
    @Option(help: "Seed of the data order, dropout and the new classification head.")
    var seed: UInt64 = 42
    @Flag(help: "Continue from the newest checkpoint in --out.")
    var resume = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let source = try taskOptions.source()
        let definition = source.definition
        let modelFolder = URL(fileURLWithPath: model)
        let (network, report) = try BertCheckpoint.load(modelFolder, numLabels: definition.numLabels, replacingHeadOfOtherSize: true, seed: seed)
        let maxLength = try ModelFolder.check(maxLength: self.maxLength, positions: network.config.maxPositionEmbeddings)
        var recipe = TrainingConfiguration()
        (recipe.epochs, recipe.learningRate, recipe.batchSize, recipe.maxLength, recipe.seed) = (epochs, lr, batchSize, maxLength, seed)
        try recipe.validate()
        let tokenizer = try BertTokenizer(directory: modelFolder)
        try ModelFolder.check(tokenizer, fits: network.config, folder: model)
        let train = EncodedDataset(try source.load(.train), tokenizer: tokenizer, maxLength: maxLength)
        let dev = EncodedDataset(try source.load(.dev), tokenizer: tokenizer, maxLength: maxLength)

        network.relabel(definition.labelNames, regression: definition.isRegression)
        let output = URL(fileURLWithPath: out)
        log("finetune: \(definition.name), \(train.count) training and \(dev.count) dev examples; model \(model) "
            + "(\(network.config.numHiddenLayers) layers, hidden \(network.config.hiddenSize))"
            + (report.headInitialized ? "; new classification head of \(definition.numLabels) labels" : ""))

        let batcher = Batcher(dataset: train, batchSize: batchSize, order: .bucketed(seed: seed, chunkBatches: 50))
        let trainer = Trainer(
            configuration: recipe, parameters: network.namedParameters, directory: output,
            batches: { epoch in Array(batcher.batches(epoch: epoch)) },
            loss: { batch, context in network.loss(network(batch.tokens, context: context).logits, labels: batch.labels!) },
            evaluate: { ClassifierEvaluator.evaluate(network, on: dev, batchSize: recipe.evaluationBatchSize).values })
        let reporter = ProgressReporter(label: "finetune", logEvery: recipe.logEvery)
        trainer.observer = reporter
        let started = Date()
        let history = try trainer.run(resume: resume)

        try BertCheckpoint.save(network, to: output, tokenizerSource: modelFolder)
        var results: [String: Any] = ["task": definition.name, "dev": jsonMetrics(history.last?.metrics ?? [:]),
                                      "train_seconds": history.reduce(0) { $0 + $1.seconds },
                                      "seconds_per_epoch": history.map(\.seconds), "wall_seconds": Date().timeIntervalSince(started)]
        if let test = try? source.load(.test), test.isLabeled, !test.examples.isEmpty {
            results["test"] = jsonMetrics(ClassifierEvaluator.evaluate(network, on: EncodedDataset(test, tokenizer: tokenizer, maxLength: maxLength)).values)
        }
        let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: output.appendingPathComponent("eval_results.json"))
        log("finetune: wrote \(out) (dev \(definition.primaryMetricName()) "
            + String(format: "%.4f", history.last?.metrics[definition.primaryMetricName()] ?? .nan) + ")")
    }
}

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
        let metrics = ClassifierEvaluator.evaluate(folder.model, on: EncodedDataset(dataset, tokenizer: try folder.tokenizer(), maxLength: maxLength),
                                                   batchSize: batchSize)
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

/// A line on standard error: progress and notes, apart from results on standard output.
func log(_ line: String) {
    try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
}
