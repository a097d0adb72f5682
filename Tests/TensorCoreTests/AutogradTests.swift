import TensorCore
import TestSupport
import XCTest

/// The tape: accumulation, shared inputs, no-grad mode, zeroing, and thread-count invariance.
final class AutogradTests: XCTestCase {
    func testGradientsAccumulateAcrossBackwardPasses() {
        let w = leaf([3], seed: 1)
        (w * 2).sum().backward()
        (w * 3).sum().backward()
        XCTAssertEqual(w.grad?.scalars, [5, 5, 5])
        w.zeroGrad()
        XCTAssertNil(w.grad)
    }

    func testSharedInputGetsTheSumOfItsPaths() {
        let x = Tensor([2, -1], shape: [2], requiresGrad: true)
        let y = x * x + x  // dy/dx = 2x + 1
        y.sum().backward()
        XCTAssertEqual(x.grad?.scalars, [5, -1])
        checkGradients("x·x + x·exp(x)", [leaf([4], seed: 2)]) { $0[0] * $0[0] + $0[0] * $0[0].exp() }
    }

    func testNoGradRecordsNothing() {
        let w = leaf([2, 2], seed: 3)
        let y = Autograd.noGrad { (w * 2).matmul(w) }
        XCTAssertFalse(y.requiresGrad, "outputs computed without gradients are not part of a graph")
        XCTAssertTrue(Autograd.isGradEnabled)
        let constant = Tensor.ones([2, 2])
        XCTAssertFalse((constant * 3).requiresGrad, "ops on constants record nothing")
    }

    /// Runs `body` with 1 and with 2 threads and returns both results.
    func withOneAndTwoThreads(_ body: () -> [[Float]]) -> ([[Float]], [[Float]]) {
        defer { Engine.threads = 2 }
        Engine.threads = 1
        let one = body()
        Engine.threads = 2
        return (one, body())
    }

    /// The Swift kernels give the same bits for any thread count.
    func testKernelsGiveTheSameBitsForAnyThreadCount() {
        let (one, two) = withOneAndTwoThreads {
            let x = Tensor.normal([64, 48, 96], seed: 1, requiresGrad: true)
            let gamma = Tensor.uniform([96], low: 0.5, high: 1.5, seed: 2, requiresGrad: true)
            let beta = Tensor.zeros([96], requiresGrad: true)
            let embedding = Tensor.normal([50, 96], seed: 4, requiresGrad: true)
            let ids = (0..<(64 * 48)).map { $0 * 7 % 50 }
            var generator = RandomGenerator(seed: 3)
            let h = (x + Tensor.embedding(embedding, ids: ids, shape: [64, 48])).layerNorm(gamma: gamma, beta: beta, eps: 1e-12)
                .gelu().dropout(0.1, generator: &generator)
            let p = h.permuted([1, 0, 2]).softmax()
            let loss = p.max(axis: 2).mean() + h.sum(axis: 0).sum() * 1e-3
                + Tensor.crossEntropy(h.reshaped([-1, 96]), labels: ids)
            loss.backward()
            return [p.scalars, x.grad!.scalars, gamma.grad!.scalars, beta.grad!.scalars, embedding.grad!.scalars, [loss.item]]
        }
        for (i, (a, b)) in zip(one, two).enumerated() {
            XCTAssertEqual(a, b, "tensor \(i) differs between 1 and 2 threads")
        }
    }

    /// Matrix products: OpenBLAS runs single-threaded and KDNAS splits whole rows or columns of
    /// the output across threads, but OpenBLAS may block a product of another shape differently,
    /// which reorders a sum: products agree within a normwise relative 1e-6, not bit for bit.
    func testMatrixProductsAgreeAcrossThreadCounts() {
        let (one, two) = withOneAndTwoThreads {
            let x = Tensor.normal([64, 48, 96], seed: 1, requiresGrad: true)
            let w = Tensor.normal([128, 96], std: 0.1, seed: 2, requiresGrad: true)
            let b = Tensor.normal([128], seed: 3, requiresGrad: true)
            let h = x.linear(weight: w, bias: b).gelu()                       // [64, 48, 128]
            let qkv = h.slice(axis: 2, 0..<96)                                 // [64, 48, 96]: 3 × 32, 4 heads of 8
            let context = Tensor.attentionContext(Tensor.attentionProbabilities(qkv, heads: 4, mask: nil), qkv, heads: 4)
            let scores = h.matmul(h, transposeB: true).softmax()
            (scores.sum(axis: 1).mean() + context.sum() * 1e-3 + h.sum() * 1e-3).backward()
            return [scores.scalars, context.scalars, x.grad!.scalars, w.grad!.scalars, b.grad!.scalars]
        }
        for (i, (a, b)) in zip(one, two).enumerated() {
            var difference = 0.0, norm = 0.0
            for (x, y) in zip(a, b) {
                difference += Double(x - y) * Double(x - y)
                norm += Double(y) * Double(y)
            }
            let relative = (difference / norm).squareRoot()
            print("threads 1 vs 2, product \(i): normwise relative difference \(relative)")
            XCTAssertLessThanOrEqual(relative, 1e-6, "product \(i)")
        }
    }
}

/// Graph memory: an output's node must not keep the output alive.
final class GraphLifetimeTests: XCTestCase {
    func testOutputsAreFreedWithTheirGraph() {
        let x = leaf([4, 4], seed: 1)
        weak var weakOutput: Tensor?
        do {
            let y = x.exp().softmax().tanh()
            weakOutput = y
            y.sum().backward()
        }
        XCTAssertNil(weakOutput, "a graph must not hold itself alive through its backward closures")
        XCTAssertNotNil(x.grad)
    }
}

