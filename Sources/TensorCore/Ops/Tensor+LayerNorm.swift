/// Layer normalisation over the last axis, as a fused forward/backward kernel pair.
///
///     y = (x − μ) / √(σ² + ε) · γ + β        μ, σ² over the last axis (biased variance)
extension Tensor {
    /// Layer norm of `self` [..., C] with `gamma` and `beta` [C].
    public func layerNorm(gamma: Tensor, beta: Tensor, eps: Float) -> Tensor {
        let (rows, columns) = rowsAndColumns
        precondition(gamma.shape == [columns] && beta.shape == [columns],
                     ShapeError(op: "layerNorm", shapes: [shape, gamma.shape, beta.shape],
                                expected: "gamma and beta of shape [\(columns)]").description)
        let out = emptyLike()
        let mean = TensorStorage(count: rows, zeroed: false), rstd = TensorStorage(count: rows, zeroed: false)
        Tensor.layerNormForward(x: data, gamma: gamma.data, beta: beta.data, y: out.data,
                                mean: mean.pointer, rstd: rstd.pointer, rows: rows, columns: columns, eps: eps)
        return out.recording("layer norm", [self, gamma, beta]) { [self] g in
            Tensor.layerNormBackward(
                g: g.data, x: data, gamma: gamma.data, mean: mean.pointer, rstd: rstd.pointer,
                dx: requiresGrad ? gradPointer() : nil,
                dgamma: gamma.requiresGrad ? gamma.gradPointer() : nil,
                dbeta: beta.requiresGrad ? beta.gradPointer() : nil,
                rows: rows, columns: columns)
        }
    }

    /// Forward kernel: y [rows, C], and the per-row mean and 1/σ [rows] kept for the backward.
    static func layerNormForward(x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                 y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                                 rstd: UnsafeMutablePointer<Float>, rows: Int, columns: Int, eps: Float) {
        let x = SendablePointer(x), y = SendablePointer(y), gamma = SendablePointer(gamma), beta = SendablePointer(beta)
        let mean = SendablePointer(mean), rstd = SendablePointer(rstd)
        forEachRow(rows, columns: columns) { row in
            let xr = x.base + row * columns, yr = y.base + row * columns
            var sum: Float = 0
            for j in 0..<columns { sum += xr[j] }
            let mu = sum / Float(columns)
            var squares: Float = 0
            for j in 0..<columns {
                let d = xr[j] - mu
                squares += d * d
            }
            let r = 1 / (squares / Float(columns) + eps).squareRoot()
            for j in 0..<columns { yr[j] = (xr[j] - mu) * r * gamma.base[j] + beta.base[j] }
            mean.base[row] = mu
            rstd.base[row] = r
        }
    }

    /// Backward kernel: accumulates into dx [rows, C], dγ and dβ [C] (each optional).
    ///
    /// With x̂ = (x − μ)·r and ĝ = g ⊙ γ:  dx = r · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)),
    /// dγ = Σ_rows g ⊙ x̂,  dβ = Σ_rows g. The column sums are split by columns, so every
    /// thread count adds the rows in the same order.
    static func layerNormBackward(g: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                  dx: UnsafeMutablePointer<Float>?, dgamma: UnsafeMutablePointer<Float>?,
                                  dbeta: UnsafeMutablePointer<Float>?, rows: Int, columns: Int) {
        let g = SendablePointer(g), x = SendablePointer(x), gamma = SendablePointer(gamma)
        let mean = SendablePointer(mean), rstd = SendablePointer(rstd)
        if let dx {
            let dx = SendablePointer(dx)
            forEachRow(rows, columns: columns) { row in
                let gr = g.base + row * columns, xr = x.base + row * columns, dr = dx.base + row * columns
                let mu = mean.base[row], r = rstd.base[row]
                var sumG: Float = 0, sumGX: Float = 0
                for j in 0..<columns {
                    let gh = gr[j] * gamma.base[j]
                    sumG += gh
                    sumGX += gh * (xr[j] - mu) * r
                }
                let meanG = sumG / Float(columns), meanGX = sumGX / Float(columns)
                for j in 0..<columns {
                    let xh = (xr[j] - mu) * r
                    dr[j] += r * (gr[j] * gamma.base[j] - meanG - xh * meanGX)
                }
            }
        }
        guard dgamma != nil || dbeta != nil else { return }
        let dgamma = dgamma.map { SendablePointer($0) }, dbeta = dbeta.map { SendablePointer($0) }
        Parallel.forChunks(columns, grain: Swift.max(1, Kernels.grain / Swift.max(rows, 1))) { first, last in
            for row in 0..<rows {
                let gr = g.base + row * columns, xr = x.base + row * columns
                let mu = mean.base[row], r = rstd.base[row]
                if let dgamma { for j in first..<last { dgamma.base[j] += gr[j] * (xr[j] - mu) * r } }
                if let dbeta { for j in first..<last { dbeta.base[j] += gr[j] } }
            }
        }
    }
}
