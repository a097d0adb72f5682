// The BERT encoder (Devlin et al. 2019) as transformers' `BertModel` computes it, eager attention.
// Classes in reading order: embeddings, self-attention, layer, encoder, pooler, model.
// Property names follow the checkpoint keys (`encoder.layer.0.attention.self.query.weight`).
import Foundation
import NN
import TensorCore
import Text

/// Which intermediate tensors a forward pass should return (distillation needs them).
public struct BertCapture: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The embedding output and every layer's output.
    public static let hiddenStates = BertCapture(rawValue: 1)
    /// Every layer's attention probabilities [B, heads, T, T].
    public static let attentions = BertCapture(rawValue: 2)
    /// Every layer's query, key and value projections [B, T, H].
    public static let queryKeyValue = BertCapture(rawValue: 4)
    /// Every layer's feed-forward activations [B, T, FFN] (after the activation function).
    public static let feedForward = BertCapture(rawValue: 8)
}

/// What `BertModel` computes.
public struct BertOutputs {
    /// [B, T, H], or [B, 1, H] (the [CLS] row) when computed with `firstTokenOnly`.
    public let lastHiddenState: Tensor
    /// tanh(dense([CLS])) [B, H].
    public let pooled: Tensor
    /// Embedding output, then each layer's output [B, T, H], when captured.
    public let hiddenStates: [Tensor]
    /// Each layer's attention probabilities [B, heads, T, T], when captured.
    public let attentions: [Tensor]
    /// Each layer's query, key and value projections side by side [B, T, 3H], as the layer computes
    /// them (one product), when captured.
    public let packedQueryKeyValue: [Tensor]
    /// Each layer's feed-forward activations [B, T, FFN], when captured.
    public let feedForward: [Tensor]

    /// Each layer's (query, key, value) projections [B, T, H], when captured: slices (copies) of
    /// `packedQueryKeyValue`, made on each read.
    public var queryKeyValue: [(query: Tensor, key: Tensor, value: Tensor)] {
        packedQueryKeyValue.map { qkv in
            let h = qkv.shape[2] / 3
            return (qkv.slice(axis: 2, 0..<h), qkv.slice(axis: 2, h..<2 * h), qkv.slice(axis: 2, 2 * h..<3 * h))
        }
    }
}

/// Word, position and token-type embeddings, summed, normalised and dropped out.
public final class BertEmbeddings: Layer {
    public let word_embeddings: Embedding
    public let position_embeddings: Embedding
    public let token_type_embeddings: Embedding
    public let LayerNorm: NN.LayerNorm
    let dropout: Double

    init(_ config: BertConfig, seed: UInt64) {
        let std = Float(config.initializerRange)
        word_embeddings = Embedding(config.vocabSize, config.hiddenSize, std: std, paddingIndex: config.padTokenId, seed: seed)
        position_embeddings = Embedding(config.maxPositionEmbeddings, config.hiddenSize, std: std, seed: seed + 1)
        token_type_embeddings = Embedding(config.typeVocabSize, config.hiddenSize, std: std, seed: seed + 2)
        LayerNorm = NN.LayerNorm(config.hiddenSize, eps: Float(config.layerNormEps))
        dropout = config.hiddenDropoutProb
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("word_embeddings", word_embeddings.namedParameters)
            + prefixed("position_embeddings", position_embeddings.namedParameters)
            + prefixed("token_type_embeddings", token_type_embeddings.namedParameters)
            + prefixed("LayerNorm", LayerNorm.namedParameters)
    }

    /// [B, T, H].
    func callAsFunction(_ batch: TokenBatch, context: ForwardContext) -> Tensor {
        let shape = [batch.batch, batch.length]
        let positions = (0..<batch.batch).flatMap { _ in 0..<batch.length }
        let sum = word_embeddings(batch.inputIds, shape: shape)
            + token_type_embeddings(batch.tokenTypeIds, shape: shape)
            + position_embeddings(positions, shape: shape)
        return context.dropout(LayerNorm(sum), Float(dropout))
    }
}

/// Multi-head self-attention: projections, scaled dot products, masked softmax, weighted values.
public final class BertSelfAttention: Layer {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    let heads: Int
    let dropout: Double

