/// The target of one example: a class index (into the task's label names) or a regression value.
public enum Label: Sendable, Hashable, Codable {
    /// A class index, `0 ..< labelNames.count`.
    case classIndex(Int)
    /// A regression target (STS-B's similarity score).
    case value(Double)

    /// The label as a float for a loss: the class index, or the regression value.
    public var floatValue: Float {
        switch self {
        case .classIndex(let index): return Float(index)
        case .value(let value): return Float(value)
        }
    }

    /// The class index, or nil for a regression value.
    public var classIndex: Int? {
        if case .classIndex(let index) = self { return index }
        return nil
    }

    /// The regression value, or the class index as a Double.
    public var doubleValue: Double {
        switch self {
        case .classIndex(let index): return Double(index)
        case .value(let value): return value
        }
    }
}
