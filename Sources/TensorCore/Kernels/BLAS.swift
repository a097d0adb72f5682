import CBLAS

/// Matrix products through OpenBLAS's `cblas_sgemm`.
enum BLAS {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op transposes when asked.
    ///
    /// `a` is stored as [m, k] (or [k, m] when `transposeA`), `b` as [k, n] (or [n, k]).
    static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                     m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
                     alpha: Float = 1, beta: Float = 0) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // An empty sum: BLAS may leave C untouched, so apply beta here.
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
                    beta, c, Int32(n))
    }

    /// Products below this many multiply-adds run on one BLAS thread each, the batch split
    /// across threads instead: OpenBLAS's own threading costs more than it saves on them.
    static let smallProduct = 1 << 22

    /// `count` independent products with the same dimensions, at fixed strides between them.
    ///
    /// Large products: a loop of sgemm calls, each threaded by OpenBLAS. Small ones (attention's
    /// 128×64·64×128): the batch split across threads, with OpenBLAS set to one thread for the
    /// duration, so the two kinds of threading never nest. Either way each product is computed
    /// by one sgemm call whose result does not depend on the thread count.
    static func batchedGemm(_ a: UnsafePointer<Float>, strideA: Int, _ b: UnsafePointer<Float>, strideB: Int,
                            _ c: UnsafeMutablePointer<Float>, strideC: Int, count: Int,
                            m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, beta: Float = 0) {
        let threads = Engine.threads
        guard count > 1, threads > 1, m * n * k < smallProduct else {
            for i in 0..<count {
                gemm(a + i * strideA, b + i * strideB, c + i * strideC, m: m, n: n, k: k,
                     transposeA: transposeA, transposeB: transposeB, beta: beta)
            }
            return
        }
        let pa = SendablePointer(a), pb = SendablePointer(b), pc = SendablePointer(c)
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threads)) }
        Parallel.forChunks(count, grain: 1) { first, last in
            for i in first..<last {
                gemm(pa.base + i * strideA, pb.base + i * strideB, pc.base + i * strideC, m: m, n: n, k: k,
                     transposeA: transposeA, transposeB: transposeB, beta: beta)
            }
        }
    }
}
