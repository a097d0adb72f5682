import ArgumentParser
import Foundation
import Models
import TensorCore

/// `kdnas predict`: the classifier's logits, probabilities and label for each input line.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify each line of a file (a text, or a TAB-separated pair) with a fine-tuned model.",
        discussion: "Example: kdnas predict --model runs/teacher --input reviews.txt --json")

    @Option(help: "Hugging Face model folder with a classification head.")
    var model: String
    @Option(help: "Text file: one text, or text<TAB>pair, per line.")
    var input: String
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
        if folder.report.headInitialized {
            throw CommandError("\(model): has no classification head (no classifier.* weights); fine-tune it first with kdnas finetune")
        }
        let tokenizer = try folder.tokenizer()
        let config = folder.model.config
        let labels = config.numLabels
        for (_, batch) in folder.batches(try InputLine.read(input), tokenizer: tokenizer, maxLength: maxLength, batchSize: batchSize) {
            let logits = Autograd.noGrad { folder.model(batch).logits }
            let probabilities = config.isRegression ? nil : logits.softmax().scalars
            let values = logits.scalars
            for row in 0..<batch.batch {
                let rowLogits = values[(row * labels)..<((row + 1) * labels)]
                var object: [String: Any] = ["logits": jsonNumbers(rowLogits)]
                if let probabilities {
                    let rowProbabilities = probabilities[(row * labels)..<((row + 1) * labels)]
                    let best = rowProbabilities.indices.max { rowProbabilities[$0] < rowProbabilities[$1] }! - row * labels
                    object["probabilities"] = jsonNumbers(rowProbabilities)
                    object["label"] = config.id2label[best] ?? "\(best)"
                }
                if json {
                    try printJSON(object)
                } else if let label = object["label"] {
                    print("\(label)\t" + rowLogits.map { String(format: "%.4f", $0) }.joined(separator: " "))
                } else {
                    print(rowLogits.map { String(format: "%.6f", $0) }.joined(separator: " "))
                }
            }
        }
    }
}
