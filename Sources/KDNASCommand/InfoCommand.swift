import ArgumentParser
import Foundation
import TensorCore

/// `kdnas info`: the compute engine's set-up and a quick GEMM measurement on this machine.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the compute engine (BLAS, threads, inference kernel) and measure matrix-product throughput.",
        discussion: "Example: kdnas info --threads 2 --json")

    @OptionGroup var engine: EngineOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        try engine.apply()
        let (m, k, n) = (1024, 1024, 1024)
        let a = Tensor.normal([m, k], seed: 1), b = Tensor.normal([k, n], seed: 2)
        _ = a.matmul(b)
        var times: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = a.matmul(b)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let medianMs = times.sorted()[times.count / 2]
        let gflops = 2 * Double(m * k * n) / (medianMs * 1e6)
        if json {
            let fields: [String: Any] = [
                "blas": Engine.blasDescription, "threads": Engine.threads, "inference_kernel": PackedWeight.kernel,
                "gemm_1024_median_ms": medianMs, "gemm_1024_gflops": gflops,
            ]
            let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("BLAS:     \(Engine.blasDescription)")
            print("threads:  \(Engine.threads)")
            print("inference: products on weights packed once, \(PackedWeight.kernel) tile loops")
            print(String(format: "GEMM 1024³: %.2f ms median of 5, %.1f GFLOP/s", medianMs, gflops))
        }
    }
}
