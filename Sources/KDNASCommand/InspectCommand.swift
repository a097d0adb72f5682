import ArgumentParser
import Foundation
import Models
import NN

/// `kdnas inspect`: a model folder's configuration, parameter count and tensor shapes.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model folder's configuration, parameter count and tensor shapes.",
        discussion: "Example: kdnas inspect cache/minilm")

    @Argument(help: "Hugging Face model folder.")
    var directory: String
    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let folder = try ModelFolder(directory)
        let config = folder.model.config
        let parameters = folder.model.namedParameters.filter { !(folder.report.headInitialized && $0.name.hasPrefix("classifier.")) }
        let count = parameters.reduce(0) { $0 + $1.tensor.count }
        if json {
            try printJSON([
                "layers": config.numHiddenLayers, "hidden_size": config.hiddenSize, "heads": config.numAttentionHeads,
                "intermediate_size": config.intermediateSize, "hidden_act": config.hiddenAct.rawValue,
                "vocab_size": config.vocabSize, "max_position_embeddings": config.maxPositionEmbeddings,
                "labels": folder.report.headInitialized ? [String]() : (0..<config.numLabels).map { config.id2label[$0] ?? "" },
                "has_classifier": !folder.report.headInitialized, "parameters": count,
                "tensors": Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.tensor.shape) }),
            ])
            return
        }
        print("model:       \(folder.url.path)")
        print("encoder:     \(config.numHiddenLayers) layers, hidden \(config.hiddenSize), \(config.numAttentionHeads) heads "
              + "(head size \(config.headSize)), FFN \(config.intermediateSize), \(config.hiddenAct.rawValue)")
        print("vocabulary:  \(config.vocabSize) tokens, \(config.maxPositionEmbeddings) positions, \(config.typeVocabSize) token types")
        print("head:        " + (folder.report.headInitialized ? "none (an encoder checkpoint)"
                                 : "\(config.isRegression ? "regression" : "classification"), labels "
                                 + (0..<config.numLabels).map { config.id2label[$0] ?? "?" }.joined(separator: ", ")))
        print("parameters:  \(count) (\(String(format: "%.1f", Double(count) / 1e6))M)")
        print("tensors:")
        for (name, tensor) in parameters { print("  \(name) \(tensor.shape)") }
    }
}
