import CKernels
import Foundation

/// Element-wise math: sqrt, exp, log, tanh, erf, pow; and the machinery the activations share.
extension Tensor {
    /// A kernel that maps `n` inputs to `n` outputs.
    typealias ForwardKernel = (_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) -> Void
    /// A kernel that writes dx from the input, the output and the output's gradient.
    typealias BackwardKernel = (_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                                _ dx: UnsafeMutablePointer<Float>, _ n: Int) -> Void

    /// Applies `forward` in parallel chunks and records `backward`.
    func unary(_ op: StaticString, _ forward: @escaping ForwardKernel, backward: @escaping BackwardKernel) -> Tensor {
        let out = emptyLike()
        let x = SendablePointer(data), y = SendablePointer(out.data)
        Parallel.forChunks(count, grain: Kernels.grain) { start, end in forward(x.base + start, y.base + start, end - start) }
        let outputs = out.storage  // the output's elements, not the output: its node must not own it
        return out.recording(op, [self]) { [self] g in
            let dx = g.emptyLike()
            let x = SendablePointer(data), y = SendablePointer(outputs.pointer), gp = SendablePointer(g.data)
            let d = SendablePointer(dx.data)
            Parallel.forChunks(count, grain: Kernels.grain) { start, end in
                backward(x.base + start, y.base + start, gp.base + start, d.base + start, end - start)
            }
            accumulateGrad(dx, owned: true)
        }
    }

    /// `unary` with a scalar function and its derivative f'(x, y), for ops off the hot path.
    func unary(_ op: StaticString, _ f: @escaping (Float) -> Float, derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        unary(op, { x, y, n in for i in 0..<n { y[i] = f(x[i]) } },
              backward: { x, y, g, dx, n in for i in 0..<n { dx[i] = g[i] * derivative(x[i], y[i]) } })
    }

    /// √x.
    public func sqrt() -> Tensor { unary("sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }

    /// eˣ.
    public func exp() -> Tensor {
        unary("exp", { kd_exp($0, $1, $2) }, backward: { _, y, g, dx, n in for i in 0..<n { dx[i] = g[i] * y[i] } })
    }

    /// ln x.
    public func log() -> Tensor {
        unary("log", { kd_log($0, $1, $2) }, backward: { x, _, g, dx, n in for i in 0..<n { dx[i] = g[i] / x[i] } })
    }

    /// tanh x.
    public func tanh() -> Tensor {
        unary("tanh", { kd_tanh($0, $1, $2) }, backward: { _, y, g, dx, n in for i in 0..<n { dx[i] = g[i] * (1 - y[i] * y[i]) } })
    }

    /// The error function.
    public func erf() -> Tensor {
        unary("erf", { kd_erf($0, $1, $2) }, backward: { x, _, g, dx, n in
            let scale = 2 / Float.pi.squareRoot()
            for i in 0..<n { dx[i] = g[i] * scale * Foundation.exp(-x[i] * x[i]) }
        })
    }

    /// xᵖ for a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        unary("pow", { Foundation.pow($0, exponent) }, derivative: { x, _ in exponent * Foundation.pow(x, exponent - 1) })
    }
}
