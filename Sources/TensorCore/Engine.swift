import CBLAS
import COneDNN
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
