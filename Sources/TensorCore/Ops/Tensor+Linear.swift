/// The linear layer as one op: y = x·Wᵀ + b, the bias written into the output before the product
/// accumulates onto it (one pass over the output instead of three).
extension Tensor {
    /// x [..., in] · weight [out, in]ᵀ + bias [out] → [..., out].
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        let inFeatures = shape.last ?? 0
        precondition(rank >= 1 && weight.rank == 2 && weight.shape[1] == inFeatures && (bias == nil || bias!.shape == [weight.shape[0]]),
                     ShapeError(op: "linear", shapes: [shape, weight.shape] + (bias.map { [$0.shape] } ?? []),
                                expected: "x [..., in], weight [out, in], bias [out]").description)
        let outFeatures = weight.shape[0], rows = shape.dropLast().reduce(1, *)
        let out = Tensor(shape: Array(shape.dropLast()) + [outFeatures], storage: TensorStorage(count: rows * outFeatures, zeroed: bias == nil))
        if let bias {
            Tensor.copyBlocks(outer: rows, count: outFeatures, from: bias.data, stride: 0, to: out.data, stride: outFeatures)
        }
        BLAS.gemm(data, weight.data, out.data, m: rows, n: outFeatures, k: inFeatures, transposeB: true, beta: 1)
        let x = self
        return out.recording("linear", [x, weight] + (bias.map { [$0] } ?? [])) { g in
            if x.requiresGrad {  // dx [rows, in] = G [rows, out] · W [out, in]
                let dx = x.gradTarget()
                BLAS.gemm(g.data, weight.data, dx.pointer, m: rows, n: inFeatures, k: outFeatures, beta: dx.beta)
            }
            if weight.requiresGrad {  // dW [out, in] = Gᵀ · x
                let dw = weight.gradTarget()
                BLAS.gemm(g.data, x.data, dw.pointer, m: outFeatures, n: inFeatures, k: rows, transposeA: true, beta: dw.beta)
            }
            if let bias, bias.requiresGrad {  // db = Σ_rows G
                bias.accumulateGrad(g.reduced(to: [outFeatures]), owned: true)
            }
        }
    }
}
