import CKernels

/// A weight matrix packed once for products with it, as inference uses a Linear layer's weight: y = x·Wᵀ (+ bias).
///
/// `BLAS.gemm` hands the weight to a library that repacks it on every call (66% of a 6-layer student's batch-1
/// latency was in oneDNN's sgemm, its copies included, perf, 2026-12-07); a session that runs the same weights thousands of times
/// packs them here once (`kd_pack_weight`) and multiplies with the tile loop of `kd_packed_gemm`, whose columns the
/// engine's threads split. Each output is the in-order sum over k with one fused multiply-add per term (where the
/// processor has FMA), so the result does not depend on the thread count.
package final class PackedWeight: @unchecked Sendable {
    /// The weight's rows n (the product's output columns) and columns k (the inner dimension).
    package let rows: Int
    package let columns: Int
    private let storage: UnsafeMutablePointer<Float>

    /// Packs W [rows, columns], row-major (a Linear layer's [out, in]); the weight is copied, not kept.
    package init(_ weight: UnsafePointer<Float>, rows: Int, columns: Int) {
        precondition(rows > 0 && columns > 0, "PackedWeight: an empty weight [\(rows), \(columns)]")
        (self.rows, self.columns) = (rows, columns)
        storage = UnsafeMutablePointer<Float>.allocate(capacity: kd_packed_weight_size(rows, columns))
        kd_pack_weight(weight, rows, columns, storage)
    }

    deinit { storage.deallocate() }

    /// The tile loop this CPU runs: "avx512f", "avx2+fma" or "generic".
    package static var kernel: String { String(cString: kd_packed_gemm_kernel()) }

    /// Tests: runs the tile loop `kernel` (one of "avx512f", "avx2+fma", "generic"; nil: the best) from now on;
    /// false, changing nothing, when this CPU cannot run it.
    package static func use(kernel: String?) -> Bool {
        guard let kernel else { return kd_packed_gemm_use(nil) == 1 }
        return kernel.withCString { kd_packed_gemm_use($0) } == 1
    }

    /// y[count, rows] = x[count, columns] · Wᵀ (+ bias [rows]), all row-major.
    package func multiply(_ x: UnsafePointer<Float>, count: Int, bias: UnsafePointer<Float>? = nil, into y: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        let (n, k) = (rows, columns)
        let (px, py, weights) = (SendablePointer(x), SendablePointer(y), SendablePointer(storage))
        let pbias = bias.map { SendablePointer($0) }
        // Pairs of panels (the AVX-512 tile's width), one contiguous range per thread.
        let panels = kd_packed_panels(n)
        let pairs = (panels + 1) / 2
        let threads = count * n * k >= BLAS.splitThreshold ? Engine.threads : 1
        Parallel.forChunks(pairs, grain: (pairs + threads - 1) / threads) { first, last in
            kd_packed_gemm(px.base, k, count, k, weights.base, n, 2 * first, Swift.min(2 * last, panels), pbias?.base, py.base, n)
        }
    }
}
