import ArgumentParser
import Distill
import Foundation
import Models
import NN
import Tasks
import TensorCore
import Text
import Training

/// `kdnas distill`: distils a student of a given shape from a fine-tuned teacher.
struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distil a student from a fine-tuned teacher on a task.",
        discussion: """
            The teacher's outputs are computed once (memory, then a file) and reused every epoch.
            Example: kdnas distill --teacher runs/teacher --student half --task rotten-tomatoes --out runs/student \\
                       --losses od,hs --mapping uniform+last --init inherit
            """)

    @Option(help: "Fine-tuned teacher folder (a Hugging Face checkpoint with a classification head).")
    var teacher: String
    @Option(help: "Student: half, L<n>, small, tiny, or a config.json.")
    var student: String
    @OptionGroup var taskOptions: TaskOptions
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Comma-separated losses: ce (no teacher), od, hs, mha, att.")
    var losses = "od"
    @Option(help: "Layer mapping: last, uniform, uniform+last, uniform-consecutive.")
    var mapping = "uniform"
    @Flag(help: "Match the embedding outputs too (hidden-state loss).")
    var includeEmbeddings = false
    @Option(name: .customLong("init"), help: "inherit (from the teacher), random, or a student checkpoint folder of the same shape.")
    var initialization = "inherit"
    @Option(help: "Output-distribution temperature τ.")
    var temperature: Float = 2
    @Option(help: "Output-distribution λ (share of the KL term).")
    var lambda: Float = 0.5
    @Option(help: "MiniLMv2 relation heads.")
    var relationHeads = 4
    @Option(help: "Passes over the training set.")
    var epochs = 3
    @Option(help: "Peak learning rate.")
    var lr: Float = 1e-4
    @Option(help: "Examples per update.")
    var batchSize = 32
    @Option(help: "Tokens per example (default: 128, or the teacher's positions if fewer).")
    var maxLength: Int?
    @Option(help: "Seed of the data order, dropout and new weights.")
    var seed: UInt64 = 42
    @Option(help: "Memory for cached teacher outputs, in MiB, before they go to a file.")
    var cacheMemory = 2048
    @Flag(help: "Continue from the newest checkpoint in --out.")
    var resume = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let teacherFolder = try ModelFolder(teacher)
        guard !teacherFolder.report.headInitialized else {
            throw CommandError("\(teacher): the teacher has no classification head; fine-tune it first with kdnas finetune")
        }
        let teacherModel = teacherFolder.model
        let source = try taskOptions.source()
        guard teacherModel.config.numLabels == source.definition.numLabels else {
            throw CommandError("\(teacher): predicts \(teacherModel.config.numLabels) labels; \(source.definition.name) has \(source.definition.numLabels)")
        }
        var recipe = DistillationRecipe()
        recipe.losses = try losses.split(separator: ",").map { name in
            guard let loss = DistillationRecipe.Loss(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw ValidationError("--losses: unknown loss \(name); expected ce, od, hs, mha, att")
            }
            return loss
        }
        guard let layerMapping = LayerMapping(rawValue: mapping.lowercased()) else {
            throw ValidationError("--mapping \(mapping): expected last, uniform, uniform+last or uniform-consecutive")
        }
        (recipe.mapping, recipe.includeEmbeddings, recipe.temperature, recipe.lambda, recipe.relationHeads) =
            (layerMapping, includeEmbeddings, temperature, lambda, relationHeads)

        let studentConfig = try StudentPreset.config(student, teacher: teacherModel.config)
        let network: BertForSequenceClassification
        switch initialization.lowercased() {
        case "inherit": network = try StudentInitializer.make(studentConfig, from: teacherModel, initialization: .inherit(mapping: layerMapping), seed: seed)
        case "random": network = try StudentInitializer.make(studentConfig, from: teacherModel, initialization: .random, seed: seed)
        default:
            network = try BertCheckpoint.load(URL(fileURLWithPath: initialization), numLabels: studentConfig.numLabels,
                                              replacingHeadOfOtherSize: true, seed: seed).model
            guard network.config.hiddenSize == studentConfig.hiddenSize, network.config.numHiddenLayers == studentConfig.numHiddenLayers else {
                throw ValidationError("--init \(initialization): its shape differs from --student \(student)")
            }
        }
        network.relabel(source.definition.labelNames, regression: source.definition.isRegression)
        let distiller = try Distiller(student: network, teacherConfig: teacherModel.config, recipe: recipe, seed: seed)

        let maxLength = try ModelFolder.check(maxLength: self.maxLength, positions: min(studentConfig.maxPositionEmbeddings,
                                                                                         teacherModel.config.maxPositionEmbeddings))
        var training = TrainingConfiguration()
        (training.epochs, training.learningRate, training.batchSize, training.maxLength, training.seed) = (epochs, lr, batchSize, maxLength, seed)
        try training.validate()
        let tokenizer = try teacherFolder.tokenizer()
        let train = EncodedDataset(try source.load(.train), tokenizer: tokenizer, maxLength: maxLength)
        let dev = EncodedDataset(try source.load(.dev), tokenizer: tokenizer, maxLength: maxLength)
        let output = URL(fileURLWithPath: out)
        log("distill: \(source.definition.name), teacher \(teacher) (\(teacherModel.config.numHiddenLayers) layers, hidden "
            + "\(teacherModel.config.hiddenSize)) → student \(studentConfig.numHiddenLayers) layers, hidden \(studentConfig.hiddenSize), "
            + "\(studentConfig.numAttentionHeads) heads, FFN \(studentConfig.intermediateSize), \(network.parameterCount) parameters; "
            + "losses \(losses), mapping \(mapping), init \(initialization)")

        let cacheStart = Date()
        let cache = recipe.losses == [.ce] ? nil
            : try TeacherCache(teacher: teacherModel, dataset: train, request: distiller.teacherRequest,
                               memoryBudget: cacheMemory << 20, spillDirectory: output.appendingPathComponent("teacher-cache"))
        let cacheSeconds = Date().timeIntervalSince(cacheStart)
        if cache != nil { log(String(format: "distill: teacher outputs cached in %.1f s", cacheSeconds)) }

        let batcher = Batcher(dataset: train, batchSize: batchSize, order: .bucketed(seed: seed, chunkBatches: 50))
        let trainer = Trainer(
            configuration: training, parameters: distiller.parameters, directory: output,
            batches: { epoch in Array(batcher.batches(epoch: epoch)) },
            loss: { batch, context in distiller.loss(batch, teacher: try cache?.outputs(for: batch), context: context) },
            evaluate: { ClassifierEvaluator.evaluate(network, on: dev, batchSize: training.evaluationBatchSize).values })
        let reporter = ProgressReporter(label: "distill", logEvery: training.logEvery)
        trainer.observer = reporter
        let history = try trainer.run(resume: resume)
        try BertCheckpoint.save(network, to: output, tokenizerSource: URL(fileURLWithPath: teacher))
        let results: [String: Any] = [
            "task": source.definition.name, "dev": jsonMetrics(history.last?.metrics ?? [:]), "losses": losses, "mapping": mapping,
            "initialization": initialization, "parameters": network.parameterCount, "seconds_per_epoch": history.map(\.seconds),
            "teacher_cache_seconds": cacheSeconds,
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys]),
                             to: output.appendingPathComponent("eval_results.json"))
        try? FileManager.default.removeItem(at: output.appendingPathComponent("teacher-cache"))
        log("distill: wrote \(out) (dev \(source.definition.primaryMetricName()) "
            + String(format: "%.4f", history.last?.metrics[source.definition.primaryMetricName()] ?? .nan) + ")")
    }
}
