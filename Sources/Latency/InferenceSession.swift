// The forward pass of a deployed model: no autograd, no dropout, fused kernels, reused buffers.
import CKernels
import Foundation
import Models
import NN
import TensorCore
import Text

/// Runs a `BertForSequenceClassification` for inference, as fast as this engine can.
///
/// Differences from the training forward pass (`BertModel.callAsFunction`), none of which
/// changes the result beyond float rounding:
/// - every Linear weight is packed once, at creation, for the products of `PackedWeight` (Q, K and V
///   into one [3H, H] matrix), so that no call repacks them;
/// - the Q/K/V, pooler and classifier biases are added as their products are written; the FFN and
///   output biases by the activation and residual+LayerNorm passes that follow;
/// - attention runs per (sequence, head) on the same tile loops (`kd_attention_head`), the scale,
///   mask and softmax fused in one pass over a per-task score block, and the context written
///   straight into its place in [B·T, H];
/// - residual additions are fused into the LayerNorm that follows, activations run in place;
/// - every buffer is kept and reused by the next call of the same or a smaller size.
///
/// A session copies the model's Linear weights and Q/K/V biases when it is created and reads the
/// other biases, the embeddings and the LayerNorm parameters in place: create a new session after
/// training the model.
public final class InferenceSession {
    public let model: BertForSequenceClassification
    public var config: BertConfig { model.config }
    /// One encoder layer's packed weights.
    private struct PackedLayer {
        /// Query, key and value weights as one [3H, H] matrix, and their [3H] biases.
        var qkv: PackedWeight
        var qkvBias: Tensor
        var attentionOutput, intermediate, output: PackedWeight
    }
    private let layers: [PackedLayer]
    private let pooler, classifier: PackedWeight
    private let workspace = Workspace()

    public init(_ model: BertForSequenceClassification) {
        self.model = model
        func pack(_ linear: Linear) -> PackedWeight { pack(linear.weight) }
        func pack(_ weight: Tensor) -> PackedWeight { PackedWeight(weight.data, rows: weight.shape[0], columns: weight.shape[1]) }
        layers = Autograd.noGrad {
            model.bert.layers.map { layer in
                let attention = layer.attentionSelf
                return PackedLayer(
                    qkv: pack(Tensor.concatenate([attention.query.weight, attention.key.weight, attention.value.weight], axis: 0)),
                    qkvBias: Tensor.concatenate([attention.query.bias!, attention.key.bias!, attention.value.bias!], axis: 0).detached(),
                    attentionOutput: pack(layer.attentionOutput.dense), intermediate: pack(layer.intermediate), output: pack(layer.output.dense))
            }
        }
        (pooler, classifier) = (pack(model.bert.pooler), pack(model.classifier))
    }

