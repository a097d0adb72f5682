import TensorCore
import TestSupport
import XCTest

/// Broadcasting arithmetic against a naive index-by-index reference.
final class ArithmeticTests: XCTestCase {
    /// The naive broadcast of `f` over `a` and `b`, index by index in Double.
    func naiveBroadcast(_ a: Tensor, _ b: Tensor, _ f: (Double, Double) -> Double) -> [Double] {
        let shape = try! Shape.broadcast(a.shape, b.shape)
        let count = shape.reduce(1, *)
        func offset(_ index: [Int], _ s: [Int]) -> Int {
            var offset = 0
            for (axis, size) in s.enumerated() {
                let i = index[axis + shape.count - s.count]
                offset = offset * size + (size == 1 ? 0 : i)
            }
            return offset
        }
        return (0..<count).map { flat in
            var index = [Int](repeating: 0, count: shape.count), rest = flat
            for axis in stride(from: shape.count - 1, through: 0, by: -1) {
                index[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            return f(Double(a.data[offset(index, a.shape)]), Double(b.data[offset(index, b.shape)]))
        }
    }

    let shapePairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([2, 1, 4], [1, 3, 1]), ([3, 4], []),
        ([2, 3, 1, 5], [2, 1, 4, 5]),
    ]

    func testValuesAndGradients() {
        let ops: [(String, (Tensor, Tensor) -> Tensor, (Double, Double) -> Double)] = [
            ("add", { $0 + $1 }, { $0 + $1 }), ("subtract", { $0 - $1 }, { $0 - $1 }),
            ("multiply", { $0 * $1 }, { $0 * $1 }), ("divide", { $0 / $1 }, { $0 / $1 }),
        ]
        for (name, op, reference) in ops {
            for (sa, sb) in shapePairs {
                let a = leaf(sa, seed: 1)
                // Divisors kept away from zero.
                let b = name == "divide" ? leaf(sb, low: 0.5, high: 2, seed: 2) : leaf(sb, seed: 2)
                let label = "\(name) \(sa) \(sb)"
                assertClose(op(a, b).scalars, naiveBroadcast(a, b, reference), label)
                checkGradients(label, [a, b]) { op($0[0], $0[1]) }
            }
        }
    }

    func testScalarForms() {
        let a = leaf([3, 5], low: 0.5, high: 2, seed: 3)
        let cases: [(String, (Tensor) -> Tensor, (Double) -> Double)] = [
            ("a + 1.5", { $0 + 1.5 }, { $0 + 1.5 }), ("2 + a", { 2 + $0 }, { 2 + $0 }),
            ("a - 0.5", { $0 - 0.5 }, { $0 - 0.5 }), ("3 - a", { 3 - $0 }, { 3 - $0 }),
            ("a * 2.5", { $0 * 2.5 }, { $0 * 2.5 }), ("-1 * a", { -1 * $0 }, { -$0 }),
            ("a / 4", { $0 / 4 }, { $0 / 4 }), ("-a", { -$0 }, { -$0 }),
        ]
        for (label, op, reference) in cases {
            assertClose(op(a).scalars, a.scalars.map { reference(Double($0)) }, label)
            checkGradients(label, [a]) { op($0[0]) }
        }
    }

    func testBroadcastMismatchNamesOpAndShapes() {
        XCTAssertThrowsError(try Shape.broadcast([2, 3], [4], op: "add")) { error in
            XCTAssertEqual("\(error)", "add: shapes [2, 3] and [4] (expected equal sizes or 1 in each trailing dimension)")
        }
        XCTAssertEqual(try Shape.broadcast([5, 1, 3], [4, 1]), [5, 4, 3])
    }
}
