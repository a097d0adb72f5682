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

    @Option(help: "Hugging Face model folder.")
    var model: String
    @Option(help: "Text file: one text, or text<TAB>pair, per line.")
    var input: String
    @Option(help: "mean: average over attended tokens (sentence-transformers); cls: the [CLS] token.")
    var pooling: Pooling = .mean
    @Option(help: "Truncate inputs to this many tokens.")
    var maxLength = 128
    @Option(help: "Inputs per forward pass.")
    var batchSize = 32
    @Flag(help: "Print one JSON object per input line.")
    var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let folder = try ModelFolder(model)
        let tokenizer = try folder.tokenizer()
        let lines = try InputLine.read(input)
        let hidden = folder.model.config.hiddenSize
        for (_, batch) in folder.batches(lines, tokenizer: tokenizer, maxLength: maxLength, batchSize: batchSize) {
            let outputs = Autograd.noGrad { folder.model.bert(batch) }
            let pooled = pooling == .mean
                ? outputs.meanPooled(mask: batch.attentionMask)
                : outputs.lastHiddenState.slice(axis: 1, 0..<1).reshaped([batch.batch, hidden])
            let values = pooled.scalars
            for row in 0..<batch.batch {
                let vector = values[(row * hidden)..<((row + 1) * hidden)]
                if json {
                    try printJSON(["embedding": jsonNumbers(vector)])
                } else {
                    print(vector.map { String(format: "%.6f", $0) }.joined(separator: " "))
                }
            }
        }
    }
}
