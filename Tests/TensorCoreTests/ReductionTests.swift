import TensorCore
import TestSupport
import XCTest

/// Sum, mean and max along an axis and over everything.
final class ReductionTests: XCTestCase {
    /// The naive reduction of `x` along `axis` with `f` over the values of each slice.
    func naive(_ x: Tensor, axis: Int, _ f: ([Double]) -> Double) -> [Double] {
        let outer = x.shape.prefix(axis).reduce(1, *), size = x.shape[axis], inner = x.shape.suffix(from: axis + 1).reduce(1, *)
        return (0..<(outer * inner)).map { j in
            let (o, i) = (j / inner, j % inner)
            return f((0..<size).map { Double(x.data[(o * size + $0) * inner + i]) })
        }
    }

    func testAlongAxes() {
        let x = leaf([3, 4, 5], seed: 1)
        for axis in 0..<3 {
            let sum = x.sum(axis: axis)
            XCTAssertEqual(sum.shape, x.shape.enumerated().filter { $0.offset != axis }.map(\.element))
            assertClose(sum.scalars, naive(x, axis: axis) { $0.reduce(0, +) }, "sum axis \(axis)")
            assertClose(x.mean(axis: axis, keepDims: true).scalars, naive(x, axis: axis) { $0.reduce(0, +) / Double($0.count) },
                        "mean axis \(axis)")
            assertClose(x.max(axis: axis).scalars, naive(x, axis: axis) { $0.max()! }, "max axis \(axis)")
            checkGradients("sum axis \(axis)", [x]) { $0[0].sum(axis: axis) }
            checkGradients("mean axis \(axis)", [x]) { $0[0].mean(axis: axis, keepDims: true) }
            // Uniform random values have no ties, and a step of 1e-3 cannot reorder them.
            checkGradients("max axis \(axis)", [x], h: 1e-3) { $0[0].max(axis: axis) }
        }
        XCTAssertEqual(x.sum(axis: -1, keepDims: true).shape, [3, 4, 1])
    }

    func testOverAllElements() {
        let x = leaf([7, 9], seed: 2)
        assertClose([x.sum().item], [x.scalars.reduce(0.0) { $0 + Double($1) }], "sum")
        assertClose([x.mean().item], [x.scalars.reduce(0.0) { $0 + Double($1) } / 63], "mean")
        checkGradients("sum all", [x]) { $0[0].sum() }
        checkGradients("mean all", [x]) { $0[0].mean() }
    }
}
