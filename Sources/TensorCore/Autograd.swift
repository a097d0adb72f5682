/// Reverse-mode automatic differentiation.
///
/// An op that has an input requiring gradients (and runs with gradients enabled) records a
/// `GradNode` on its output: the inputs and a closure that, given the output's gradient,
/// *accumulates* into the inputs' gradients. `backward()` orders the recorded nodes
/// topologically (the tape) and runs the closures from the output back to the leaves.
/// In `Autograd.noGrad { }` nothing is recorded, so inference pays no bookkeeping.
public enum Autograd {
    @TaskLocal static var isEnabled = true

    /// Whether ops currently record the graph.
    public static var isGradEnabled: Bool { isEnabled }

    /// Runs `body` without recording the graph (inference, teacher forward passes, optimiser steps).
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        try $isEnabled.withValue(false, operation: body)
    }
}

/// How a tensor was computed: its inputs and the closure that sends its gradient back to them.
final class GradNode {
    /// The op's family, as the profiler reports it ("linear", "layer norm", ...).
    let op: StaticString
    let inputs: [Tensor]
    let backward: (_ outputGrad: Tensor) -> Void
    init(op: StaticString, inputs: [Tensor], backward: @escaping (Tensor) -> Void) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Records how `self` was computed from `inputs` by the op family `op`, if any input needs gradients.
    ///
    /// `backward` receives the gradient of `self` and must accumulate into the inputs' gradients
    /// (through `accumulateGrad`), skipping inputs whose `requiresGrad` is false. Under a current
    /// `OpProfiler`, the time since its last mark is charged to `op`'s forward time.
    @discardableResult
    func recording(_ op: StaticString, _ inputs: [Tensor], _ backward: @escaping (Tensor) -> Void) -> Tensor {
        guard Autograd.isEnabled, inputs.contains(where: \.requiresGrad) else { return self }
        requiresGrad = true
        node = GradNode(op: op, inputs: inputs, backward: backward)
        OpProfiler.current?.chargeForward(op)
        return self
    }

    /// Where a product writes this tensor's gradient contribution, and the β it scales what is there by:
    /// the existing gradient with β = 1 (accumulate), or on first use a fresh buffer left unfilled with
    /// β = 0, so the first contribution is written instead of zero-filled then added.
    func gradTarget() -> (pointer: UnsafeMutablePointer<Float>, beta: Float) {
        if let grad { return (grad.data, 1) }
        let fresh = Tensor(shape: shape, storage: TensorStorage(count: count, zeroed: false))
        grad = fresh
        return (fresh.data, 0)
    }

    /// The gradient buffer, allocated zero-filled on first use, for kernels that accumulate into it.
    func gradPointer() -> UnsafeMutablePointer<Float> {
        if let grad { return grad.data }
        let fresh = Tensor(shape: shape, storage: TensorStorage(count: count))
        grad = fresh
        return fresh.data
    }

    /// Adds `delta` (same element count) to the gradient.
    ///
    /// `owned` says that nothing else holds `delta`'s storage (a buffer the backward closure
    /// just made), so it can become the gradient without a copy. Shared buffers, such as the
    /// output gradient that `a + b` passes to both inputs, are copied.
    func accumulateGrad(_ delta: Tensor, owned: Bool = false) {
        precondition(delta.count == count, "accumulateGrad: gradient of shape \(delta.shape) for tensor \(shape)")
        if let grad {
            Kernels.add(grad.data, delta.data, into: grad.data, count: count)
        } else if owned {
            grad = Tensor(shape: shape, storage: delta.storage)
        } else {
            let copy = TensorStorage(count: count, zeroed: false)
            copy.pointer.update(from: delta.data, count: count)
            grad = Tensor(shape: shape, storage: copy)
        }
    }

    /// Backpropagates from this tensor: seeds its gradient with ones (a scalar loss) or `seed`,
    /// then accumulates into every leaf that requires gradients. Intermediate gradients are freed.
    public func backward(_ seed: Tensor? = nil) {
        precondition(requiresGrad, "backward: tensor of shape \(shape) does not require gradients")
        if let seed {
            precondition(seed.shape == shape, "backward: seed shape \(seed.shape) differs from tensor shape \(shape)")
            accumulateGrad(seed)
        } else {
            precondition(count == 1, "backward: a seed is needed for a non-scalar tensor of shape \(shape)")
            accumulateGrad(Tensor.full(shape, 1), owned: true)
        }
        let profiler = OpProfiler.current
        for tensor in topologicalOrder().reversed() {
            guard let node = tensor.node, let grad = tensor.grad else { continue }
            if let profiler {
                let start = OpProfiler.now()
                node.backward(grad)
                profiler.chargeBackward(node.op, since: start)
            } else {
                node.backward(grad)
            }
            tensor.grad = nil  // intermediate: its gradient has been passed on
        }
    }

    /// Every tensor with a recorded node reachable from `self`, inputs before outputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            guard tensor.node != nil, visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.node!.inputs where input.requiresGrad {
                stack.append((input, false))
            }
        }
        return order
    }
}
