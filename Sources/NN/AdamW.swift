import CKernels
import Foundation
import TensorCore

/// Adam with decoupled weight decay (Loshchilov & Hutter 2019), as `torch.optim.AdamW`.
///
///     m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
///     θ ← θ − lr·λ·θ  (decayed parameters only)
///     θ ← θ − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)
public final class AdamW {
    /// One optimised tensor and whether weight decay applies to it.
    public struct Group {
        public let name: String
        public let parameter: Tensor
        public let decay: Bool
    }

    /// The optimised tensors in a fixed order.
    public let groups: [Group]
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// Steps taken so far (t).
    public private(set) var step = 0
    /// First and second moments, one buffer pair per group.
    private var moments: [(m: TensorStorage, v: TensorStorage)]
    /// The groups whose rows are stepped lazily (`DeferredRows`), in group order.
    private let deferred: [(group: Int, rows: DeferredRows)]

    /// AdamW over `parameters`; weight decay skips biases and LayerNorm weights, as BERT's recipe does.
    /// With `deferringRows`, the word embeddings' rows that a step's gradient misses take that step
    /// when they are next read or reached (the same bits; see `DeferredRows`), and whoever reads the
    /// whole tensor calls `synchronize()` first.
    public init(_ parameters: [(name: String, tensor: Tensor)], beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0.01, deferringRows: Bool = true) {
        groups = parameters.map { Group(name: $0.name, parameter: $0.tensor, decay: AdamW.decays($0.name)) }
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        let moments = groups.map { (m: TensorStorage(count: $0.parameter.count), v: TensorStorage(count: $0.parameter.count)) }
        self.moments = moments
        let groups = groups
        deferred = groups.indices.filter { deferringRows && AdamW.defersRows(groups[$0].name, shape: groups[$0].parameter.shape) }
            .map { ($0, DeferredRows(parameter: groups[$0].parameter, m: moments[$0].m, v: moments[$0].v)) }
    }

    /// Applies every step held back, so that the parameters and moments may be read whole.
    deinit { synchronize() }

    /// Whether a parameter's rows are stepped lazily: word embeddings of more than one row.
    public static func defersRows(_ name: String, shape: [Int]) -> Bool {
        name.hasSuffix("word_embeddings.weight") && shape.count == 2 && shape[0] > 1 && shape[1] > 0
    }

    /// Applies every step held back for rows that no gradient or read has reached since: call it
    /// before reading parameters or moments whole (a checkpoint, an evaluation, an export).
    public func synchronize() {
        for (_, rows) in deferred { rows.applyAllPending() }
    }

    /// Whether a parameter of this name gets weight decay: not biases, not LayerNorm weights.
    public static func decays(_ name: String) -> Bool {
        !(name.hasSuffix("bias") || name.contains("LayerNorm") || name.contains("layer_norm"))
    }

