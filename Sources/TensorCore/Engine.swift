import CBLAS
import COneDNN
import Dispatch
import Foundation

/// Process-wide compute settings: how many threads the kernels use.
///
/// Every parallel loop, matrix products included, runs on these threads; OpenBLAS and oneDNN
/// themselves are kept at one thread (see `BLAS`), so the two kinds of threading can never nest.
///
///     Engine.threads = 2      // kernels and matrix products split across two threads
public enum Engine {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var _threads: Int = defaultThreads()

    /// The thread count of the kernels; defaults to `KDNAS_THREADS` or the active cores.
    public static var threads: Int {
        get {
            _ = configured
            return lock.withLock { _threads }
        }
        set {
            _ = configured
            lock.withLock { _threads = max(1, newValue) }
        }
    }

    /// Sets OpenBLAS to one thread and picks the matrix library; done on first use of `threads`,
    /// callable early by entry points.
    public static func configure() {
        _ = configured
    }

    private static let configured: Bool = {
        openblas_set_num_threads(1)
        // KDNAS_BLAS names a library; one that does not load, or an unknown name, leaves the default (with a warning).
        let value = ProcessInfo.processInfo.environment["KDNAS_BLAS"]
        let named = value.flatMap { MatrixLibrary(rawValue: $0.lowercased()) }
        if let value, named == nil || named == .oneDNN && !MatrixLibrary.oneDNNIsInstalled {
            let reason = named == nil ? "expected one of \(MatrixLibrary.allCases.map(\.rawValue).joined(separator: ", "))"
                : "libdnnl.so.2 cannot be loaded"
            FileHandle.standardError.write(Data("warning: KDNAS_BLAS=\(value): \(reason); using auto\n".utf8))
        }
        BLAS.library = runnable(named == .oneDNN && !MatrixLibrary.oneDNNIsInstalled ? .automatic : named ?? .automatic)
        return true
    }()

    /// The library the matrix products run on (see `MatrixLibrary`).
    public static var matrixLibrary: MatrixLibrary {
        _ = configured
        return BLAS.library
    }

    /// Runs the matrix products on `library` from now on; `automatic` without oneDNN is OpenBLAS.
    public static func useMatrixLibrary(_ library: MatrixLibrary) throws(MatrixLibrary.Unavailable) {
        _ = configured
        guard library != .oneDNN || MatrixLibrary.oneDNNIsInstalled else { throw MatrixLibrary.Unavailable(library: library) }
        BLAS.library = runnable(library)
    }

    /// What `library` runs on here: `automatic` is OpenBLAS alone without oneDNN.
    private static func runnable(_ library: MatrixLibrary) -> MatrixLibrary {
        library == .automatic && !MatrixLibrary.oneDNNIsInstalled ? .openBLAS : library
    }

    /// Frees the buffers the engine keeps for reuse: between jobs of different shapes (a search's
    /// candidates), so that one job's buffers are not carried into the next.
    public static func releaseIdleMemory() { BufferPool.shared.releaseIdle() }

    /// The bytes of buffers the engine keeps for reuse.
    public static var idleMemoryBytes: Int { BufferPool.shared.idleByteCount }

    /// A description of the matrix library in use, for `kdnas info` and benchmark reports.
    public static var blasDescription: String {
        let split = "single-threaded calls, split over \(threads) KDNAS threads"
        let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
        let openBLAS = "\(config) (core \(openblas_get_corename().map { String(cString: $0) } ?? "?"))"
        let oneDNN = kd_onednn_version().map { "oneDNN \(String(cString: $0)) sgemm" } ?? "oneDNN"
        switch matrixLibrary {
        case .openBLAS: return "\(openBLAS); \(split)"
        case .oneDNN: return "\(oneDNN); \(split)"
        case .automatic: return "\(oneDNN), Aᵀ·B on \(openBLAS); \(split)"
        }
    }

    /// The OpenBLAS core to ask for when OpenBLAS fell back to its generic x86-64 kernels ("Prescott") on
    /// a processor it does not know: OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons and
    /// then runs sgemm about 5× slower. Nil when the core was detected, when `OPENBLAS_CORETYPE` is set
    /// already (the user's or the machine's choice is kept), or when the processor has neither AVX-512
    /// nor AVX2+FMA. The choice follows the processor's own flags, read at run time: SkylakeX for
    /// AVX-512 (F, BW, DQ, VL), Haswell for AVX2 and FMA.
    public static var blasCoreReplacement: String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let name = openblas_get_corename().map({ String(cString: $0) }), name.lowercased() == "prescott",
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
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
        withoutActuallyEscaping(body) { body in
            // Chunks write disjoint outputs (see above), so sharing the closure is safe. Each of the
            // `workers` threads takes every `workers`-th chunk: never more threads than asked for.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for chunk in stride(from: worker, to: chunks, by: workers) {
                    let start = chunk * size
                    let end = Swift.min(start + size, count)
                    if start < end { shared.value(start, end) }
                }
            }
        }
    }
}

/// A value handed to the threads of a parallel loop, whose callers guarantee disjoint writes.
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
