import TensorCore

/// A piece of a model that owns parameters, listed explicitly with their checkpoint names.
public protocol Layer: AnyObject {
    /// Every parameter with its name relative to this layer (`weight`, `attention.self.query.bias`),
    /// in a fixed order. Names are Hugging Face checkpoint keys.
    var namedParameters: [(name: String, tensor: Tensor)] { get }
}

extension Layer {
    /// The parameters alone, in `namedParameters` order.
    public var parameters: [Tensor] { namedParameters.map(\.tensor) }

    /// The number of scalars in all parameters.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.tensor.count } }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// Prefixes each name of `parameters` with `prefix.`.
public func prefixed(_ prefix: String, _ parameters: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)] {
    parameters.map { ("\(prefix).\($0.name)", $0.tensor) }
}

/// What a forward pass needs beyond its inputs: whether dropout is on, and its random stream.
public final class ForwardContext {
    /// Dropout is applied only when training.
    public var training: Bool
    /// The stream dropout masks are drawn from; it advances with every mask.
    public var generator: RandomGenerator

    /// Training with dropout from `seed`, or evaluation (`training: false`).
    public init(training: Bool, seed: UInt64 = 0) {
        self.training = training
        generator = RandomGenerator(seed: seed)
    }

    /// Evaluation: no dropout.
    public static var evaluation: ForwardContext { ForwardContext(training: false) }

    /// Dropout with probability `p` when training; the identity otherwise.
    public func dropout(_ x: Tensor, _ p: Float) -> Tensor {
        guard training, p > 0 else { return x }
        return x.dropout(p, generator: &generator)
    }
}