    /// Applies one update with learning rate `lr` from the current gradients scaled by `gradientScale`
    /// (clipping's factor, folded in so the gradients are not rewritten first); parameters without a
    /// gradient are skipped. Every parameter is cut into fixed chunks, and all chunks of all parameters
    /// run in one parallel loop (one fused C pass each over θ, g, m, v); deferred rows step on their own.
    public func update(lr: Float, gradientScale: Float = 1) {
        precondition(gradientScale.isFinite, "AdamW.update: gradient scale \(gradientScale) is not finite")
        step += 1
        let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
        let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(step)))
        let stepSize = lr / correction1, inverseRoot2 = 1 / correction2.squareRoot()
        let (b1, b2, eps, decayed) = (beta1, beta2, eps, 1 - lr * weightDecay)
        for (index, rows) in deferred {
            guard let grad = groups[index].parameter.grad else { continue }
            rows.step(DeferredRows.Step(beta1: b1, beta2: b2, stepSize: stepSize, inverseRoot2: inverseRoot2, eps: eps,
                                        decay: groups[index].decay ? decayed : 1),
                      gradient: grad, scale: gradientScale)
        }
        let work = chunks.compactMap { chunk -> (theta: SendablePointer<Float>, g: SendablePointer<Float>, m: SendablePointer<Float>, v: SendablePointer<Float>,
                                                 count: Int, decay: Float)? in
            let group = groups[chunk.group]
            guard let grad = group.parameter.grad else { return nil }
            let (m, v) = moments[chunk.group]
            return (SendablePointer(group.parameter.data + chunk.start), SendablePointer(grad.data + chunk.start),
                    SendablePointer(m.pointer + chunk.start), SendablePointer(v.pointer + chunk.start), chunk.count,
                    group.decay ? decayed : 1)
        }
        Parallel.forChunks(work.count, grain: 1) { first, last in
            for w in work[first..<last] {
                kd_adamw(w.theta.base, w.g.base, w.m.base, w.v.base, w.count, gradientScale, b1, b2, stepSize, inverseRoot2, eps, w.decay)
            }
        }
    }

    /// The elements one task of `update` or `gradientNorm` handles.
    public static let chunkSize = 1 << 16
    /// The pieces of `count` elements that many tasks split: (start, count), `chunkSize` long but the last.
    static func pieces(_ count: Int) -> [(start: Int, count: Int)] {
        stride(from: 0, to: count, by: chunkSize).map { ($0, min(chunkSize, count - $0)) }
    }
    /// Every parameter but the deferred ones cut into pieces, in group order.
    private lazy var chunks: [(group: Int, start: Int, count: Int)] = groups.enumerated().flatMap { index, group in
        deferred.contains { $0.group == index } ? [] : Self.pieces(group.parameter.count).map { (index, $0.start, $0.count) }
    }

    /// The moments and step, for checkpoints: `state.<name>.exp_avg`, `state.<name>.exp_avg_sq`.
    public var state: (step: Int, tensors: [String: Tensor]) {
        synchronize()
        var tensors: [String: Tensor] = [:]
        for (group, (m, v)) in zip(groups, moments) {
            tensors["\(group.name).exp_avg"] = Tensor(shape: group.parameter.shape, storage: m)
            tensors["\(group.name).exp_avg_sq"] = Tensor(shape: group.parameter.shape, storage: v)
        }
        return (step, tensors)
    }

    /// Restores what `state` saved; every moment must be present with its parameter's shape.
    public func restore(step: Int, tensors: [String: Tensor]) throws {
        // Every moment is checked before any is written, so a failed restore changes nothing.
        let sources = try groups.map { group in
            try ["exp_avg", "exp_avg_sq"].map { suffix -> Tensor in
                guard let saved = tensors["\(group.name).\(suffix)"], saved.shape == group.parameter.shape else {
                    throw OptimizerStateError(missing: "\(group.name).\(suffix)", shape: group.parameter.shape)
                }
                return saved
            }
        }
        for ((m, v), saved) in zip(moments, sources) {
            m.pointer.update(from: saved[0].data, count: saved[0].count)
            v.pointer.update(from: saved[1].data, count: saved[1].count)
        }
        for (_, rows) in deferred { rows.reset() }
        self.step = step
    }
}

/// An optimiser checkpoint without a moment that the model needs.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let missing: String
    public let shape: [Int]
    public var description: String { "optimizer state: missing or mis-shaped \(missing) (expected shape \(shape))" }
}

/// The global L2 norm of the gradients of `parameters` (a missing gradient counts as zero). Each
/// tensor is summed in `AdamW.chunkSize` pieces (squares in double) and the pieces combined in order, so the
/// norm has the same bits for any thread count.
public func gradientNorm(_ parameters: [Tensor]) -> Float {
    let pieces = parameters.compactMap(\.grad).flatMap { g in
        AdamW.pieces(g.count).map { (SendablePointer(g.data + $0.start), $0.count) }
    }
    var sums = [Double](repeating: 0, count: pieces.count)
    sums.withUnsafeMutableBufferPointer { buffer in
        let out = SendablePointer(buffer.baseAddress!)
        Parallel.forChunks(pieces.count, grain: 1) { first, last in
            for i in first..<last { out.base[i] = kd_sum_squares(pieces[i].0.base, pieces[i].1) }
        }
    }
    let total = sums.reduce(0, +)
    return Float(total.squareRoot())
}

/// The factor clipping at `maxNorm` scales every gradient by, as `torch.nn.utils.clip_grad_norm_`:
/// maxNorm / (norm + 1e-6) when that is below 1, else 1; also 1 for a norm that is not finite (the
/// caller decides what divergence means).
public func clippingScale(norm: Float, maxNorm: Float) -> Float {
    let scale = maxNorm / (norm + 1e-6)
    return norm.isFinite && scale < 1 ? scale : 1
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm before
/// clipping. Training folds the scale into `AdamW.update(lr:gradientScale:)` instead.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    let norm = gradientNorm(parameters)
    let scale = clippingScale(norm: norm, maxNorm: maxNorm)
    guard scale < 1 else { return norm }
    for p in parameters {
        guard let g = p.grad else { continue }
        let gp = SendablePointer(g.data)
        Parallel.forChunks(g.count, grain: 65_536) { start, end in
            for i in start..<end { gp.base[i] *= scale }
        }
    }
    return norm
}
