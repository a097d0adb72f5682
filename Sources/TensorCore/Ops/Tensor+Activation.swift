import CKernels

/// Activations: GELU (erf form, as BERT, and tanh form), ReLU, SiLU.
///
/// Each is a fused forward/backward kernel pair in C; the composite written from primitive ops
/// is the test oracle.
extension Tensor {
    /// GELU, erf form (`hidden_act: gelu`): x · Φ(x) = x/2 · (1 + erf(x/√2)).
    public func gelu() -> Tensor {
        unary("gelu", { kd_gelu_forward($0, $1, $2) }, backward: { x, _, g, dx, n in kd_gelu_backward(x, g, dx, n) })
    }

    /// GELU of an input that nothing else reads afterwards (a layer's pre-activation): with a graph
    /// recorded, the forward overwrites the input's elements with GELU's derivative, which the backward
    /// then multiplies the gradient by, instead of computing erf and exp again from the input. The same
    /// bits as `gelu()`, forward and backward; without a graph it is `gelu()` and the input is untouched.
    public func gelu(overwritingInput: Bool) -> Tensor {
        guard overwritingInput, Autograd.isEnabled, requiresGrad else { return gelu() }
        // `unary`'s backward reads the input's elements: after this forward, the derivative.
        return unary("gelu", { x, y, n in kd_gelu_forward_derivative(UnsafeMutablePointer(mutating: x), y, n) },
                     backward: { derivative, _, g, dx, n in kd_mul(g, derivative, dx, n) })
    }

    /// GELU, tanh approximation (`hidden_act: gelu_new`): x/2 · (1 + tanh(√(2/π)·(x + 0.044715x³))).
    public func geluTanh() -> Tensor {
        unary("gelu", { kd_gelu_tanh_forward($0, $1, $2) }, backward: { x, _, g, dx, n in kd_gelu_tanh_backward(x, g, dx, n) })
    }

    /// max(x, 0); the gradient at 0 is 0, as in PyTorch.
    public func relu() -> Tensor {
        unary("relu", { x, y, n in for i in 0..<n { y[i] = Swift.max(x[i], 0) } },
              backward: { x, _, g, dx, n in for i in 0..<n { dx[i] = x[i] > 0 ? g[i] : 0 } })
    }

    /// SiLU (swish): x · σ(x).
    public func silu() -> Tensor {
        unary("silu", { kd_silu_forward($0, $1, $2) }, backward: { x, _, g, dx, n in kd_silu_backward(x, g, dx, n) })
    }
}
