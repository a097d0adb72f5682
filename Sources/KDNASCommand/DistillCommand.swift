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
    @Option(help: "Comma-separated losses: ce (no teacher), od, hs, mha, att.")
    var losses = "od"
    @Option(help: "Layer mapping: last, uniform, uniform+last, uniform-consecutive.")
    var mapping = "uniform"
    @Flag(help: "Match the embedding outputs too (hidden-state loss).")
    var includeEmbeddings = false
    @Option(name: .customLong("init"), help: "inherit (from the teacher), random, or a student checkpoint folder of the same shape.")
    var initialization = "inherit"
    @Option(help: "Which teacher layers an inherited student keeps: last, uniform, uniform+last, uniform-consecutive (the first mapped layer).")
    var inheritMapping = "uniform"
    @Option(help: "Rank the teacher's FFN units for an inherited student by their activations on this many training examples, e.g. 512 (0: by weight norm).")
    var unitImportance = 0
    @Option(help: "Output-distribution temperature τ.")
    var temperature: Float = 2
    @Option(help: "Output-distribution λ (share of the KL term).")
    var lambda: Float = 0.5
    @Option(help: "MiniLMv2 relation heads.")
    var relationHeads = 4
    @Option(help: "Memory for cached teacher outputs, in MiB, before they go to a file.")
    var cacheMemory = 2048
    @Option(help: "Keep the teacher's outputs in this folder and reuse them in later runs with the same teacher, data and layers.")
    var teacherCache: String?
    @Option(help: "Perturbed copies of each training example added to the transfer set (masked and replaced words, spans; 0 for none).")
    var augment = 0
    @OptionGroup var trainingOptions: TrainingOptions
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let teacherFolder = try ModelFolder(teacher)
        guard !teacherFolder.report.headInitialized else {
            throw CommandError("\(teacher): the teacher has no classification head; fine-tune it first with kdnas finetune")
        }
        let teacherModel = teacherFolder.model
        let source = try taskOptions.source()
        try Distiller.checkTeacher(teacherModel.config, path: teacher, fits: source.definition)
        let memoryBudget = try TeacherCache.memoryBudget(mebibytes: cacheMemory)
        var recipe = DistillationRecipe()
        recipe.losses = try DistillationRecipe.losses(losses)
        let layerMapping = try DistillationRecipe.mapping(mapping)
        let inheritedLayers = try DistillationRecipe.mapping(inheritMapping, option: "--inherit-mapping")
        (recipe.mapping, recipe.includeEmbeddings, recipe.temperature, recipe.lambda, recipe.relationHeads) =
            (layerMapping, includeEmbeddings, temperature, lambda, relationHeads)

        try UnitImportance.check(examples: unitImportance, inherits: initialization.lowercased() == "inherit")

        let seed = trainingOptions.seed
        let studentConfig = try StudentPreset.config(student, teacher: teacherModel.config)
        // The student's shape is checked before the data is read (and the teacher's units measured on it).
        try studentConfig.validate()
        if initialization.lowercased() == "inherit" { try StudentInitializer.checkInheritable(studentConfig, from: teacherModel.config) }
        let training = try trainingOptions.configuration(
            positions: min(studentConfig.maxPositionEmbeddings, teacherModel.config.maxPositionEmbeddings), defaultLearningRate: 1e-4)
        let tokenizer = try teacherFolder.tokenizer()
        let augmentation = TextAugmentation(copies: augment)
        try augmentation.validate()
        let trainSet = try source.load(.train)
        let train = augmentation.encoded(trainSet, tokenizer: tokenizer, maxLength: training.maxLength, seed: seed)
        let dev = EncodedDataset(try source.load(.dev), tokenizer: tokenizer, maxLength: training.maxLength)
        for data in [train, dev] { try teacherModel.config.check(data, file: teacherFolder.url.appendingPathComponent("config.json").path) }
        let network: BertForSequenceClassification
        var importance: UnitImportance?
        switch initialization.lowercased() {
        case "inherit":
            // Measured on the training examples themselves, not their perturbed copies (which follow them).
            if unitImportance > 0 && studentConfig.intermediateSize < teacherModel.config.intermediateSize {
                importance = UnitImportance.measure(teacherModel, on: train.subset(Array(0..<trainSet.count)), examples: unitImportance)
            }
            network = try StudentInitializer.make(studentConfig, from: teacherModel,
                                                  initialization: .inherit(mapping: inheritedLayers, importance: importance), seed: seed)
        case "random": network = try StudentInitializer.make(studentConfig, from: teacherModel, initialization: .random, seed: seed)
        default:
            network = try BertCheckpoint.load(URL(fileURLWithPath: initialization), numLabels: studentConfig.numLabels,
                                              replacingHeadOfOtherSize: true, seed: seed).model
            guard network.config.hiddenSize == studentConfig.hiddenSize, network.config.numHiddenLayers == studentConfig.numHiddenLayers else {
                throw ValidationError("--init \(initialization): its shape differs from --student \(student)")
            }
        }
        for data in [train, dev] { try network.config.check(data, file: "--student \(student)") }
        network.relabel(source.definition.labelNames, regression: source.definition.isRegression)
        let distiller = try Distiller(student: network, teacherConfig: teacherModel.config, recipe: recipe, seed: seed)
        let output = URL(fileURLWithPath: trainingOptions.out)
        let ranking = importance == nil ? "" : " (FFN units ranked on \(min(unitImportance, trainSet.count)) training examples)"
        log("distill: \(source.definition.name), teacher \(teacher) (\(teacherModel.config.numHiddenLayers) layers, hidden "
            + "\(teacherModel.config.hiddenSize)) → student \(studentConfig.numHiddenLayers) layers, hidden \(studentConfig.hiddenSize), "
            + "\(studentConfig.numAttentionHeads) heads, FFN \(studentConfig.intermediateSize), \(network.parameterCount) parameters; "
            + "losses \(losses), mapping \(mapping), init \(initialization)" + ranking
            + (augment > 0 ? "; transfer set \(train.count) examples (\(augment) perturbed copies of each)" : ""))

        let cacheStart = Date()
        let cache: TeacherCache?
        if recipe.losses == [.ce] {
            cache = nil
        } else if let teacherCache {
            cache = try TeacherCache(teacher: teacherModel, dataset: train, request: distiller.teacherRequest,
                                     keptIn: URL(fileURLWithPath: teacherCache))
        } else {
            cache = try TeacherCache(teacher: teacherModel, dataset: train, request: distiller.teacherRequest,
                                     memoryBudget: memoryBudget, spillDirectory: output.appendingPathComponent("teacher-cache"))
        }
        let cacheSeconds = Date().timeIntervalSince(cacheStart)
        if let cache {
            log(String(format: "distill: teacher outputs %@ in %.1f s", cache.reused ? "read from \(cache.keptFile!.path)" : "computed", cacheSeconds))
        }
        defer { try? FileManager.default.removeItem(at: output.appendingPathComponent("teacher-cache")) }

        try trainingOptions.train("distill", model: network, parameters: distiller.parameters, recipe: training, train: train, dev: dev,
                                  test: labelledTest(source, tokenizer: tokenizer, maxLength: training.maxLength),
                                  tokenizerSource: URL(fileURLWithPath: teacher),
                                  extraResults: ["losses": losses, "mapping": mapping, "initialization": initialization,
                                                 "teacher_cache_seconds": cacheSeconds,
                                                 "teacher_cache_reused": cache?.reused ?? false, "inherit_mapping": inheritMapping, "augment": augment]) { batch, context in
            distiller.loss(batch, teacher: try cache?.outputs(for: batch), context: context)
        }
    }
}
