import Foundation

/// A float32 tensor: contiguous row-major storage with a shape, and a place in the autograd graph.
///
/// Tensors are reference types so that the graph can point at them and parameters can own
/// their gradients. Ops return new tensors; only the optimiser and `zeroGrad()` mutate.
///
///     let w = Tensor.normal([4, 3], std: 0.02, seed: 1, requiresGrad: true)
///     let loss = (x.matmul(w) + b).relu().sum()
///     loss.backward()        // w.grad now holds dloss/dw
public final class Tensor {
    /// The dimensions, outermost first. A scalar has shape `[]`.
    public let shape: [Int]
    /// The elements, shared with reshaped views.
    public let storage: TensorStorage
    /// Whether gradients flow to this tensor (set on parameters, propagated by ops).
    public internal(set) var requiresGrad: Bool
    /// The accumulated gradient, same shape; allocated by the first backward pass that reaches it.
    public var grad: Tensor?
    /// How this tensor was computed, when it was computed with gradients on.
    var node: GradNode?

    /// Wraps `storage` with `shape`; the element counts must agree.
    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        precondition(
            shape.reduce(1, *) == storage.count,
            "Tensor: shape \(shape) holds \(shape.reduce(1, *)) elements, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// The number of elements.
    @inline(__always) public var count: Int { storage.count }
    /// The number of dimensions.
    @inline(__always) public var rank: Int { shape.count }
    /// The elements; ops read them, the optimiser and checkpoint loaders write parameters through it.
    @inline(__always) public var data: UnsafeMutablePointer<Float> { storage.pointer }

    /// The elements as an array (a copy).
    public var scalars: [Float] { Array(storage.buffer) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, expected 1")
        return storage.pointer[0]
    }

    /// The size of dimension `axis`; negative axes count from the end.
    public func size(_ axis: Int) -> Int { shape[normalizedAxis(axis)] }

    /// Turns a possibly negative axis into an index into `shape`, trapping with a message when out of range.
    func normalizedAxis(_ axis: Int, op: String = "axis") -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "\(op): axis \(axis) out of range for shape \(shape)")
        return resolved
    }

    /// A tensor of the same shape whose storage is new and uninitialised.
    func emptyLike() -> Tensor { Tensor(shape: shape, storage: TensorStorage(count: count, zeroed: false)) }

    /// Makes this tensor a leaf that collects gradients (a parameter).
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        precondition(node == nil || !flag, "requiringGrad: only leaf tensors can become parameters")
        requiresGrad = flag
        return self
    }

    /// A tensor sharing this one's elements, outside of the graph.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}

extension Tensor: CustomStringConvertible {
    /// Shape and the first elements, for debugging.
    public var description: String {
        let head = storage.buffer.prefix(8).map { String(format: "%.5g", Double($0)) }
        return "Tensor(\(shape), [\(head.joined(separator: ", "))\(count > 8 ? ", …" : "")])"
    }
}
