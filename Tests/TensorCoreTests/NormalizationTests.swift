import Foundation
import TensorCore
import TestSupport
import XCTest

/// Softmax, log-softmax and layer norm against Double references, and layer norm's fused
/// kernels against the composite written from primitive ops.
final class NormalizationTests: XCTestCase {
    func rows(_ x: Tensor) -> [[Double]] {
        let c = x.shape.last!
        return (0..<(x.count / c)).map { r in (0..<c).map { Double(x.data[r * c + $0]) } }
    }

    func naiveSoftmax(_ row: [Double]) -> [Double] {
        let peak = row.max()!
        let e = row.map { Foundation.exp($0 - peak) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    func testSoftmax() {
        let x = leaf([2, 3, 6], low: -3, high: 3, seed: 1)
        assertClose(x.softmax().scalars, rows(x).flatMap(naiveSoftmax), "softmax")
        assertClose(x.logSoftmax().scalars, rows(x).flatMap { naiveSoftmax($0).map(Foundation.log) }, "log softmax")
        checkGradients("softmax", [x]) { $0[0].softmax() }
        checkGradients("log softmax", [x]) { $0[0].logSoftmax() }
        // Large logits stay finite (the maximum is subtracted first).
        let big = Tensor([1000, 1001, 999], shape: [1, 3])
        assertClose(big.softmax().scalars, naiveSoftmax([1000, 1001, 999]), "softmax of large logits")
    }

    func testLayerNorm() {
        let x = leaf([2, 3, 8], low: -2, high: 2, seed: 2)
        let gamma = leaf([8], low: 0.5, high: 1.5, seed: 3), beta = leaf([8], seed: 4)
        let eps: Float = 1e-12
        let expected = rows(x).flatMap { row -> [Double] in
            let mean = row.reduce(0, +) / Double(row.count)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(row.count)
            return row.enumerated().map { j, v in
                (v - mean) / (variance + Double(eps)).squareRoot() * Double(gamma.data[j]) + Double(beta.data[j])
            }
        }
        assertClose(x.layerNorm(gamma: gamma, beta: beta, eps: eps).scalars, expected, atol: 1e-5, "layer norm")
        checkGradients("layer norm", [x, gamma, beta]) { $0[0].layerNorm(gamma: $0[1], beta: $0[2], eps: eps) }

        // The fused backward against the backward of the composite written from primitives.
        let composite: ([Tensor]) -> Tensor = { t in
            let mean = t[0].mean(axis: -1, keepDims: true)
            let centered = t[0] - mean
            let variance = (centered * centered).mean(axis: -1, keepDims: true)
            return centered / (variance + 1e-5).sqrt() * t[1] + t[2]
        }
        let fused: ([Tensor]) -> Tensor = { $0[0].layerNorm(gamma: $0[1], beta: $0[2], eps: 1e-5) }
        let seed = Tensor.uniform(x.shape, low: -1, high: 1, seed: 5)
        var gradients: [[[Float]]] = []
        for f in [fused, composite] {
            for t in [x, gamma, beta] { t.zeroGrad() }
            f([x, gamma, beta]).backward(seed)
            gradients.append([x, gamma, beta].map { $0.grad!.scalars })
        }
        for (i, name) in ["x", "gamma", "beta"].enumerated() {
            assertClose(gradients[0][i], gradients[1][i], atol: 1e-5, rtol: 1e-4, "layer norm fused vs composite d\(name)")
        }
    }
}

