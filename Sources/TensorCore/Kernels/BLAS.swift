import CBLAS
import COneDNN
import Synchronization

/// Matrix products through oneDNN's `dnnl_sgemm` or OpenBLAS's `cblas_sgemm` (`MatrixLibrary`), threaded by
/// KDNAS rather than by either library.
///
/// Both run single-threaded (`Engine.configure` sets OpenBLAS's count, COneDNN each calling thread's); a large product is split into
/// row (or column) blocks that `Parallel` runs on the engine's threads, one sgemm per block.
/// Why: OpenBLAS's worker threads spin in `sched_yield` after each product, which on a 2-core
/// machine took 15–20% of a training step away from the element-wise kernels that follow
/// (measured with perf). Every output element is computed by one single-threaded sgemm; most
/// products give the same bits for any thread count, but OpenBLAS may block a block of another
/// shape differently (a long inner dimension), so the guarantee is a normwise relative 1e-6.
package enum BLAS {
    /// The library products run on (`Engine.matrixLibrary`), as its index in `MatrixLibrary.allCases`;
    /// `automatic` only when oneDNN is loaded.
    private static let libraryIndex = Atomic<Int>(MatrixLibrary.allCases.firstIndex(of: .openBLAS)!)

    static var library: MatrixLibrary {
        get { MatrixLibrary.allCases[libraryIndex.load(ordering: .relaxed)] }
        set { libraryIndex.store(MatrixLibrary.allCases.firstIndex(of: newValue)!, ordering: .relaxed) }
    }

    /// Products below this many multiply-adds are not split.
    static let splitThreshold = 1 << 18

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op transposes when asked.
    ///
    /// `a` is stored as [m, k] (or [k, m] when `transposeA`), `b` as [k, n] (or [n, k]).
    package static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                     m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
                     alpha: Float = 1, beta: Float = 0) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {  // C = βC: an empty sum (βC = 0 when β is 0, whatever C held)
            if beta == 0 { c.update(repeating: 0, count: m * n) } else if beta != 1 { for i in 0..<m * n { c[i] *= beta } }
            return
        }
        let threads = Engine.threads
        guard threads > 1, m * n * k >= splitThreshold, max(m, n) >= 2 * threads else {
            block(a, b, c, m: m, n: n, k: k, lda: transposeA ? m : k, ldb: transposeB ? k : n, ldc: n,
                  transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
            return
        }
        let pa = SendablePointer(a), pb = SendablePointer(b), pc = SendablePointer(c)
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        // Blocks along the longer side of C: each block packs its share of that side's operand
        // and all of the other. With few rows (inference: 128 tokens against a 384×1536 weight),
        // splitting rows would make every thread pack the whole weight.
        let splitRows = m >= n
        let extent = splitRows ? m : n
        let size = (extent + threads - 1) / threads
        Parallel.forChunks(threads, grain: 1) { first, last in
            for part in first..<last {
                let start = part * size, end = min(start + size, extent)
                guard start < end else { continue }
                if splitRows {
                    block(pa.base + (transposeA ? start : start * lda), pb.base, pc.base + start * n,
                          m: end - start, n: n, k: k, lda: lda, ldb: ldb, ldc: n,
                          transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
                } else {
                    block(pa.base, pb.base + (transposeB ? start * ldb : start), pc.base + start,
                          m: m, n: end - start, k: k, lda: lda, ldb: ldb, ldc: n,
                          transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
                }
            }
        }
    }

    /// One single-threaded sgemm with explicit leading dimensions.
    package static func block(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                              m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int,
                              transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float) {
        guard k > 0 else {
            // An empty sum: BLAS may leave C untouched, so apply beta here.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        let library = library
        if library == .oneDNN || library == .automatic && !transposeA {
            let status = kd_onednn_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a,
                                         Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
            precondition(status == 0, "oneDNN sgemm failed with status \(status) (m \(m), n \(n), k \(k), lda \(lda), ldb \(ldb), ldc \(ldc))")
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `count` independent products with the same dimensions, at fixed strides between them.
    ///
    /// Small products (attention's 128×64·64×128) are spread over the threads whole, so their
    /// results never depend on the thread count; large ones are each split by `gemm`.
    package static func batchedGemm(_ a: UnsafePointer<Float>, strideA: Int, _ b: UnsafePointer<Float>, strideB: Int,
                            _ c: UnsafeMutablePointer<Float>, strideC: Int, count: Int,
                            m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float = 1, beta: Float = 0) {
        guard count > 1, m * n * k < splitThreshold * 8 else {
            for i in 0..<count {
                gemm(a + i * strideA, b + i * strideB, c + i * strideC, m: m, n: n, k: k,
                     transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
            }
            return
        }
        let pa = SendablePointer(a), pb = SendablePointer(b), pc = SendablePointer(c)
        Parallel.forChunks(count, grain: 1) { first, last in
            for i in first..<last {
                block(pa.base + i * strideA, pb.base + i * strideB, pc.base + i * strideC, m: m, n: n, k: k,
                      lda: transposeA ? m : k, ldb: transposeB ? k : n, ldc: n,
                      transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
            }
        }
    }
}
