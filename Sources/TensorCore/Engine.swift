import CBLAS
import Dispatch
import Foundation

/// Process-wide compute settings: how many threads the kernels and BLAS use.
///
/// Swift-level parallel loops and BLAS never nest: a kernel either calls BLAS (which
/// threads itself) or splits its own loop across threads, never both at once.
///
///     Engine.threads = 2      // both the Swift kernels and OpenBLAS use two threads
public enum Engine {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var _threads: Int = defaultThreads()

    /// The thread count of kernels and BLAS; defaults to `KDNAS_THREADS` or the active cores.
    public static var threads: Int {
        get { lock.withLock { _threads } }
        set {
            let count = max(1, newValue)
            lock.withLock { _threads = count }
            openblas_set_num_threads(Int32(count))
        }
    }

    /// Applies the default thread count to OpenBLAS once; called by every entry point.
    public static func configure() {
        _ = configured
    }

    private static let configured: Bool = {
        openblas_set_num_threads(Int32(defaultThreads()))
        return true
    }()

    /// A description of the BLAS library in use, for `kdnas info` and benchmark reports.
    public static var blasDescription: String {
        guard let config = openblas_get_config() else { return "OpenBLAS" }
        let core = openblas_get_corename().map { String(cString: $0) } ?? "?"
        return "\(String(cString: config)) (core \(core), \(openblas_get_num_threads()) threads)"
    }

    private static func defaultThreads() -> Int {
        if let value = ProcessInfo.processInfo.environment["KDNAS_THREADS"], let count = Int(value), count > 0 {
            return count
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }
}

/// Splits index ranges across `Engine.threads` threads.
///
/// Every kernel that uses it writes disjoint outputs per chunk and computes each output in a
/// fixed order, so it gives the same bits for any thread count. Reductions across chunks
/// use fixed-size blocks instead (`Tensor.sum()`).
@usableFromInline
enum Parallel {
    /// Calls `body(start, end)` on chunks of `0..<count`, each at least `grain` long, in parallel.
    @inlinable
    static func forChunks(_ count: Int, grain: Int, _ body: (Int, Int) -> Void) {
        guard count > 0 else { return }
        let threads = Engine.threads
        let chunks = min((count + grain - 1) / max(grain, 1), threads * 4)
        if threads == 1 || chunks <= 1 {
            body(0, count)
            return
        }
        let size = (count + chunks - 1) / chunks
        withoutActuallyEscaping(body) { body in
            // Chunks write disjoint outputs (see above), so sharing the closure is safe.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk * size
                let end = min(start + size, count)
                if start < end { shared.value(start, end) }
            }
        }
    }
}

/// A value handed to the threads of a parallel loop, whose callers guarantee disjoint writes.
@usableFromInline
struct UncheckedSendable<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @inlinable init(_ value: Value) { self.value = value }
}
