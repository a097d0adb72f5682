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
    @OptionGroup var trainingOptions: TrainingOptions
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let source = try taskOptions.source()
        let definition = source.definition
        let modelFolder = URL(fileURLWithPath: model)
        let (network, report) = try BertCheckpoint.load(modelFolder, numLabels: definition.numLabels, replacingHeadOfOtherSize: true,
                                                        seed: trainingOptions.seed)
        let recipe = try trainingOptions.configuration(positions: network.config.maxPositionEmbeddings, defaultLearningRate: 5e-5)
        let tokenizer = try BertTokenizer(directory: modelFolder)
        try ModelFolder.check(tokenizer, fits: network.config, folder: model)
        let train = EncodedDataset(try source.load(.train), tokenizer: tokenizer, maxLength: recipe.maxLength)
        let dev = EncodedDataset(try source.load(.dev), tokenizer: tokenizer, maxLength: recipe.maxLength)
        for data in [train, dev] { try network.config.check(data, file: modelFolder.appendingPathComponent("config.json").path) }
        network.relabel(definition.labelNames, regression: definition.isRegression)
        log("finetune: \(definition.name), \(train.count) training and \(dev.count) dev examples; model \(model) "
            + "(\(network.config.numHiddenLayers) layers, hidden \(network.config.hiddenSize))"
            + (report.headInitialized ? "; new classification head of \(definition.numLabels) labels" : ""))
        try trainingOptions.train("finetune", model: network, parameters: network.namedParameters, recipe: recipe, train: train,
                                  dev: dev, test: labelledTest(source, tokenizer: tokenizer, maxLength: recipe.maxLength),
                                  tokenizerSource: modelFolder) { batch, context in
            network.loss(network(batch.tokens, firstTokenOnly: true, context: context).logits, labels: batch.labels!)
        }
    }
}
