import TensorCore
import TestSupport
import XCTest

/// Matrix products through BLAS against a naive triple loop in Double.
final class MatMulTests: XCTestCase {
    /// C = op(A)·op(B) for one matrix pair, naive.
    func naive(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, ta: Bool, tb: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = ta ? a[p * m + i] : a[i * k + p]
                    let y = tb ? b[j * k + p] : b[p * n + j]
                    sum += Double(x) * Double(y)
                }
                c[i * n + j] = sum
            }
        }
        return c
    }

    func test2DWithTransposeFlags() {
        let (m, n, k) = (5, 4, 3)
        for ta in [false, true] {
            for tb in [false, true] {
                let a = leaf(ta ? [k, m] : [m, k], seed: 1), b = leaf(tb ? [n, k] : [k, n], seed: 2)
                let label = "matmul transposeA \(ta) transposeB \(tb)"
                let c = a.matmul(b, transposeA: ta, transposeB: tb)
                XCTAssertEqual(c.shape, [m, n])
                assertClose(c.scalars, naive(a.scalars, b.scalars, m: m, n: n, k: k, ta: ta, tb: tb), label)
                checkGradients(label, [a, b]) { $0[0].matmul($0[1], transposeA: ta, transposeB: tb) }
            }
        }
    }

    func testBatchedWithTransposeFlags() {
        let (batch, m, n, k) = (3, 4, 5, 2)
        for ta in [false, true] {
            for tb in [false, true] {
                let a = leaf([batch] + (ta ? [k, m] : [m, k]), seed: 3)
                let b = leaf([batch] + (tb ? [n, k] : [k, n]), seed: 4)
                let label = "batched matmul transposeA \(ta) transposeB \(tb)"
                let c = a.matmul(b, transposeA: ta, transposeB: tb)
                XCTAssertEqual(c.shape, [batch, m, n])
                let av = a.scalars, bv = b.scalars
                var expected: [Double] = []
                for i in 0..<batch {
                    let ai = Array(av[(i * m * k)..<((i + 1) * m * k)]), bi = Array(bv[(i * n * k)..<((i + 1) * n * k)])
                    expected += naive(ai, bi, m: m, n: n, k: k, ta: ta, tb: tb)
                }
                assertClose(c.scalars, expected, label)
                checkGradients(label, [a, b]) { $0[0].matmul($0[1], transposeA: ta, transposeB: tb) }
            }
        }
        // Two batch dimensions, as attention's [batch, heads, length, headSize].
        let q = leaf([2, 3, 4, 2], seed: 5), kT = leaf([2, 3, 4, 2], seed: 6)
        checkGradients("attention scores q·kᵀ", [q, kT]) { $0[0].matmul($0[1], transposeB: true) }
    }

    /// A rank-3 input against a shared [out, in] weight: a linear layer.
    func testSharedWeight() {
        let x = leaf([2, 3, 4], seed: 7), w = leaf([5, 4], seed: 8)
        let y = x.matmul(w, transposeB: true)
        XCTAssertEqual(y.shape, [2, 3, 5])
        assertClose(y.scalars, naive(x.scalars, w.scalars, m: 6, n: 5, k: 4, ta: false, tb: true), "linear x·wᵀ")
        checkGradients("linear x·wᵀ", [x, w]) { $0[0].matmul($0[1], transposeB: true) }
        checkGradients("x·w", [x, leaf([4, 5], seed: 9)]) { $0[0].matmul($0[1]) }
    }

    /// Every matrix library KDNAS can route products to gives the naive product, for each transpose
    /// pair, on a product large enough to be split across threads.
    func testEveryMatrixLibraryGivesTheProduct() throws {
        let previous = Engine.matrixLibrary
        defer { try? Engine.useMatrixLibrary(previous) }
        let libraries = MatrixLibrary.allCases.filter { $0 != .oneDNN || MatrixLibrary.oneDNNIsInstalled }
        print("matrix libraries tested: \(libraries.map(\.rawValue)) (oneDNN installed: \(MatrixLibrary.oneDNNIsInstalled))")
        let (m, n, k) = (96, 80, 72)
        for library in libraries {
            try Engine.useMatrixLibrary(library)
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = leaf(ta ? [k, m] : [m, k], seed: 3), b = leaf(tb ? [n, k] : [k, n], seed: 4)
                    let c = a.matmul(b, transposeA: ta, transposeB: tb)
                    assertClose(c.scalars, naive(a.scalars, b.scalars, m: m, n: n, k: k, ta: ta, tb: tb),
                                "\(library.rawValue) transposeA \(ta) transposeB \(tb)")
                }
            }
        }
        if !MatrixLibrary.oneDNNIsInstalled {
            XCTAssertThrowsError(try Engine.useMatrixLibrary(.oneDNN), "oneDNN asked for without the library")
        }
    }
}

/// The fused linear op and scaled products against their unfused compositions.
final class FusedProductTests: XCTestCase {
    func testLinearMatchesMatmulPlusBias() {
        let x = leaf([2, 3, 4], seed: 1), w = leaf([5, 4], seed: 2), b = leaf([5], seed: 3)
        assertClose(x.linear(weight: w, bias: b).scalars, (x.matmul(w, transposeB: true) + b).scalars, "linear vs matmul + bias")
        assertClose(x.linear(weight: w, bias: nil).scalars, x.matmul(w, transposeB: true).scalars, "linear without bias")
        checkGradients("linear op", [x, w, b]) { $0[0].linear(weight: $0[1], bias: $0[2]) }
    }

    func testAlphaScalesTheProductAndItsGradients() {
        let a = leaf([2, 3, 4], seed: 4), b = leaf([2, 5, 4], seed: 5)
        assertClose(a.matmul(b, transposeB: true, alpha: 0.25).scalars, (a.matmul(b, transposeB: true) * 0.25).scalars,
                    "alpha-scaled batched product")
        checkGradients("batched matmul alpha 0.25", [a, b]) { $0[0].matmul($0[1], transposeB: true, alpha: 0.25) }
        let x = leaf([3, 4], seed: 6), w = leaf([4, 2], seed: 7)
        checkGradients("matmul alpha 1.5", [x, w]) { $0[0].matmul($0[1], alpha: 1.5) }
    }

}
