import Foundation
import TensorCore
import TestSupport
import XCTest

/// The packed-projection attention ops against attention composed from reshape, permute,
/// matmul and softmax, and their finite-difference gradients.
final class AttentionTests: XCTestCase {
    let (b, t, heads, d) = (2, 5, 3, 4)

    /// softmax(QKᵀ/√d + mask) and P·V from primitive ops.
    func composite(_ qkv: Tensor, mask: Tensor) -> (Tensor, Tensor) {
        let h = heads * d
        func split(_ y: Tensor) -> Tensor { y.reshaped([b, t, heads, d]).permuted([0, 2, 1, 3]) }
        let q = split(qkv.slice(axis: 2, 0..<h)), k = split(qkv.slice(axis: 2, h..<2 * h)), v = split(qkv.slice(axis: 2, 2 * h..<3 * h))
        let probabilities = (q.matmul(k, transposeB: true) * (1 / Float(d).squareRoot()) + mask).softmax()
        return (probabilities, probabilities.matmul(v).permuted([0, 2, 1, 3]).reshaped([b, t, h]))
    }

    func testMatchesTheComposite() {
        let qkv = leaf([b, t, 3 * heads * d], low: -2, high: 2, seed: 1)
        let mask = Tensor.additiveAttentionMask(Tensor([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], shape: [b, t]))
        let probabilities = Tensor.attentionProbabilities(qkv, heads: heads, mask: mask)
        let context = Tensor.attentionContext(probabilities, qkv, heads: heads)
        let (expectedProbabilities, expectedContext) = composite(qkv, mask: mask)
        assertClose(probabilities.scalars, expectedProbabilities.scalars, atol: 1e-6, "attention probabilities")
        assertClose(context.scalars, expectedContext.scalars, atol: 1e-6, "attention context")

        checkGradients("attention probabilities", [qkv]) { Tensor.attentionProbabilities($0[0], heads: self.heads, mask: mask) }
        let p = leaf([b, heads, t, t], low: 0, high: 1, seed: 2)
        checkGradients("attention context", [p, qkv]) { Tensor.attentionContext($0[0], $0[1], heads: self.heads) }
        checkGradients("attention, both ops", [qkv]) {
            Tensor.attentionContext(Tensor.attentionProbabilities($0[0], heads: self.heads, mask: mask), $0[0], heads: self.heads)
        }
    }

    /// Attending from the first q tokens only gives the first q rows of the full ops, and its own
    /// finite-difference gradients (keys and values of every token still receive them).
    func testFirstQueriesOnly() {
        let qkv = leaf([b, t, 3 * heads * d], low: -2, high: 2, seed: 3)
        let mask = Tensor.additiveAttentionMask(Tensor([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], shape: [b, t]))
        let full = Tensor.attentionProbabilities(qkv, heads: heads, mask: mask)
        let fullContext = Tensor.attentionContext(full, qkv, heads: heads)
        for q in [1, 2] {
            let probabilities = Tensor.attentionProbabilities(qkv, heads: heads, mask: mask, queries: q)
            XCTAssertEqual(probabilities.shape, [b, heads, q, t])
            assertClose(probabilities.scalars, full.slice(axis: 2, 0..<q).scalars, atol: 1e-6, "first \(q) rows of P")
            let context = Tensor.attentionContext(probabilities, qkv, heads: heads)
            XCTAssertEqual(context.shape, [b, q, heads * d])
            assertClose(context.scalars, fullContext.slice(axis: 1, 0..<q).scalars, atol: 1e-6, "first \(q) rows of P·V")
            checkGradients("attention probabilities, \(q) queries", [qkv]) {
                Tensor.attentionProbabilities($0[0], heads: self.heads, mask: mask, queries: q)
            }
            let p = leaf([b, heads, q, t], low: 0, high: 1, seed: 4)
            checkGradients("attention context, \(q) queries", [p, qkv]) { Tensor.attentionContext($0[0], $0[1], heads: self.heads) }
            checkGradients("attention, both ops, \(q) queries", [qkv]) {
                Tensor.attentionContext(Tensor.attentionProbabilities($0[0], heads: self.heads, mask: mask, queries: q), $0[0],
                                        heads: self.heads)
            }
        }
    }
}