    /// Logits [B, numLabels] of `batch`, row-major.
    public func logits(_ batch: TokenBatch) -> [Float] {
        let (b, t) = (batch.batch, batch.length)
        let config = config
        let (h, f, labels) = (config.hiddenSize, config.intermediateSize, config.numLabels)
        // Embedding rows are read through raw pointers: out-of-range ids must stop here, not read past a table.
        precondition(t <= config.maxPositionEmbeddings, "InferenceSession: length \(t) > max_position_embeddings \(config.maxPositionEmbeddings)")
        precondition(batch.inputIds.allSatisfy { (0..<config.vocabSize).contains($0) }, "InferenceSession: a token id outside the vocabulary")
        precondition(batch.tokenTypeIds.allSatisfy { (0..<config.typeVocabSize).contains($0) }, "InferenceSession: a token type outside type_vocab_size")
        workspace.reserve(rows: b * t, batch: b, config: config)
        let w = workspace
        embed(batch, into: w.hidden)
        fillMask(batch, into: w.mask)
        let rows = b * t
        for (layer, packed) in zip(model.bert.layers, layers) {
            let x = w.hidden
            // Packed projections: qkv = x·Wᵀ + b.
            packed.qkv.multiply(x, count: rows, bias: packed.qkvBias.data, into: w.qkv)
            attend(w.qkv, mask: w.mask, into: w.context, batch: b, length: t, hidden: h, heads: config.numAttentionHeads)
            // Output projection, residual and LayerNorm.
            let attentionOutput = layer.attentionOutput
            packed.attentionOutput.multiply(w.context, count: rows, into: w.projected)
            addLayerNorm(w.projected, bias: attentionOutput.dense.bias!.data, residual: x, norm: attentionOutput.LayerNorm, into: x,
                         rows: rows, columns: h)
            // Feed-forward block: the bias is added by the activation's pass, the output's by the LayerNorm's.
            packed.intermediate.multiply(x, count: rows, into: w.intermediate)
            activate(w.intermediate, bias: layer.intermediate.bias!.data, rows: rows, columns: f, activation: config.hiddenAct)
            let output = layer.output
            packed.output.multiply(w.intermediate, count: rows, into: w.projected)
            addLayerNorm(w.projected, bias: output.dense.bias!.data, residual: x, norm: output.LayerNorm, into: x, rows: rows, columns: h)
        }
        // Pooler on each [CLS] row, then the classifier.
        for row in 0..<b { (w.cls + row * h).update(from: w.hidden + row * t * h, count: h) }
        pooler.multiply(w.cls, count: b, bias: model.bert.pooler.bias!.data, into: w.pooled)
        kd_tanh(w.pooled, w.pooled, b * h)
        var logits = [Float](repeating: 0, count: b * labels)
        logits.withUnsafeMutableBufferPointer { out in
            classifier.multiply(w.pooled, count: b, bias: model.classifier.bias!.data, into: out.baseAddress!)
        }
        return logits
    }

    /// Word + position + token-type embeddings, then LayerNorm, into [B·T, H].
    private func embed(_ batch: TokenBatch, into hidden: UnsafeMutablePointer<Float>) {
        let embeddings = model.bert.embeddings
        let h = config.hiddenSize
        let (words, positions, types) = (SendablePointer(embeddings.word_embeddings.weight.data),
                                         SendablePointer(embeddings.position_embeddings.weight.data),
                                         SendablePointer(embeddings.token_type_embeddings.weight.data))
        let (gamma, beta) = (SendablePointer(embeddings.LayerNorm.weight.data), SendablePointer(embeddings.LayerNorm.bias.data))
        let eps = embeddings.LayerNorm.eps
        let out = SendablePointer(hidden)
        let (ids, typeIds, length) = (batch.inputIds, batch.tokenTypeIds, batch.length)
        Parallel.forChunks(batch.batch * length, grain: 64) { first, last in
            for row in first..<last {
                let y = out.base + row * h
                let (word, position, type) = (words.base + ids[row] * h, positions.base + (row % length) * h, types.base + typeIds[row] * h)
                for j in 0..<h { y[j] = word[j] + position[j] + type[j] }
            }
            kd_add_layer_norm(out.base + first * h, nil, nil, gamma.base, beta.base, out.base + first * h, last - first, h, eps)
        }
    }

    /// The additive key mask [B, T]: 0 for tokens, the float minimum for padding (as transformers).
    private func fillMask(_ batch: TokenBatch, into mask: UnsafeMutablePointer<Float>) {
        for (i, keep) in batch.attentionMask.enumerated() { mask[i] = keep == 0 ? -Float.greatestFiniteMagnitude : 0 }
    }