    init(_ config: BertConfig, seed: UInt64) {
        let (h, std) = (config.hiddenSize, Float(config.initializerRange))
        query = Linear(h, h, std: std, seed: seed)
        key = Linear(h, h, std: std, seed: seed + 1)
        value = Linear(h, h, std: std, seed: seed + 2)
        heads = config.numAttentionHeads
        dropout = config.attentionProbsDropoutProb
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("query", query.namedParameters) + prefixed("key", key.namedParameters) + prefixed("value", value.namedParameters)
    }

    /// x [B, T, H], mask [B, 1, 1, T] (additive) → context [B, q, H], probabilities [B, heads, q, T],
    /// and the packed projections [B, T, 3H] (query, key, value side by side), where q is `queries`
    /// (the first tokens of each sequence) or T.
    func callAsFunction(_ x: Tensor, mask: Tensor, queries: Int? = nil, context: ForwardContext)
        -> (context: Tensor, probabilities: Tensor, qkv: Tensor)
    {
        // One product for the three projections: their weights stacked [3H, H].
        let weight = Tensor.concatenate([query.weight, key.weight, value.weight], axis: 0)
        let bias = Tensor.concatenate([query.bias!, key.bias!, value.bias!], axis: 0)
        let qkv = x.linear(weight: weight, bias: bias)                        // [B, T, 3H]
        let probabilities = Tensor.attentionProbabilities(qkv, heads: heads, mask: mask, queries: queries)  // [B, heads, q, T]
        let merged = Tensor.attentionContext(context.dropout(probabilities, Float(dropout)), qkv, heads: heads)  // [B, q, H]
        return (merged, probabilities, qkv)
    }
}

/// Dense projection, dropout, residual and LayerNorm: `attention.output` and `output` of a layer.
public final class BertResidualOutput: Layer {
    public let dense: Linear
    public let LayerNorm: NN.LayerNorm
    let dropout: Double

    init(_ inFeatures: Int, _ config: BertConfig, seed: UInt64) {
        dense = Linear(inFeatures, config.hiddenSize, std: Float(config.initializerRange), seed: seed)
        LayerNorm = NN.LayerNorm(config.hiddenSize, eps: Float(config.layerNormEps))
        dropout = config.hiddenDropoutProb
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("dense", dense.namedParameters) + prefixed("LayerNorm", LayerNorm.namedParameters)
    }

    /// LayerNorm(dropout(dense(x)) + residual).
    func callAsFunction(_ x: Tensor, residual: Tensor, context: ForwardContext) -> Tensor {
        LayerNorm(context.dropout(dense(x), Float(dropout)) + residual)
    }
}

/// One encoder layer: self-attention and a feed-forward block, each with a residual LayerNorm.
public final class BertLayer: Layer {
    public let attentionSelf: BertSelfAttention
    public let attentionOutput: BertResidualOutput
    /// `intermediate.dense`: hidden → FFN width.
    public let intermediate: Linear
    public let output: BertResidualOutput
    let activation: BertConfig.Activation

    init(_ config: BertConfig, seed: UInt64) {
        attentionSelf = BertSelfAttention(config, seed: seed)
        attentionOutput = BertResidualOutput(config.hiddenSize, config, seed: seed + 3)
        intermediate = Linear(config.hiddenSize, config.intermediateSize, std: Float(config.initializerRange), seed: seed + 4)
        output = BertResidualOutput(config.intermediateSize, config, seed: seed + 5)
        activation = config.hiddenAct
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("attention.self", attentionSelf.namedParameters)
            + prefixed("attention.output", attentionOutput.namedParameters)
            + prefixed("intermediate.dense", intermediate.namedParameters)
            + prefixed("output", output.namedParameters)
    }

