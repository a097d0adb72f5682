import Foundation
import TensorCore
import TestSupport
import XCTest

/// Embedding lookup, attention masks and the losses against Double references.
final class EmbeddingAndLossTests: XCTestCase {
    func testEmbedding() {
        let weight = leaf([6, 4], seed: 1)
        let ids = [5, 0, 2, 2, 5, 1]  // repeated ids: the backward must add, not overwrite
        let y = Tensor.embedding(weight, ids: ids, shape: [2, 3])
        XCTAssertEqual(y.shape, [2, 3, 4])
        assertClose(y.scalars, ids.flatMap { id in (0..<4).map { weight.data[id * 4 + $0] } }, atol: 0, rtol: 0, "embedding")
        checkGradients("embedding", [weight]) { Tensor.embedding($0[0], ids: ids, shape: [2, 3]) }
        // The padding row gets no gradient, as nn.Embedding(padding_idx:) does.
        weight.zeroGrad()
        Tensor.embedding(weight, ids: ids, shape: [2, 3], paddingIndex: 2).sum().backward()
        XCTAssertEqual(Array(weight.grad!.scalars[8..<12]), [0, 0, 0, 0])
        XCTAssertEqual(Array(weight.grad!.scalars[20..<24]), [2, 2, 2, 2])
    }

    func testAdditiveAttentionMask() {
        let mask = Tensor([1, 1, 0, 1, 0, 0], shape: [2, 3])
        let bias = Tensor.additiveAttentionMask(mask)
        XCTAssertEqual(bias.shape, [2, 1, 1, 3])
        let scores = leaf([2, 2, 3, 3], seed: 2)
        let probabilities = (scores + bias).softmax()
        for b in 0..<2 {
            for row in 0..<6 {
                let base = (b * 6 + row) * 3
                for key in 0..<3 where mask.data[b * 3 + key] == 0 {
                    XCTAssertEqual(probabilities.data[base + key], 0, "padded key \(key) of batch \(b) gets no attention")
                }
            }
        }
        checkGradients("scores + attention mask, softmax", [scores]) { ($0[0] + bias).softmax() }
    }

    func testCrossEntropy() {
        let logits = leaf([5, 4], low: -2, high: 2, seed: 3)
        let labels = [3, -100, 0, 1, 3]
        var expected = 0.0
        for (row, label) in labels.enumerated() where label != -100 {
            let z = (0..<4).map { Double(logits.data[row * 4 + $0]) }
            expected += Foundation.log(z.map(Foundation.exp).reduce(0, +)) - z[label]
        }
        expected /= 4
        assertClose([Tensor.crossEntropy(logits, labels: labels).item], [expected], "cross-entropy with an ignored row")
        checkGradients("cross-entropy", [logits]) { Tensor.crossEntropy($0[0], labels: labels) }
        XCTAssertTrue(Tensor.crossEntropy(logits, labels: [Int](repeating: -100, count: 5)).item.isNaN,
                      "every label ignored gives NaN, as PyTorch")
    }

    func testMeanSquaredError() {
        let a = leaf([3, 5], seed: 4), b = leaf([3, 5], seed: 5)
        let expected = zip(a.scalars, b.scalars).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / 15
        assertClose([Tensor.meanSquaredError(a, b).item], [expected], "mse")
        checkGradients("mse", [a, b]) { Tensor.meanSquaredError($0[0], $0[1]) }
    }

    func testKLDivergence() {
        let student = leaf([4, 6], low: -2, high: 2, seed: 6), teacher = leaf([4, 6], low: -3, high: 3, seed: 7)
        for temperature: Float in [1, 2.5] {
            var expected = 0.0
            for row in 0..<4 {
                func logSoftmax(_ t: Tensor) -> [Double] {
                    let z = (0..<6).map { Double(t.data[row * 6 + $0]) / Double(temperature) }
                    let lse = Foundation.log(z.map(Foundation.exp).reduce(0, +))
                    return z.map { $0 - lse }
                }
                let ls = logSoftmax(student), lt = logSoftmax(teacher)
                expected += zip(lt, ls).map { Foundation.exp($0) * ($0 - $1) }.reduce(0, +)
            }
            expected /= 4
            let label = "KL divergence at temperature \(temperature)"
            assertClose([Tensor.klDivergence(student: student, teacher: teacher, temperature: temperature).item],
                        [expected], label)
            checkGradients(label, [student, teacher]) {
                Tensor.klDivergence(student: $0[0], teacher: $0[1], temperature: temperature)
            }
        }
    }
}
