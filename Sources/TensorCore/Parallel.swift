import Foundation

/// Splits index ranges across `Engine.threads` threads.
///
/// Every kernel that uses it writes disjoint outputs per chunk and computes each output in a
/// fixed order, so it gives the same bits for any thread count. Reductions across chunks
/// use fixed-size blocks instead (`Tensor.sum()`).
package enum Parallel {
    /// Calls `body(start, end)` on chunks of `0..<count`, each at least `grain` long, on at most
    /// `Engine.threads` threads.
    ///
    /// The chunk boundaries depend on the thread count, but every caller writes disjoint outputs
    /// per element or row, computed in a fixed order, so the results do not.
    package static func forChunks(_ count: Int, grain: Int, _ body: (Int, Int) -> Void) {
        guard count > 0 else { return }
        let threads = Engine.threads
        let chunks = Swift.min((count + Swift.max(grain, 1) - 1) / Swift.max(grain, 1), threads * 4)
        if threads == 1 || chunks <= 1 {
            body(0, count)
            return
        }
        let size = (count + chunks - 1) / chunks
        let workers = Swift.min(threads, chunks)
        // Chunks write disjoint outputs (see above), so sharing the closure is safe. Each of the
        // `workers` shares takes every `workers`-th chunk: never more threads than asked for.
        WorkerPool.shared.run(shares: workers) { worker in
            for chunk in stride(from: worker, to: chunks, by: workers) {
                let start = chunk * size
                let end = Swift.min(start + size, count)
                if start < end { body(start, end) }
            }
        }
    }
}
