import Foundation

/// Activations: GELU (erf form, as BERT, and tanh form), ReLU, SiLU.
///
/// Each is a fused kernel; the composite written from primitives is the test oracle.
extension Tensor {
    /// GELU, erf form (`hidden_act: gelu`): x · Φ(x) = x/2 · (1 + erf(x/√2)).
    public func gelu() -> Tensor {
        unary({ x in 0.5 * x * (1 + Foundation.erf(x * Float(0.5.squareRoot()))) }, derivative: { x, _ in
            // d/dx x·Φ(x) = Φ(x) + x·φ(x)
            let cdf = 0.5 * (1 + Foundation.erf(x * Float(0.5.squareRoot())))
            let pdf = Foundation.exp(-0.5 * x * x) / Float((2 * Double.pi).squareRoot())
            return cdf + x * pdf
        })
    }

    /// GELU, tanh approximation (`hidden_act: gelu_new`): x/2 · (1 + tanh(√(2/π)·(x + 0.044715x³))).
    public func geluTanh() -> Tensor {
        let c = Float((2 / Double.pi).squareRoot())
        return unary({ x in 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x))) }, derivative: { x, _ in
            let t = Foundation.tanh(c * (x + 0.044715 * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        })
    }

    /// max(x, 0); the gradient at 0 is 0, as in PyTorch.
    public func relu() -> Tensor { unary({ Swift.max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }

    /// SiLU (swish): x · σ(x).
    public func silu() -> Tensor {
        unary({ x in x / (1 + Foundation.exp(-x)) }, derivative: { x, _ in
            let s = 1 / (1 + Foundation.exp(-x))
            return s * (1 + x * (1 - s))
        })
    }
}
