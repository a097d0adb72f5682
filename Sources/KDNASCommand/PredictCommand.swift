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

    @OptionGroup var options: InferenceOptions

    func run() throws {
        let (folder, batches) = try options.prepare()
        if folder.report.headInitialized {
            throw CommandError("\(options.model): has no classification head (no classifier.* weights); fine-tune it first with kdnas finetune")
        }
        let config = folder.model.config
        let labels = config.numLabels
        for (_, batch) in batches {
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
                if options.json {
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
