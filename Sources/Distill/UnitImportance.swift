// How much each of the teacher's feed-forward units contributes on real text: what an inherited
// student keeps when its FFN is narrower than the teacher's.
import Foundation
import Models
import Tasks
import TensorCore
import Text

/// The importance of each feed-forward unit of each teacher layer, measured on examples of the task.
///
/// Unit j of a layer adds a_j · W_out[:, j] to the layer's output, a_j its activation; its importance is the
/// mean of |a_j| over the examples' tokens (padding excluded) times ‖W_out[:, j]‖₂. Weight norms alone
/// (the intermediate row's, `StudentInitializer`'s rule without a measurement) ignore what the activation
/// does with the input. On the bundled task (bench/unit_importance.py, bench/results/unit-importance-2026-12-08-zen4.md),
/// the teacher cut to 192, 384 and 768 of its 1,536 units per layer scored 0.764, 0.770 and 0.803 on dev
/// before any training with the importance of 512 examples, against 0.656, 0.715 and 0.774 by row norm;
/// after a proxy's budget (10% of train, one epoch) the cut students scored 2.0 points higher on dev on average;
/// after the final stage's two epochs on all of train, no higher (test −0.06 points on average over nine
/// pairs, dev −0.46). So it is an option (`--unit-importance 512`), not the default.
public struct UnitImportance: Equatable, Sendable {
    /// Per teacher layer (0-based), per feed-forward unit.
    public var feedForward: [[Double]]

    public init(feedForward: [[Double]]) { self.feedForward = feedForward }

    /// `--unit-importance`: 0 (weight norms) to 100,000 examples, and 0 unless the student is inherited (`inherits`).
    public static func check(examples: Int, inherits: Bool) throws(DistillationError) {
        guard (0...100_000).contains(examples) else {
            throw .invalid("--unit-importance \(examples)", "0 (rank FFN units by weight norm) to 100000 training examples")
        }
        guard examples == 0 || inherits else {
            throw .invalid("--unit-importance \(examples)", "0 with --init other than inherit (it ranks an inherited student's units)")
        }
    }

    /// The importance measured with `teacher` on `examples` examples of `dataset` spread evenly over it (every
    /// count/examples-th from the first, so a file sorted by label gives both labels; all of them when fewer),
    /// in batches of 32 in their order: the same data gives the same figures.
    public static func measure(_ teacher: BertForSequenceClassification, on dataset: EncodedDataset, examples: Int) -> UnitImportance {
        let count = min(examples, dataset.count)
        let chosen = (0..<count).map { $0 * dataset.count / max(1, count) }
        let batcher = Batcher(dataset: dataset.subset(chosen), batchSize: 32, order: .original)
        return measure(teacher, on: batcher.batches().lazy.map(\.tokens))
    }

    /// The importance measured with `teacher` on the tokens of `batches` (padding excluded).
    public static func measure(_ teacher: BertForSequenceClassification, on batches: some Sequence<TokenBatch>) -> UnitImportance {
        let width = teacher.config.intermediateSize
        var sums = [[Double]](repeating: [Double](repeating: 0, count: width), count: teacher.config.numHiddenLayers)
        var tokens = 0
        Autograd.noGrad {
            for batch in batches {
                let outputs = teacher.bert(batch, capture: .feedForward)
                tokens += batch.attentionMask.reduce(0, +)
                for (layer, activations) in outputs.feedForward.enumerated() {
                    let values = activations.data
                    for row in 0..<(batch.batch * batch.length) where batch.attentionMask[row] != 0 {
                        let base = values + row * width
                        for j in 0..<width { sums[layer][j] += Double(abs(base[j])) }
                    }
                }
            }
        }
        let count = Double(max(1, tokens))
        let feedForward = teacher.bert.layers.enumerated().map { index, layer in
            // ‖W_out[:, j]‖₂ of the [H, FFN] output weights.
            zip(sums[index], StudentInitializer.columnNorms(layer.output.dense.weight)).map { $0 / count * $1.squareRoot() }
        }
        return UnitImportance(feedForward: feedForward)
    }
}
