import TensorCore
import TestSupport
import XCTest

/// Reshape, permute, transpose, slice, concatenate and split.
final class ShapeOpsTests: XCTestCase {
    /// Row-major index of `index` in `shape`.
    func flat(_ index: [Int], _ shape: [Int]) -> Int { zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 } }

    /// Every multi-index of `shape` in row-major order.
    func indices(_ shape: [Int]) -> [[Int]] {
        shape.reduce([[]]) { partial, size in partial.flatMap { prefix in (0..<size).map { prefix + [$0] } } }
    }

    func testReshape() {
        let x = leaf([2, 3, 4], seed: 1)
        let y = x.reshaped([6, -1])
        XCTAssertEqual(y.shape, [6, 4])
        assertClose(y.scalars, x.scalars, atol: 0, rtol: 0, "reshape")
        checkGradients("reshape", [x]) { $0[0].reshaped([4, 6]) }
    }

    func testPermuteAndTranspose() {
        let x = leaf([2, 3, 4, 5], seed: 2)
        for axes in [[0, 2, 1, 3], [3, 2, 1, 0], [1, 0, 2, 3], [0, 1, 3, 2], [2, 0, 3, 1]] {
            let y = x.permuted(axes)
            let expected = indices(y.shape).map { index -> Float in
                var source = [Int](repeating: 0, count: 4)
                for (i, axis) in axes.enumerated() { source[axis] = index[i] }
                return x.data[flat(source, x.shape)]
            }
            assertClose(y.scalars, expected, atol: 0, rtol: 0, "permute \(axes)")
            checkGradients("permute \(axes)", [x]) { $0[0].permuted(axes) }
        }
        let m = leaf([3, 5], seed: 3)
        let t = m.transposed()
        XCTAssertEqual(t.shape, [5, 3])
        assertClose(t.scalars, indices([5, 3]).map { m.data[$0[1] * 5 + $0[0]] }, atol: 0, rtol: 0, "transpose")
        checkGradients("transpose", [m]) { $0[0].transposed(0, 1) }
    }

    func testSliceConcatenateSplit() {
        let x = leaf([3, 4, 5], seed: 4)
        let s = x.slice(axis: 1, 1..<3)
        XCTAssertEqual(s.shape, [3, 2, 5])
        let expected = indices(s.shape).map { x.data[flat([$0[0], $0[1] + 1, $0[2]], x.shape)] }
        assertClose(s.scalars, expected, atol: 0, rtol: 0, "slice")
        checkGradients("slice axis 1", [x]) { $0[0].slice(axis: 1, 1..<3) }
        checkGradients("slice axis -1", [x]) { $0[0].slice(axis: -1, 2..<5) }

        let a = leaf([2, 3], seed: 5), b = leaf([2, 1], seed: 6), c = leaf([2, 2], seed: 7)
        let joined = Tensor.concatenate([a, b, c], axis: 1)
        XCTAssertEqual(joined.shape, [2, 6])
        var rows: [Float] = []
        for r in 0..<2 {
            rows += a.scalars[(r * 3)..<(r * 3 + 3)]
            rows.append(b.scalars[r])
            rows += c.scalars[(r * 2)..<(r * 2 + 2)]
        }
        assertClose(joined.scalars, rows, atol: 0, rtol: 0, "concatenate axis 1")
        checkGradients("concatenate axis 1", [a, b, c]) { Tensor.concatenate($0, axis: 1) }
        checkGradients("concatenate axis 0", [a, leaf([1, 3], seed: 8)]) { Tensor.concatenate($0, axis: 0) }

        let parts = x.split([1, 3], axis: 1)
        XCTAssertEqual(parts.map(\.shape), [[3, 1, 5], [3, 3, 5]])
        assertClose(Tensor.concatenate(parts, axis: 1).scalars, x.scalars, atol: 0, rtol: 0, "split then concatenate")
        checkGradients("split", [x]) { inputs in
            let p = inputs[0].split([2, 2], axis: 1)
            return p[0] * p[1]
        }
    }
}
