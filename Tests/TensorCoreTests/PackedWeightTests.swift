@testable import TensorCore
import TestSupport
import XCTest

/// Products with a packed weight against a double-precision sum, for every tile loop this CPU runs, over shapes
/// that leave partial row blocks and partial panels.
final class PackedWeightTests: XCTestCase {
    private let kernels = ["generic", "avx2+fma", "avx512f"]

    override func tearDown() {
        XCTAssertTrue(PackedWeight.use(kernel: nil))
        super.tearDown()
    }

    private func uniform(_ count: Int, seed: UInt64) -> [Float] {
        var generator = RandomGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextUnitFloat() * 2 - 1 }
    }

    /// y = x·Wᵀ (+ bias) through a packed weight, with a sentinel after y that must stay untouched.
    private func product(_ x: [Float], _ w: [Float], bias: [Float]?, m: Int, n: Int, k: Int) -> [Float] {
        let packed = PackedWeight(w, rows: n, columns: k)
        var y = [Float](repeating: .nan, count: m * n + 16)
        y.withUnsafeMutableBufferPointer { out in
            if let bias {
                bias.withUnsafeBufferPointer { packed.multiply(x, count: m, bias: $0.baseAddress!, into: out.baseAddress!) }
            } else {
                packed.multiply(x, count: m, into: out.baseAddress!)
            }
        }
        XCTAssertTrue(y[(m * n)...].allSatisfy(\.isNaN), "nothing written past y")
        return Array(y[..<(m * n)])
    }

    private func reference(_ x: [Float], _ w: [Float], bias: [Float]?, m: Int, n: Int, k: Int) -> [Double] {
        (0..<m).flatMap { i in
            (0..<n).map { j in (0..<k).reduce(Double(bias?[j] ?? 0)) { $0 + Double(x[i * k + $1]) * Double(w[j * k + $1]) } }
        }
    }

    func testEveryKernelMatchesADoubleSumOnRaggedShapes() {
        var ran: [String] = []
        var outputs: [String: [[Float]]] = [:]
        for kernel in kernels where PackedWeight.use(kernel: kernel) {
            ran.append(kernel)
            var worst = 0.0
            // (200, 40, 1024): rows in chunks of 48, the last one partial.
            for (m, n, k) in [(1, 1, 1), (5, 15, 3), (6, 16, 64), (7, 17, 100), (13, 33, 64), (32, 48, 37), (3, 70, 128), (12, 2, 384),
                              (200, 40, 1024)] {
                let seed = UInt64(m * 10_000 + n * 100 + k)
                let (x, w, bias) = (uniform(m * k, seed: seed), uniform(n * k, seed: seed + 1), uniform(n, seed: seed + 2))
                for withBias in [false, true] {
                    let actual = product(x, w, bias: withBias ? bias : nil, m: m, n: n, k: k)
                    let difference = Difference(actual, reference(x, w, bias: withBias ? bias : nil, m: m, n: n, k: k), atol: 1e-5 * Double(k).squareRoot(), rtol: 0)
                    XCTAssertEqual(difference.failures, 0, "\(kernel) m \(m) n \(n) k \(k) bias \(withBias): \(difference)")
                    worst = max(worst, difference.maxAbs)
                    outputs[kernel, default: []].append(actual)
                }
            }
            print("packed weight product (\(kernel)) vs double sum: max abs \(worst)")
        }
        XCTAssertTrue(ran.contains("generic"))
        if let avx2 = outputs["avx2+fma"], let avx512 = outputs["avx512f"] {
            XCTAssertEqual(avx2, avx512, "both FMA tile loops sum in the same order: the same bits")
        }
        print("packed weight kernels run here: \(ran.joined(separator: ", "))")
    }

    /// The threads split the output's columns, each computed whole by one: the same bits for 1 and 2 threads.
    func testOneAndTwoThreadsGiveTheSameBits() {
        let (m, n, k) = (40, 300, 384)
        let (x, w, bias) = (uniform(m * k, seed: 1), uniform(n * k, seed: 2), uniform(n, seed: 3))
        let saved = Engine.threads
        defer { Engine.threads = saved }
        Engine.threads = 1
        let one = product(x, w, bias: bias, m: m, n: n, k: k)
        Engine.threads = 2
        XCTAssertEqual(product(x, w, bias: bias, m: m, n: n, k: k), one)
        XCTAssertLessThan(Difference(one, reference(x, w, bias: bias, m: m, n: n, k: k), atol: 1e-4, rtol: 0).maxAbs, 1e-4)
    }
}
