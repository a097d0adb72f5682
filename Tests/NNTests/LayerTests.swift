import Foundation
import NN
import TensorCore
import TestSupport
import XCTest

/// Layers (gradient checks through their parameters) and the optimiser.
final class LayerTests: XCTestCase {
    func testLinear() {
        let layer = Linear(4, 3, std: 0.5, seed: 1)
        layer.bias!.data.update(from: [0.1, -0.2, 0.3], count: 3)
        let x = leaf([2, 5, 4], seed: 2)
        let y = layer(x)
        XCTAssertEqual(y.shape, [2, 5, 3])
        let expected = (0..<10).flatMap { row in
            (0..<3).map { o in
                (0..<4).reduce(Double(layer.bias!.data[o])) { $0 + Double(x.data[row * 4 + $1]) * Double(layer.weight.data[o * 4 + $1]) }
            }
        }
        assertClose(y.scalars, expected, "linear")
        checkGradients("linear", [x, layer.weight, layer.bias!]) { _ in layer(x) }
        XCTAssertEqual(layer.namedParameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(layer.parameterCount, 15)
    }

    func testLayerNormAndEmbedding() {
        let norm = NN.LayerNorm(6, eps: 1e-5)
        norm.weight.data.update(from: [1, 0.5, 2, 1, 1.5, 0.8], count: 6)
        let x = leaf([3, 6], low: -2, high: 2, seed: 3)
        checkGradients("LayerNorm layer", [x, norm.weight, norm.bias]) { _ in norm(x) }
        let embedding = Embedding(10, 4, seed: 4)
        checkGradients("Embedding layer", [embedding.weight]) { _ in embedding([1, 9, 1], shape: [3]) }
    }

    /// AdamW against the update rule of `torch.optim.AdamW`, in Double, for three steps.
    func testAdamWMatchesTheReferenceRule() {
        let w = Tensor([0.5, -1, 2], shape: [3], requiresGrad: true)
        let b = Tensor([0.1, 0.2], shape: [2], requiresGrad: true)
        let optimizer = AdamW([("dense.weight", w), ("dense.bias", b)], weightDecay: 0.1)
        XCTAssertEqual(optimizer.groups.map(\.decay), [true, false])
        var theta: [[Double]] = [[0.5, -1, 2], [0.1, 0.2]]
        var m: [[Double]] = [[0, 0, 0], [0, 0]], v: [[Double]] = [[0, 0, 0], [0, 0]]
        let lr = 0.01
        for step in 1...3 {
            let gradients: [[Double]] = [[0.3, -0.2 * Double(step), 1], [0.05, -0.5]]
            w.grad = Tensor(gradients[0].map(Float.init), shape: [3])
            b.grad = Tensor(gradients[1].map(Float.init), shape: [2])
            optimizer.update(lr: Float(lr))
            for p in 0..<2 {
                for i in theta[p].indices {
                    let g = gradients[p][i]
                    if p == 0 { theta[p][i] *= 1 - lr * 0.1 }
                    m[p][i] = 0.9 * m[p][i] + 0.1 * g
                    v[p][i] = 0.999 * v[p][i] + 0.001 * g * g
                    let mHat = m[p][i] / (1 - Foundation.pow(0.9, Double(step)))
                    let vHat = v[p][i] / (1 - Foundation.pow(0.999, Double(step)))
                    theta[p][i] -= lr * mHat / (vHat.squareRoot() + 1e-8)
                }
            }
        }
        assertClose(w.scalars, theta[0], atol: 1e-6, "AdamW weight after 3 steps")
        assertClose(b.scalars, theta[1], atol: 1e-6, "AdamW bias after 3 steps (no decay)")
    }

    func testGradientClipping() {
        let a = Tensor([0], shape: [1], requiresGrad: true), b = Tensor([0, 0], shape: [2], requiresGrad: true)
        a.grad = Tensor([3], shape: [1])
        b.grad = Tensor([0, 4], shape: [2])
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 1), 5, accuracy: 1e-6)
        assertClose(a.grad!.scalars + b.grad!.scalars, [0.6, 0, 0.8], atol: 1e-6, "clipped gradients")
        XCTAssertEqual(clippingScale(norm: 0.5, maxNorm: 1), 1, "a norm under the bound is not scaled")
        XCTAssertEqual(clippingScale(norm: .nan, maxNorm: 1), 1, "a norm that is not finite is left to the caller")
    }

    /// Tensors of several chunks: the norm against a Double sum, and the clipping factor folded into
    /// AdamW giving the same bits as clipping the gradients first and updating unscaled.
    func testFoldedClippingMatchesClippingFirstAcrossChunks() {
        let count = 3 * AdamW.chunkSize + 17
        var random = RandomGenerator(seed: 5)
        let values = (0..<count).map { _ in random.nextUnitFloat() * 2 - 1 }
        let grads = (0..<count).map { _ in random.nextUnitFloat() * 2 - 1 }
        let reference = grads.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let big = Tensor(values, shape: [count], requiresGrad: true)
        big.grad = Tensor(grads, shape: [count])
        XCTAssertEqual(Double(gradientNorm([big])), reference, accuracy: reference * 1e-6)

        let folded = Tensor(values, shape: [count], requiresGrad: true), clipped = Tensor(values, shape: [count], requiresGrad: true)
        // ε of the size of the clipped gradients (about 0.002 here): Adam's step is scale-free but for ε,
        // so an ignored scale shows in the result, as the unscaled control says.
        let unscaled = Tensor(values, shape: [count], requiresGrad: true)
        let first = AdamW([("w", folded)], eps: 1e-2), second = AdamW([("w", clipped)], eps: 1e-2)
        let control = AdamW([("w", unscaled)], eps: 1e-2)
        for _ in 0..<2 {
            for t in [folded, clipped, unscaled] { t.grad = Tensor(grads, shape: [count]) }
            let norm = clipGradientNorm([clipped], maxNorm: 1)
            first.update(lr: 1e-3, gradientScale: clippingScale(norm: norm, maxNorm: 1))
            second.update(lr: 1e-3)
            control.update(lr: 1e-3)
        }
        XCTAssertEqual(folded.scalars, clipped.scalars)
        XCTAssertNotEqual(folded.scalars, unscaled.scalars, "the scale reaches the update")
        XCTAssertNotEqual(folded.scalars, values, "the update moved the parameters")
    }

    /// The word embeddings' rows that a step's gradient misses take that step later (when read,
    /// reached again or synchronised): the parameter and its moments end with the bits of updating the
    /// whole tensor every step, rows read in between are up to date, and a restore forgets nothing.
    func testDeferredRowsGiveTheBitsOfUpdatingEveryRow() throws {
        let (rows, columns) = (50, 7)
        var random = RandomGenerator(seed: 9)
        let initial = (0..<(rows * columns)).map { _ in random.nextUnitFloat() - 0.5 }
        let name = "embeddings.word_embeddings.weight"
        XCTAssertTrue(AdamW.defersRows(name, shape: [rows, columns]))
        let lazy = Tensor(initial, shape: [rows, columns], requiresGrad: true)
        let eager = Tensor(initial, shape: [rows, columns], requiresGrad: true)
        var lazyOptimizer = AdamW([(name, lazy)], weightDecay: 0.1)
        let eagerOptimizer = AdamW([(name, eager)], weightDecay: 0.1, deferringRows: false)
        func gradient(_ reached: [Int]) -> [Float] {
            var g = [Float](repeating: 0, count: rows * columns)
            for row in reached { for j in 0..<columns { g[row * columns + j] = random.nextUnitFloat() * 2 - 1 } }
            return g
        }
        func row(_ t: Tensor, _ r: Int) -> [Float] { Array(t.scalars[(r * columns)..<((r + 1) * columns)]) }
        for step in 1...12 {
            let reached = (0..<3).map { _ in Int(random.next() % UInt64(rows)) }
            let g = gradient(reached)
            let skipped = step == 5  // no gradient reached the tensor: neither optimiser steps it
            for t in [lazy, eager] { t.grad = skipped ? nil : Tensor(g, shape: [rows, columns]) }
            let lr = Float(step) * 1e-3, scale: Float = step % 3 == 0 ? 0.25 : 1
            lazyOptimizer.update(lr: lr, gradientScale: scale)
            eagerOptimizer.update(lr: lr, gradientScale: scale)
            // A forward pass reads a few rows: they are brought up to date first.
            let read = [reached[0], (reached[0] + 17) % rows, (reached[0] + 17) % rows]
            let gathered = Tensor.embedding(lazy, ids: read)
            for (i, r) in read.enumerated() {
                XCTAssertEqual(Array(gathered.scalars[(i * columns)..<((i + 1) * columns)]), row(eager, r), "row \(r) read after step \(step)")
            }
            if step == 7 {
                // A checkpoint and a restore into a new optimiser in the middle.
                let saved = lazyOptimizer.state
                XCTAssertEqual(lazy.scalars, eager.scalars, "the state synchronises the rows")
                lazyOptimizer = AdamW([(name, lazy)], weightDecay: 0.1)
                try lazyOptimizer.restore(step: saved.step, tensors: saved.tensors.mapValues { Tensor($0.scalars, shape: $0.shape) })
            }
        }
        XCTAssertNotEqual(lazy.scalars, eager.scalars, "rows the last steps missed are held back until read")
        lazyOptimizer.synchronize()
        XCTAssertEqual(lazy.scalars, eager.scalars, "every row, bit for bit")
        let (lazyState, eagerState) = (lazyOptimizer.state, eagerOptimizer.state)
        XCTAssertEqual(lazyState.step, eagerState.step)
        for key in eagerState.tensors.keys { XCTAssertEqual(lazyState.tensors[key]?.scalars, eagerState.tensors[key]?.scalars, key) }
    }

    /// A second optimiser over the same word embeddings first applies what the first held back, and a
    /// restore that lacks a moment throws before it changes any.
    func testDeferredRowsChangeOwnersWholeAndAFailedRestoreChangesNothing() {
        let name = "embeddings.word_embeddings.weight"
        let initial = (0..<40).map { Float($0) * 0.01 }
        let lazy = Tensor(initial, shape: [10, 4], requiresGrad: true), eager = Tensor(initial, shape: [10, 4], requiresGrad: true)
        let first = AdamW([(name, lazy)]), control = AdamW([(name, eager)], deferringRows: false)
        var g = [Float](repeating: 0, count: 40)
        g[4] = 1  // row 1 only
        for (t, o) in [(lazy, first), (eager, control)] {
            t.grad = Tensor(g, shape: [10, 4])
            o.update(lr: 0.1)
        }
        XCTAssertNotEqual(lazy.scalars, eager.scalars, "the other rows' decay is held back")
        let second = AdamW([(name, lazy)])
        XCTAssertEqual(lazy.scalars, eager.scalars, "taking the parameter over applies it")
        let before = second.state.tensors[name + ".exp_avg"]!.scalars
        XCTAssertThrowsError(try second.restore(step: 3, tensors: [name + ".exp_avg": Tensor(Array(repeating: 5, count: 40), shape: [10, 4])]))
        XCTAssertEqual(second.state.tensors[name + ".exp_avg"]!.scalars, before, "a failed restore wrote nothing")
        XCTAssertEqual(second.state.step, 0)
    }
}
