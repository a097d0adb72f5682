import TensorCore

/// y = x·Wᵀ + b, with W stored [out, in] as in PyTorch and Hugging Face checkpoints.
public final class Linear: Layer {
    /// [outFeatures, inFeatures].
    public let weight: Tensor
    /// [outFeatures], or nil without bias.
    public let bias: Tensor?

    /// A layer initialised as BERT does: weights normal(0, `std`), biases zero.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, std: Float = 0.02, seed: UInt64) {
        weight = Tensor.normal([outFeatures, inFeatures], std: std, seed: seed, requiresGrad: true)
        self.bias = bias ? Tensor.zeros([outFeatures], requiresGrad: true) : nil
    }

    /// A layer around existing parameters.
    public init(weight: Tensor, bias: Tensor?) {
        self.weight = weight
        self.bias = bias
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// x [..., in] → [..., out].
    public func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight: weight, bias: bias) }
}

/// Layer normalisation over the last axis with a learned scale (`weight`) and shift (`bias`).
public final class LayerNorm: Layer {
    /// γ [size], initialised to ones.
    public let weight: Tensor
    /// β [size], initialised to zeros.
    public let bias: Tensor
    /// Added to the variance (`layer_norm_eps`).
    public let eps: Float

    /// γ = 1, β = 0.
    public init(_ size: Int, eps: Float) {
        weight = Tensor.ones([size], requiresGrad: true)
        bias = Tensor.zeros([size], requiresGrad: true)
        self.eps = eps
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    /// x [..., size] → normalised [..., size].
    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(gamma: weight, beta: bias, eps: eps) }
}

/// A lookup table of `count` vectors of `dimension` floats.
public final class Embedding: Layer {
    /// [count, dimension].
    public let weight: Tensor
    /// A row that starts at zero and receives no gradient (`padding_idx`), if any.
    public let paddingIndex: Int?

    /// Rows normal(0, `std`); the padding row, if any, zero.
    public init(_ count: Int, _ dimension: Int, std: Float = 0.02, paddingIndex: Int? = nil, seed: UInt64) {
        precondition(paddingIndex.map { (0..<count).contains($0) } ?? true, "Embedding: padding index \(paddingIndex!) outside 0..<\(count)")
        weight = Tensor.normal([count, dimension], std: std, seed: seed, requiresGrad: true)
        self.paddingIndex = paddingIndex
        if let paddingIndex { (weight.data + paddingIndex * dimension).update(repeating: 0, count: dimension) }
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("weight", weight)] }

    /// Rows at `ids`, shaped `shape + [dimension]`.
    public func callAsFunction(_ ids: [Int], shape: [Int]) -> Tensor {
        Tensor.embedding(weight, ids: ids, shape: shape, paddingIndex: paddingIndex)
    }
}
