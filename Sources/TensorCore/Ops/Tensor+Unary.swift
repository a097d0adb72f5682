import Foundation

/// Element-wise math: sqrt, exp, log, tanh, erf.
extension Tensor {
    /// Applies `f` and records `g · f'(x, y)` as the backward, where `y = f(x)`.
    func unary(_ f: @escaping (Float) -> Float, derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let out = mapped(f)
        let y = out.storage  // the output's elements, not the output: its node must not own it
        return out.recording([self]) { [self] g in
            let dx = g.emptyLike()
            Kernels.zip3(g.data, data, y.pointer, into: dx.data, count: count) { g, x, y in g * derivative(x, y) }
            accumulateGrad(dx, owned: true)
        }
    }

    /// √x.
    public func sqrt() -> Tensor { unary({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }

    /// eˣ.
    public func exp() -> Tensor { unary({ Foundation.exp($0) }, derivative: { _, y in y }) }

    /// ln x.
    public func log() -> Tensor { unary({ Foundation.log($0) }, derivative: { x, _ in 1 / x }) }

    /// tanh x.
    public func tanh() -> Tensor { unary({ Foundation.tanh($0) }, derivative: { _, y in 1 - y * y }) }

    /// The error function.
    public func erf() -> Tensor {
        unary({ Foundation.erf($0) }, derivative: { x, _ in 2 / Float.pi.squareRoot() * Foundation.exp(-x * x) })
    }

    /// xᵖ for a constant exponent.
    public func pow(_ exponent: Float) -> Tensor {
        unary({ Foundation.pow($0, exponent) }, derivative: { x, _ in exponent * Foundation.pow(x, exponent - 1) })
    }
}
