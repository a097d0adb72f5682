/// Matrix products: 2-D, batched, and batched against one shared matrix (a linear layer).
extension Tensor {
    /// `op(self) · op(other)` over the last two dimensions, where op transposes when asked.
    ///
    /// - `self` [..., m, k], `other` [k, n] (or [n, k] with `transposeB`): one sgemm over all
    ///   leading rows (a linear layer).
    /// - `self` [B..., m, k], `other` [B..., k, n] with equal leading dimensions: a loop of sgemm.
    ///
    /// `alpha` scales the product inside the GEMM (attention's 1/√d for free).
    ///
    /// Returns [..., m, n].
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1) -> Tensor {
        let fail = {
            ShapeError(op: "matmul", shapes: [self.shape, other.shape],
                       expected: "[..., m, k] · [..., k, n] with equal leading dimensions, or [..., m, k] · [k, n]"
                           + (transposeA || transposeB ? " after transposeA: \(transposeA), transposeB: \(transposeB)" : "")).description
        }
        precondition(rank >= 2 && other.rank >= 2, fail())
        let rowsA = shape[rank - 2], colsA = shape[rank - 1]
        let rowsB = other.shape[other.rank - 2], colsB = other.shape[other.rank - 1]
        let k = transposeA ? rowsA : colsA
        let n = transposeB ? rowsB : colsB
        precondition(k == (transposeB ? colsB : rowsB), fail())
        let a = self, b = other

        if other.rank == 2 && !transposeA {
            // Fold every leading dimension of A into the rows of one product.
            let m = shape.dropLast().reduce(1, *)
            let out = Tensor(shape: Array(shape.dropLast()) + [n], storage: TensorStorage(count: m * n, zeroed: false))
            BLAS.gemm(a.data, b.data, out.data, m: m, n: n, k: k, transposeB: transposeB, alpha: alpha)
            return out.recording("matmul", [a, b]) { g in
                if a.requiresGrad {  // dA[m,k] = G[m,n] · op(B)ᵀ
                    let da = a.gradTarget()
                    BLAS.gemm(g.data, b.data, da.pointer, m: m, n: k, k: n, transposeB: !transposeB, alpha: alpha, beta: da.beta)
                }
                if b.requiresGrad {  // dB = Aᵀ·G [k,n], or Gᵀ·A [n,k] when B is stored transposed
                    if transposeB {
                        let db = b.gradTarget()
                        BLAS.gemm(g.data, a.data, db.pointer, m: n, n: k, k: m, transposeA: true, alpha: alpha, beta: db.beta)
                    } else {
                        let db = b.gradTarget()
                        BLAS.gemm(a.data, g.data, db.pointer, m: k, n: n, k: m, transposeA: true, alpha: alpha, beta: db.beta)
                    }
                }
            }
        }

        let batchShape = Array(shape.dropLast(2))
        precondition(batchShape == Array(other.shape.dropLast(2)), fail())
        let batch = batchShape.reduce(1, *)
        let m = transposeA ? colsA : rowsA
        let out = Tensor(shape: batchShape + [m, n], storage: TensorStorage(count: batch * m * n, zeroed: false))
        let strideA = rowsA * colsA, strideB = rowsB * colsB, strideC = m * n
        BLAS.batchedGemm(a.data, strideA: strideA, b.data, strideB: strideB, out.data, strideC: strideC, count: batch,
                         m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha)
        return out.recording("matmul", [a, b]) { g in
            if a.requiresGrad {
                // dop(A) = G · op(B)ᵀ; stored transposed when A is: dA = op(B) · Gᵀ.
                if transposeA {
                    let da = a.gradTarget()
                    BLAS.batchedGemm(b.data, strideA: strideB, g.data, strideB: strideC, da.pointer, strideC: strideA,
                                     count: batch, m: k, n: m, k: n, transposeA: transposeB, transposeB: true, alpha: alpha, beta: da.beta)
                } else {
                    let da = a.gradTarget()
                    BLAS.batchedGemm(g.data, strideA: strideC, b.data, strideB: strideB, da.pointer, strideC: strideA,
                                     count: batch, m: m, n: k, k: n, transposeA: false, transposeB: !transposeB, alpha: alpha, beta: da.beta)
                }
            }
            if b.requiresGrad {
                // dop(B) = op(A)ᵀ · G; stored transposed when B is: dB = Gᵀ · op(A).
                if transposeB {
                    let db = b.gradTarget()
                    BLAS.batchedGemm(g.data, strideA: strideC, a.data, strideB: strideA, db.pointer, strideC: strideB,
                                     count: batch, m: n, n: k, k: m, transposeA: true, transposeB: transposeA, alpha: alpha, beta: db.beta)
                } else {
                    let db = b.gradTarget()
                    BLAS.batchedGemm(a.data, strideA: strideA, g.data, strideB: strideC, db.pointer, strideC: strideB,
                                     count: batch, m: k, n: n, k: m, transposeA: !transposeA, transposeB: false, alpha: alpha, beta: db.beta)
                }
            }
        }
    }
}
