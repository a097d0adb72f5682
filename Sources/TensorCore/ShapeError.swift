/// A shape mismatch between the operands of an op.
///
/// Ops trap with this message (a shape mismatch inside a model is a programmer error, as in
/// PyTorch); code that takes shapes from users checks them first with the throwing helpers
/// (`Shape.broadcast`), which throw it.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    /// The op that was called, such as `add` or `matmul`.
    public let op: String
    /// The shapes of its operands.
    public let shapes: [[Int]]
    /// What was expected of them.
    public let expected: String

    /// A mismatch in `op` between `shapes`, which should satisfy `expected`.
    public init(op: String, shapes: [[Int]], expected: String) {
        self.op = op
        self.shapes = shapes
        self.expected = expected
    }

    /// `add: shapes [2, 3] and [4] do not broadcast (expected equal sizes or 1 in each trailing dimension)`.
    public var description: String {
        let listed = shapes.map { "\($0)" }
        let joined = listed.count == 2 ? "\(listed[0]) and \(listed[1])" : listed.joined(separator: ", ")
        return "\(op): shape\(shapes.count == 1 ? "" : "s") \(joined) (expected \(expected))"
    }
}

/// Shape arithmetic shared by the ops.
public enum Shape {
    /// The broadcast shape of `a` and `b` under NumPy rules, or a `ShapeError` naming `op`.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String = "broadcast") throws(ShapeError) -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else {
                throw ShapeError(op: op, shapes: [a, b], expected: "equal sizes or 1 in each trailing dimension")
            }
            result[i] = da == 1 ? db : da
        }
        return result
    }

    /// Row-major strides of `shape` aligned to `rank` dimensions, 0 where a dimension is broadcast.
    static func broadcastStrides(_ shape: [Int], to result: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: result.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let j = i + result.count - shape.count
            strides[j] = shape[i] == 1 && result[j] != 1 ? 0 : step
            step *= shape[i]
        }
        return strides
    }

    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = step
            step *= shape[i]
        }
        return strides
    }
}
