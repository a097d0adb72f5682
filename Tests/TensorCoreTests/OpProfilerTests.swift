import XCTest
@testable import TensorCore

final class OpProfilerTests: XCTestCase {
    /// A small two-layer step: linear, gelu, linear, sum, backward.
    private func step(_ profiler: OpProfiler, x: Tensor, w1: Tensor, w2: Tensor) {
        let loss = profiler.phase("forward") { x.linear(weight: w1, bias: nil).gelu().linear(weight: w2, bias: nil).sum() }
        profiler.phase("backward") { loss.backward() }
        profiler.phase("zero") { w1.zeroGrad(); w2.zeroGrad() }
    }

    func testRowsNameEachOpFamilyAndSumToThePhases() {
        let x = Tensor.normal([64, 32], seed: 1)
        let w1 = Tensor.normal([48, 32], seed: 2, requiresGrad: true), w2 = Tensor.normal([16, 48], seed: 3, requiresGrad: true)
        let profiler = OpProfiler()
        OpProfiler.$current.withValue(profiler) {
            for _ in 0..<3 { step(profiler, x: x, w1: w1, w2: w2) }
        }
        let rows = profiler.rows(steps: 3)
        let forward = rows.filter { $0.phase == "forward" }, backward = rows.filter { $0.phase == "backward" }
        XCTAssertEqual(Set(forward.map(\.op)), ["linear", "gelu", "sum", "(other)"])
        XCTAssertEqual(Set(backward.map(\.op)), ["linear", "gelu", "sum", "(other)"])
        XCTAssertEqual(forward.first { $0.op == "linear" }?.calls, 2, "two linear ops per step")
        XCTAssertEqual(rows.filter { $0.phase == "zero" }.map(\.op), ["(all)"], "a phase without ops is one row")
        XCTAssertTrue(rows.allSatisfy { $0.milliseconds >= 0 })
        let sum = rows.reduce(0) { $0 + $1.milliseconds }
        print(String(format: "op profiler: rows sum to %.4f ms, phases %.4f ms per step", sum, profiler.total(steps: 3)))
        XCTAssertEqual(sum, profiler.total(steps: 3), accuracy: 1e-9 + 1e-9 * sum)
    }

    func testANestedPhaseIsPartOfItsOuterOneAndOpsOutsidePhasesAreNotCharged() {
        let profiler = OpProfiler()
        let w = Tensor.normal([8, 8], seed: 5, requiresGrad: true)
        OpProfiler.$current.withValue(profiler) {
            _ = w.linear(weight: w, bias: nil)  // outside every phase
            profiler.phase("outer") {
                _ = w.linear(weight: w, bias: nil)
                profiler.phase("inner") { _ = w.relu() }
            }
        }
        let rows = profiler.rows(steps: 1)
        XCTAssertEqual(Set(rows.map(\.phase)), ["outer"])
        XCTAssertEqual(rows.first { $0.op == "linear" }?.calls, 1)
        XCTAssertEqual(rows.first { $0.op == "relu" }?.calls, 1)
        XCTAssertEqual(rows.reduce(0) { $0 + $1.milliseconds }, profiler.total(steps: 1), accuracy: 1e-9)
    }

    func testNothingIsChargedWithoutACurrentProfiler() {
        let profiler = OpProfiler()
        let w = Tensor.normal([8, 8], seed: 4, requiresGrad: true)
        profiler.phase("forward") { _ = w.linear(weight: w, bias: nil) }  // not current: the op is not seen
        XCTAssertEqual(profiler.rows(steps: 1).map(\.op), ["(all)"])
    }
}
