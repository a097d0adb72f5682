import TensorCore
import TestSupport
import XCTest

/// Seeded creation and dropout.
final class SamplingTests: XCTestCase {
    func testCreation() {
        XCTAssertEqual(Tensor.zeros([2, 3]).scalars, [Float](repeating: 0, count: 6))
        XCTAssertEqual(Tensor.ones([4]).scalars, [1, 1, 1, 1])
        XCTAssertEqual(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).shape, [2, 3])
        let n = Tensor.normal([100_000], mean: 1, std: 2, seed: 7)
        let mean = n.scalars.reduce(0.0) { $0 + Double($1) } / 100_000
        let std = (n.scalars.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / 100_000).squareRoot()
        print("normal(1, 2): mean \(mean), std \(std)")
        XCTAssertEqual(mean, 1, accuracy: 0.03)
        XCTAssertEqual(std, 2, accuracy: 0.03)
        XCTAssertEqual(Tensor.normal([33], seed: 7).scalars, Tensor.normal([33], seed: 7).scalars)
        XCTAssertNotEqual(Tensor.normal([33], seed: 7).scalars, Tensor.normal([33], seed: 8).scalars)
        let u = Tensor.uniform([50_000], low: -2, high: 3, seed: 9)
        XCTAssertTrue(u.scalars.allSatisfy { $0 >= -2 && $0 < 3 })
        XCTAssertEqual(u.scalars.reduce(0.0) { $0 + Double($1) } / 50_000, 0.5, accuracy: 0.03)
    }

    func testGeneratorAdvances() {
        var generator = RandomGenerator(seed: 3)
        let first = Tensor.normal([5], generator: &generator)
        let second = Tensor.normal([5], generator: &generator)
        XCTAssertNotEqual(first.scalars, second.scalars)
        var replay = RandomGenerator(seed: 3, offset: generator.offset - 3)
        XCTAssertEqual(Tensor.normal([5], generator: &replay).scalars, second.scalars)
    }

    func testDropout() {
        let x = leaf([200, 50], low: 1, high: 2, seed: 1)
        var generator = RandomGenerator(seed: 42)
        let y = x.dropout(0.25, generator: &generator)
        let kept = zip(y.scalars, x.scalars).filter { $0.0 != 0 }
        let fraction = Double(kept.count) / Double(x.count)
        print("dropout 0.25: kept fraction \(fraction)")
        XCTAssertEqual(fraction, 0.75, accuracy: 0.02)
        assertClose(kept.map(\.0), kept.map { Double($0.1) / 0.75 }, "dropout scale of kept elements")
        var same = RandomGenerator(seed: 42)
        XCTAssertEqual(x.dropout(0.25, generator: &same).scalars, y.scalars, "same seed, same mask")
        XCTAssertEqual(x.dropout(0, generator: &same).scalars, x.scalars)

        // The gradient is the mask: check with the generator replayed for every evaluation.
        let small = leaf([6, 7], seed: 2)
        checkGradients("dropout", [small]) { t in
            var g = RandomGenerator(seed: 5)
            return t[0].dropout(0.3, generator: &g)
        }
    }

    /// The C kernel draws RandomGenerator's stream: each element's mask is the Swift definition's,
    /// bit for bit, across the chunks of a parallel split, from an offset inside the stream.
    func testDropoutMaskIsTheGeneratorsStream() {
        let x = leaf([300, 500], low: -2, high: 2, seed: 3)
        var generator = RandomGenerator(seed: 7, offset: 12_345)
        let y = x.dropout(0.1, generator: &generator)
        XCTAssertEqual(generator.offset, 12_345 + UInt64(x.count), "dropout reserves one position per element")
        let keep: Float = 1 / (1 - 0.1)
        let input = x.scalars, output = y.scalars
        var mismatches = 0
        for i in 0..<x.count {
            let u = RandomGenerator.unitFloat(RandomGenerator.value(seed: 7, position: 12_345 + UInt64(i)))
            let expected = input[i] * (u < 0.1 ? 0 : keep)
            if expected.bitPattern != output[i].bitPattern { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0, "elements whose mask differs from RandomGenerator's")
    }
}
