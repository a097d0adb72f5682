import Models
import NN
import Tasks
import TensorCore

/// Predictions and metrics of a sequence classifier on a dataset: what `kdnas evaluate`, the
/// end of every epoch and every distilled candidate report.
public enum ClassifierEvaluator {
    /// The model's prediction for every example, in dataset order (no dropout, no graph).
    public static func predict(_ model: BertForSequenceClassification, on dataset: EncodedDataset, batchSize: Int = 64) -> [Label] {
        var predictions = [Label?](repeating: nil, count: dataset.count)
        let regression = model.config.isRegression
        let labels = model.config.numLabels
        Autograd.noGrad {
            for batch in Batcher.evaluation(dataset, batchSize: batchSize).batches() {
                let logits = model(batch.tokens, firstTokenOnly: true).logits.scalars
                for (row, index) in batch.indices.enumerated() {
                    let scores = logits[(row * labels)..<((row + 1) * labels)]
                    predictions[index] = regression
                        ? .value(Double(scores.first!))
                        : .classIndex(scores.indices.max { scores[$0] < scores[$1] }! - row * labels)
                }
            }
        }
        return predictions.map { $0! }
    }

    /// The task's metrics of `model` on a labelled `dataset`.
    public static func evaluate(_ model: BertForSequenceClassification, on dataset: EncodedDataset, batchSize: Int = 64) -> TaskMetrics {
        dataset.dataset.definition.evaluate(predictions: predict(model, on: dataset, batchSize: batchSize), on: dataset.dataset)
    }
}
