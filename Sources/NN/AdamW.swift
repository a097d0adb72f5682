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

    /// AdamW over `parameters`; weight decay skips biases and LayerNorm weights, as BERT's recipe does.
    public init(_ parameters: [(name: String, tensor: Tensor)], beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0.01) {
        groups = parameters.map { Group(name: $0.name, parameter: $0.tensor, decay: AdamW.decays($0.name)) }
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        moments = groups.map { (TensorStorage(count: $0.parameter.count), TensorStorage(count: $0.parameter.count)) }
    }

    /// Whether a parameter of this name gets weight decay: not biases, not LayerNorm weights.
    public static func decays(_ name: String) -> Bool {
        !(name.hasSuffix("bias") || name.contains("LayerNorm") || name.contains("layer_norm"))
    }

    /// Applies one update with learning rate `lr` from the current gradients (parameters without one are skipped).
    public func update(lr: Float) {
        step += 1
        let b1 = beta1, b2 = beta2, eps = eps
        let correction1 = 1 - Float(Foundation.pow(Double(b1), Double(step)))
        let correction2 = 1 - Float(Foundation.pow(Double(b2), Double(step)))
        let stepSize = lr / correction1
        let inverseRoot2 = 1 / correction2.squareRoot()
        for (group, (m, v)) in zip(groups, moments) {
            guard let grad = group.parameter.grad else { continue }
            let decayFactor = group.decay ? 1 - lr * weightDecay : 1
            let theta = SendablePointer(group.parameter.data), g = SendablePointer(grad.data)
            let mp = SendablePointer(m.pointer), vp = SendablePointer(v.pointer)
            // Every element is updated on its own: split across the engine's threads.
            Parallel.forChunks(group.parameter.count, grain: 65_536) { start, end in
                for i in start..<end {
                    let gi = g.base[i]
                    mp.base[i] = b1 * mp.base[i] + (1 - b1) * gi
                    vp.base[i] = b2 * vp.base[i] + (1 - b2) * gi * gi
                    let denominator = vp.base[i].squareRoot() * inverseRoot2 + eps
                    theta.base[i] = theta.base[i] * decayFactor - stepSize * mp.base[i] / denominator
                }
            }
        }
    }

    /// The moments and step, for checkpoints: `state.<name>.exp_avg`, `state.<name>.exp_avg_sq`.
    public var state: (step: Int, tensors: [String: Tensor]) {
        var tensors: [String: Tensor] = [:]
        for (group, (m, v)) in zip(groups, moments) {
            tensors["\(group.name).exp_avg"] = Tensor(shape: group.parameter.shape, storage: m)
            tensors["\(group.name).exp_avg_sq"] = Tensor(shape: group.parameter.shape, storage: v)
        }
        return (step, tensors)
    }

    /// Restores what `state` saved; every moment must be present with its parameter's shape.
    public func restore(step: Int, tensors: [String: Tensor]) throws {
        for (group, (m, v)) in zip(groups, moments) {
            for (suffix, storage) in [("exp_avg", m), ("exp_avg_sq", v)] {
                guard let saved = tensors["\(group.name).\(suffix)"], saved.shape == group.parameter.shape else {
                    throw OptimizerStateError(missing: "\(group.name).\(suffix)", shape: group.parameter.shape)
                }
                storage.pointer.update(from: saved.data, count: saved.count)
            }
        }
        self.step = step
    }
}

/// An optimiser checkpoint without a moment that the model needs.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let missing: String
    public let shape: [Int]
    public var description: String { "optimizer state: missing or mis-shaped \(missing) (expected shape \(shape))" }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm before
/// clipping (not finite when a gradient is: the caller decides what divergence means).
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters {
        guard let g = p.grad else { continue }
        total += Autograd.noGrad { Double((g * g).sum().item) }
    }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if norm.isFinite, scale < 1 {
        for p in parameters {
            guard let g = p.grad else { continue }
            let gp = SendablePointer(g.data)
            Parallel.forChunks(g.count, grain: 65_536) { start, end in
                for i in start..<end { gp.base[i] *= scale }
            }
        }
    }
    return norm
}
