// kdnas-bench: timings of the engine's kernels, printed as JSON lines for bench/*.py, which
// runs the reference (NumPy, PyTorch) in the same run and reports the ratios.
//
//     kdnas-bench gemm [--repeats 20] [--threads 2]
//     kdnas-bench distill-step --teacher DIR   (DistillStep.swift)
import Foundation
import Models
import NN
import TensorCore
import Text

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

func stringOption(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

func option(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let parsed = Int(arguments[i + 1]) else { return value }
    return parsed
}

// As kdnas does: where OpenBLAS fell back to generic kernels, start again with the processor's core.
if let core = Engine.blasCoreReplacement {
    setenv("OPENBLAS_CORETYPE", core, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
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
case "ops":
    // Element-wise and row-wise kernels on the shapes of a 4-layer/256-hidden student at batch 32, sequence 128.
    let x = Tensor.normal([32, 128, 1024], seed: 1), h = Tensor.normal([32, 128, 256], seed: 2)
    let bias = Tensor.normal([1024], seed: 3), gamma = Tensor.ones([256]), beta = Tensor.zeros([256])
    let scores = Tensor.normal([32, 4, 128, 128], seed: 4), mask = Tensor.zeros([32, 1, 1, 128])
    let g = Tensor.normal([32, 128, 1024], seed: 5)
    let cases: [(String, () -> Void)] = [
        ("gelu [32,128,1024]", { _ = x.gelu() }),
        ("gelu backward [32,128,1024]", {
            let xp = x.detached().requiringGrad()
            xp.gelu().backward(g)
        }),
        ("x + bias [32,128,1024]+[1024]", { _ = x + bias }),
        ("x + y [32,128,1024]", { _ = x + g }),
        ("layerNorm [32,128,256]", { _ = h.layerNorm(gamma: gamma, beta: beta, eps: 1e-12) }),
        ("softmax [32,4,128,128]", { _ = scores.softmax() }),
        ("scores + mask [32,4,128,128]", { _ = scores + mask }),
        ("scores * scalar [32,4,128,128]", { _ = scores * 0.125 }),
        ("permute 0213 [32,128,4,64]", { _ = h.reshaped([32, 128, 4, 64]).permuted([0, 2, 1, 3]) }),
        ("bias grad reduce [32,128,1024]->[1024]", { _ = x.sum(axis: 0).sum(axis: 0) }),
    ]
    for (name, body) in cases {
        let ms = medianMilliseconds(repeats: repeats) { name.contains("backward") ? body() : Autograd.noGrad { body() } }
        print("{\"name\": \"\(name)\", \"median_ms\": \(ms)}")
    }
case "infer":
    // Inference of a BertForSequenceClassification with random weights: no graph, dropout off.
    guard let path = stringOption("--config"), let config = try? BertConfig(contentsOf: URL(fileURLWithPath: path)) else {
        FileHandle.standardError.write(Data("kdnas-bench infer: --config CONFIG.json is required and must be valid\n".utf8))
        exit(2)
    }
    let model = BertForSequenceClassification(config, seed: 0)
    let batch = option("--batch", default: 1), seq = option("--seq", default: 128)
    var generator = RandomGenerator(seed: 1)
    let ids = (0..<(batch * seq)).map { _ in Int(generator.next() % UInt64(config.vocabSize)) }
    let tokens = TokenBatch(batch: batch, length: seq, inputIds: ids)
    let ms = medianMilliseconds(repeats: repeats) { _ = Autograd.noGrad { model(tokens).logits } }
    print("{\"name\": \"infer batch \(batch) seq \(seq)\", \"median_ms\": \(ms), \"threads\": \(Engine.threads)}")
case "distill-step":
    do {
        try DistillStepBench.run()
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
default:
    FileHandle.standardError.write(Data("usage: kdnas-bench gemm|ops|infer|distill-step [--repeats N] [--threads N] [--config F --batch B --seq S]\n".utf8))
    exit(2)
}
