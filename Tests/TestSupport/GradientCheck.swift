import Foundation
import TensorCore
import XCTest

/// The largest absolute and relative differences between two arrays, printed by every check.
public struct Difference: CustomStringConvertible {
    /// max |a − b|.
    public var maxAbs: Double = 0
    /// max |a − b| / max(|b|, 1e-3).
    public var maxRel: Double = 0
    /// Elements outside `atol + rtol·|b|`.
    public var failures = 0

    /// Compares `actual` with `expected` elementwise under `atol + rtol·|expected|`.
    public init<A: Collection, B: Collection>(_ actual: A, _ expected: B, atol: Double, rtol: Double)
    where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
        precondition(actual.count == expected.count, "Difference: \(actual.count) vs \(expected.count) elements")
        for (a, e) in zip(actual, expected) {
            let a = Double(a), e = Double(e)
            let diff = abs(a - e)
            maxAbs = max(maxAbs, diff.isNaN ? .infinity : diff)
            maxRel = max(maxRel, diff / max(abs(e), 1e-3))
            if !(diff <= atol + rtol * abs(e)) && !(a.isNaN && e.isNaN) && !(a == e) { failures += 1 }
        }
    }

    /// `max abs 1.2e-07, max rel 3.4e-06`.
    public var description: String {
        String(format: "max abs %.3e, max rel %.3e", maxAbs, maxRel)
    }
}

/// Asserts that `actual` matches `expected` and prints the difference under `label`.
public func assertClose<A: Collection, B: Collection>(
    _ actual: A, _ expected: B, atol: Double = 1e-5, rtol: Double = 1e-5, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
    guard actual.count == expected.count else {
        XCTFail("\(label): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    let difference = Difference(actual, expected, atol: atol, rtol: rtol)
    print("value check \(label): \(difference)")
    XCTAssertEqual(difference.failures, 0, "\(label): \(difference.failures) values outside atol \(atol), rtol \(rtol); \(difference)",
                   file: file, line: line)
}

/// Central finite-difference gradient check of `f` with respect to every input that requires gradients.
///
/// The analytic gradient is the backward pass seeded with fixed random weights `w` (so the
/// scalar checked is Σ w ⊙ f(x)); the numeric one is `(L(x + h) − L(x − h)) / 2h` per element,
/// with L accumulated in Double from the float32 outputs. `h` is relative to each input's size:
/// large enough that float32 rounding (~1e-7·|L|/h) stays below the tolerance, small enough
/// that the truncation error (~h²·f‴) does too. Keep inputs away from kinks (ReLU at 0, max ties).
public func checkGradients(
    _ label: String, _ inputs: [Tensor], h: Float = 1e-2, atol: Double = 1e-3, rtol: Double = 1e-2,
    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor
) {
    for input in inputs { input.zeroGrad() }
    let output = f(inputs)
    let weights = Tensor.uniform(output.shape, low: -1, high: 1, seed: 977)
    output.backward(weights)
    let w = weights.scalars

    func loss() -> Double {
        Autograd.noGrad {
            let y = f(inputs)
            var total = 0.0
            for i in 0..<y.count { total += Double(y.data[i]) * Double(w[i]) }
            return total
        }
    }

    for (index, input) in inputs.enumerated() where input.requiresGrad {
        guard let analytic = input.grad?.scalars else {
            XCTFail("\(label): input \(index) received no gradient", file: file, line: line)
            continue
        }
        var numeric = [Double](repeating: 0, count: input.count)
        for i in 0..<input.count {
            let original = input.data[i]
            let step = h * max(1, abs(original))
            input.data[i] = original + step
            let plus = loss()
            input.data[i] = original - step
            let minus = loss()
            input.data[i] = original
            // The step actually taken in float32, not the one asked for.
            let taken = Double(original + step) - Double(original - step)
            numeric[i] = (plus - minus) / taken
        }
        let difference = Difference(analytic, numeric, atol: atol, rtol: rtol)
        print("gradient check \(label) input \(index) \(input.shape): \(difference)")
        XCTAssertEqual(difference.failures, 0,
                       "\(label) input \(index): \(difference.failures) of \(input.count) gradients outside atol \(atol), rtol \(rtol); \(difference)",
                       file: file, line: line)
    }
}

/// A parameter-like tensor of `shape` with values uniform in [low, high).
public func leaf(_ shape: [Int], low: Float = -1, high: Float = 1, seed: UInt64) -> Tensor {
    Tensor.uniform(shape, low: low, high: high, seed: seed, requiresGrad: true)
}
