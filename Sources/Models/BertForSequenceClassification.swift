import NN
import TensorCore
import Text

/// BERT with a classification (or regression) head on the pooled output: transformers'
/// `BertForSequenceClassification`. Checkpoint keys: `bert.…`, `classifier.weight`, `classifier.bias`.
public final class BertForSequenceClassification: Layer {
    public let bert: BertModel
    /// pooled [B, H] → logits [B, numLabels].
    public let classifier: Linear

    /// A model initialised from `seed`, as transformers initialises a new one.
    public init(_ config: BertConfig, seed: UInt64 = 0) {
        bert = BertModel(config, seed: seed)
        classifier = Linear(config.hiddenSize, config.numLabels, std: Float(config.initializerRange), seed: seed &* 1000 + 998)
    }

    public var config: BertConfig { bert.config }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("bert", bert.namedParameters) + prefixed("classifier", classifier.namedParameters)
    }

    /// Logits [B, numLabels] and the encoder outputs asked for by `capture`. `firstTokenOnly` (see
    /// `BertModel`): the last layer computes only the [CLS] row the logits read.
    public func callAsFunction(_ batch: TokenBatch, capture: BertCapture = [], firstTokenOnly: Bool = false,
                               context: ForwardContext = .evaluation) -> (logits: Tensor, outputs: BertOutputs)
    {
        let outputs = bert(batch, capture: capture, firstTokenOnly: firstTokenOnly, context: context)
        let dropout = config.classifierDropout ?? config.hiddenDropoutProb
        return (classifier(context.dropout(outputs.pooled, Float(dropout))), outputs)
    }

    /// The task loss of `logits`: cross-entropy against class labels, or MSE for regression.
    public func loss(_ logits: Tensor, labels: [Float]) -> Tensor {
        if config.isRegression {
            return Tensor.meanSquaredError(logits.reshaped([labels.count]), Tensor(labels, shape: [labels.count]))
        }
        return Tensor.crossEntropy(logits, labels: labels.map { Int($0) })
    }
}

extension BertOutputs {
    /// Mean of the last hidden state over attended tokens [B, H], as sentence-transformers pools.
    public func meanPooled(mask: [Int]) -> Tensor {
        let (b, t) = (lastHiddenState.shape[0], lastHiddenState.shape[1])
        precondition(b * t == mask.count, "meanPooled: a last hidden state of shape \(lastHiddenState.shape) for a mask of \(mask.count) "
                         + "tokens; was it computed with firstTokenOnly?")
        let weights = Tensor(mask.map(Float.init), shape: [b, t, 1])
        let counts = weights.sum(axis: 1)                                     // [B, 1]
        let clamped = Tensor(counts.scalars.map { Swift.max($0, 1e-9) }, shape: [b, 1])
        return (lastHiddenState * weights).sum(axis: 1) / clamped               // [B, H]
    }
}

extension BertForSequenceClassification {
    /// Names the outputs (`id2label`) and the problem type, keeping the head's size.
    public func relabel(_ names: [String], regression: Bool) {
        var config = bert.config
        if !regression, names.count == config.numLabels {
            config.id2label = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.offset, $0.element) })
        }
        config.problemType = regression ? .regression : .singleLabelClassification
        bert.config = config
    }
}
