import ArgumentParser
import Foundation
import Models
import TensorCore

/// `kdnas embed`: sentence embeddings, pooled as sentence-transformers does.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed each line of a file: the encoder's last hidden state, mean- or [CLS]-pooled.",
        discussion: "Example: kdnas embed --model cache/minilm --input sentences.txt --pooling mean --json")

    enum Pooling: String, ExpressibleByArgument, CaseIterable {
        case mean, cls
    }

    @OptionGroup var options: InferenceOptions
    @Option(help: "mean: average over attended tokens (sentence-transformers); cls: the [CLS] token.")
    var pooling: Pooling = .mean

    func run() throws {
        let (folder, batches) = try options.prepare()
        let hidden = folder.model.config.hiddenSize
        for (_, batch) in batches {
            let outputs = Autograd.noGrad { folder.model.bert(batch) }
            let pooled = pooling == .mean
                ? outputs.meanPooled(mask: batch.attentionMask)
                : outputs.lastHiddenState.slice(axis: 1, 0..<1).reshaped([batch.batch, hidden])
            let values = pooled.scalars
            for row in 0..<batch.batch {
                let vector = values[(row * hidden)..<((row + 1) * hidden)]
                if options.json {
                    try printJSON(["embedding": jsonNumbers(vector)])
                } else {
                    print(vector.map { String(format: "%.6f", $0) }.joined(separator: " "))
                }
            }
        }
    }
}