    /// Scaled dot-product attention of packed qkv [B·T, 3H] into context [B·T, H], one task per (sequence, head).
    private func attend(_ qkv: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, into context: UnsafeMutablePointer<Float>,
                        batch: Int, length t: Int, hidden h: Int, heads: Int) {
        let d = h / heads
        let scale = 1 / Float(d).squareRoot()
        let (qkv, mask, context) = (SendablePointer(qkv), SendablePointer(mask), SendablePointer(context))
        let scratchCount = kd_attention_head_scratch(t, d)
        Parallel.forChunks(batch * heads, grain: 1) { first, last in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
            defer { scratch.deallocate() }
            for task in first..<last {
                let (sequence, head) = (task / heads, task % heads)
                let base = qkv.base + sequence * t * 3 * h + head * d
                kd_attention_head(base, base + h, base + 2 * h, 3 * h, mask.base + sequence * t, t, d, scale, scratch,
                                  context.base + sequence * t * h + head * d, h)
            }
        }
    }

    /// y = LayerNorm(x + bias + residual), rows split over the threads.
    private func addLayerNorm(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, residual: UnsafeMutablePointer<Float>,
                              norm: NN.LayerNorm, into y: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        let (x, bias, residual, y) = (SendablePointer(x), SendablePointer(bias), SendablePointer(residual), SendablePointer(y))
        let (gamma, beta, eps) = (SendablePointer(norm.weight.data), SendablePointer(norm.bias.data), norm.eps)
        Parallel.forChunks(rows, grain: 64) { first, last in
            kd_add_layer_norm(x.base + first * columns, bias.base, residual.base + first * columns, gamma.base, beta.base,
                              y.base + first * columns, last - first, columns, eps)
        }
    }

    /// x = activation(x + bias) in place, rows split over the threads.
    private func activate(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns: Int,
                          activation: BertConfig.Activation) {
        let (x, bias) = (SendablePointer(x), SendablePointer(bias))
        let kind: kd_activation = switch activation {
        case .gelu: KD_GELU
        case .geluNew: KD_GELU_TANH
        case .relu: KD_RELU
        case .silu: KD_SILU
        }
        Parallel.forChunks(rows, grain: max(1, 16_384 / columns)) { first, last in
            kd_bias_activation_rows(Int32(kind.rawValue), x.base + first * columns, bias.base, last - first, columns)
        }
    }
}

/// The session's buffers, grown to the largest batch seen and then reused.
private final class Workspace {
    private var storage: UnsafeMutablePointer<Float>?
    private var capacity = 0
    private var pointers: [UnsafeMutablePointer<Float>] = []

    /// [B·T, H] hidden states, [B·T, 3H] packed projections, [B·T, H] attention context,
    /// [B·T, H] projection output, [B·T, F] FFN activations, [B·T] mask, [B, H] [CLS] rows, [B, H] pooled.
    var hidden: UnsafeMutablePointer<Float> { pointers[0] }
    var qkv: UnsafeMutablePointer<Float> { pointers[1] }
    var context: UnsafeMutablePointer<Float> { pointers[2] }
    var projected: UnsafeMutablePointer<Float> { pointers[3] }
    var intermediate: UnsafeMutablePointer<Float> { pointers[4] }
    var mask: UnsafeMutablePointer<Float> { pointers[5] }
    var cls: UnsafeMutablePointer<Float> { pointers[6] }
    var pooled: UnsafeMutablePointer<Float> { pointers[7] }

    deinit { storage?.deallocate() }

    /// Makes room for `rows` = B·T token rows of a model of `config`; keeps the buffer when it is large enough.
    func reserve(rows: Int, batch: Int, config: BertConfig) {
        let (h, f) = (config.hiddenSize, config.intermediateSize)
        let sizes = [rows * h, rows * 3 * h, rows * h, rows * h, rows * f, rows, batch * h, batch * h]
        let aligned = sizes.map { ($0 + 15) / 16 * 16 }  // 64-byte boundaries
        let needed = aligned.reduce(0, +)
        if needed > capacity {
            storage?.deallocate()
            storage = UnsafeMutablePointer<Float>.allocate(capacity: needed)
            capacity = needed
        }
        var cursor = storage!
        pointers = aligned.map { size in
            defer { cursor += size }
            return cursor
        }
    }
}
