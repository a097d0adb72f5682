// kdnas-bench: timings of the engine's kernels, printed as JSON lines for bench/*.py, which
// runs the reference (NumPy, PyTorch) in the same run and reports the ratios.
//
//     kdnas-bench gemm [--repeats 20] [--threads 2]
import Foundation
import TensorCore

/// One GEMM case: C = op(A)·op(B), `batch` times.
struct GemmCase {
    let name: String
    let batch: Int, m: Int, n: Int, k: Int
    let transposeA: Bool, transposeB: Bool
}

/// The shapes of issue 2: three FFN/projection products and attention's batched products.
let gemmCases = [
    GemmCase(name: "4096x256 . 256x1024", batch: 1, m: 4096, n: 1024, k: 256, transposeA: false, transposeB: false),
    GemmCase(name: "4096x1024 . 1024x256", batch: 1, m: 4096, n: 256, k: 1024, transposeA: false, transposeB: false),
    GemmCase(name: "4096x384 . 384x1536", batch: 1, m: 4096, n: 1536, k: 384, transposeA: false, transposeB: false),
    GemmCase(name: "attention 128 x (128x64 . 64x128)", batch: 128, m: 128, n: 128, k: 64, transposeA: false, transposeB: false),
    GemmCase(name: "attention 128 x (128x64 . (128x64)T)", batch: 128, m: 128, n: 128, k: 64, transposeA: false, transposeB: true),
    GemmCase(name: "attention 128 x (128x128 . 128x64)", batch: 128, m: 128, n: 64, k: 128, transposeA: false, transposeB: false),
    GemmCase(name: "attention 128 x ((128x128)T . 128x64)", batch: 128, m: 128, n: 64, k: 128, transposeA: true, transposeB: false),
]

/// The median of `repeats` timed calls of `body`, in milliseconds, after two warm-up calls.
func medianMilliseconds(repeats: Int, _ body: () -> Void) -> Double {
    body(); body()
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

func option(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let parsed = Int(arguments[i + 1]) else { return value }
    return parsed
}

Engine.configure()
Engine.threads = option("--threads", default: Engine.threads)
let repeats = option("--repeats", default: 20)

switch CommandLine.arguments.dropFirst().first {
case "gemm":
    for c in gemmCases {
        let shapeA = c.transposeA ? [c.k, c.m] : [c.m, c.k], shapeB = c.transposeB ? [c.n, c.k] : [c.k, c.n]
        let lead = c.batch == 1 ? [] : [c.batch]
        let a = Tensor.normal(lead + shapeA, seed: 1), b = Tensor.normal(lead + shapeB, seed: 2)
        let ms = medianMilliseconds(repeats: repeats) { _ = a.matmul(b, transposeA: c.transposeA, transposeB: c.transposeB) }
        let gflops = 2 * Double(c.batch * c.m * c.n * c.k) / (ms * 1e6)
        let fields: [String: Any] = ["name": c.name, "median_ms": ms, "gflops": gflops, "threads": Engine.threads,
                                     "blas": Engine.blasDescription]
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
default:
    FileHandle.standardError.write(Data("usage: kdnas-bench gemm [--repeats N] [--threads N]\n".utf8))
    exit(2)
}