    /// x [B, T, H] → [B, T, H], with the attention's probabilities, packed projections [B, T, 3H] and
    /// feed-forward activations [B, T, FFN].
    /// With `firstTokenOnly`, the output, probabilities and activations are those of the first token of each
    /// sequence only ([B, 1, H], [B, heads, 1, T] and [B, 1, FFN]); keys, values and projections still cover all.
    func callAsFunction(_ x: Tensor, mask: Tensor, firstTokenOnly: Bool = false, context: ForwardContext)
        -> (output: Tensor, probabilities: Tensor, qkv: Tensor, feedForward: Tensor)
    {
        let attention = attentionSelf(x, mask: mask, queries: firstTokenOnly ? 1 : nil, context: context)
        let residual = firstTokenOnly ? x.slice(axis: 1, 0..<1) : x
        let attended = attentionOutput(attention.context, residual: residual, context: context)
        let hidden = intermediate(attended)                                   // [B, T or 1, FFN]
        let activated: Tensor
        switch activation {
        case .gelu: activated = hidden.gelu(overwritingInput: true)  // `hidden` is read by nothing else
        case .geluNew: activated = hidden.geluTanh()
        case .relu: activated = hidden.relu()
        case .silu: activated = hidden.silu()
        }
        return (output(activated, residual: attended, context: context), attention.probabilities, attention.qkv, activated)
    }
}

/// The BERT encoder with its pooler: `BertModel` of transformers.
public final class BertModel: Layer {
    /// The configuration; labels and problem type may be renamed after loading (`relabel`).
    public internal(set) var config: BertConfig
    public let embeddings: BertEmbeddings
    /// `encoder.layer.N`.
    public let layers: [BertLayer]
    /// `pooler.dense`: tanh(dense(h[CLS])).
    public let pooler: Linear

    /// A model initialised as transformers does (normal(0, initializer_range), zero biases,
    /// unit LayerNorms), from `seed`.
    public init(_ config: BertConfig, seed: UInt64 = 0) {
        self.config = config
        embeddings = BertEmbeddings(config, seed: seed &* 1000)
        layers = (0..<config.numHiddenLayers).map { BertLayer(config, seed: seed &* 1000 + 10 * UInt64($0 + 1)) }
        pooler = Linear(config.hiddenSize, config.hiddenSize, std: Float(config.initializerRange), seed: seed &* 1000 + 999)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("embeddings", embeddings.namedParameters)
            + layers.enumerated().flatMap { prefixed("encoder.layer.\($0.offset)", $0.element.namedParameters) }
            + prefixed("pooler.dense", pooler.namedParameters)
    }

    /// Runs the encoder over `batch`, returning what `capture` asks for besides the last hidden state.
    ///
    /// `firstTokenOnly`, for callers that read only the pooled output (a classifier's logits, with or
    /// without the projections of `.queryKeyValue`): the last layer computes its [CLS] row only, the
    /// one the pooler reads, so `lastHiddenState` is [B, 1, H]. Its attention output and feed-forward
    /// block shrink from T rows to 1: the same values up to rounding in evaluation; in training the
    /// last layer's dropout masks are drawn for the rows computed, so a seeded run draws different
    /// masks from there on than without it. Ignored when `capture` asks for hidden states, attention
    /// maps or feed-forward activations, which need every row.
    public func callAsFunction(_ batch: TokenBatch, capture: BertCapture = [], firstTokenOnly: Bool = false,
                               context: ForwardContext = .evaluation) -> BertOutputs {
        let pruned = firstTokenOnly && capture.isDisjoint(with: [.hiddenStates, .attentions, .feedForward])
        let mask = Tensor.additiveAttentionMask(Tensor(batch.attentionMask.map(Float.init), shape: [batch.batch, batch.length]))
        var hidden = embeddings(batch, context: context)
        var hiddenStates = capture.contains(.hiddenStates) ? [hidden] : []
        var attentions: [Tensor] = []
        var projections: [Tensor] = []
        var feedForward: [Tensor] = []
        for (index, layer) in layers.enumerated() {
            let result = layer(hidden, mask: mask, firstTokenOnly: pruned && index == layers.count - 1, context: context)
            hidden = result.output
            if capture.contains(.hiddenStates) { hiddenStates.append(hidden) }
            if capture.contains(.attentions) { attentions.append(result.probabilities) }
            if capture.contains(.queryKeyValue) { projections.append(result.qkv) }
            if capture.contains(.feedForward) { feedForward.append(result.feedForward) }
        }
        let first = hidden.slice(axis: 1, 0..<1).reshaped([batch.batch, config.hiddenSize])  // [B, H], the [CLS] token
        let pooled = pooler(first).tanh()
        return BertOutputs(lastHiddenState: hidden, pooled: pooled, hiddenStates: hiddenStates,
                           attentions: attentions, packedQueryKeyValue: projections, feedForward: feedForward)
    }
}
