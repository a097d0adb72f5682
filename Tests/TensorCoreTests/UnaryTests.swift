import Foundation
import TensorCore
import TestSupport
import XCTest

/// Element-wise math and activations against Double references and finite differences.
final class UnaryTests: XCTestCase {
    func check(_ label: String, low: Float, high: Float, atol: Double = 1e-5,
               _ op: (Tensor) -> Tensor, _ reference: (Double) -> Double) {
        let x = leaf([4, 7], low: low, high: high, seed: 11)
        assertClose(op(x).scalars, x.scalars.map { reference(Double($0)) }, atol: atol, label)
        checkGradients(label, [x]) { op($0[0]) }
    }

    func testMath() {
        check("sqrt", low: 0.2, high: 3, { $0.sqrt() }, Foundation.sqrt)
        check("exp", low: -2, high: 2, { $0.exp() }, Foundation.exp)
        check("log", low: 0.2, high: 3, { $0.log() }, Foundation.log)
        check("tanh", low: -2, high: 2, { $0.tanh() }, Foundation.tanh)
        check("erf", low: -2, high: 2, { $0.erf() }, Foundation.erf)
        check("pow 1.5", low: 0.2, high: 2, { $0.pow(1.5) }, { Foundation.pow($0, 1.5) })
    }

    func testActivations() {
        check("gelu", low: -3, high: 3, { $0.gelu() }, { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) })
        check("gelu tanh", low: -3, high: 3, { $0.geluTanh() }) {
            0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0)))
        }
        check("silu", low: -4, high: 4, { $0.silu() }, { $0 / (1 + Foundation.exp(-$0)) })
        // ReLU: inputs kept away from the kink at 0, where finite differences straddle it.
        let x = Tensor((0..<24).map { Float($0 - 12) * 0.25 + 0.1 }, shape: [4, 6], requiresGrad: true)
        assertClose(x.relu().scalars, x.scalars.map { Swift.max(Double($0), 0) }, "relu")
        checkGradients("relu", [x]) { $0[0].relu() }
    }

    /// GELU that leaves its derivative in its input gives `gelu()`'s bits, forward and backward, and
    /// touches its input only when a graph is recorded.
    func testGeluOverwritingItsInputGivesTheSameBits() {
        let values = (0..<(6 * 1000)).map { Float($0 % 1000) * 0.013 - 6.5 }
        let a = Tensor(values, shape: [6, 1000], requiresGrad: true), b = Tensor(values, shape: [6, 1000], requiresGrad: true)
        let weights = Tensor((0..<6000).map { Float($0 % 7) - 3 }, shape: [6, 1000])
        let (ha, hb) = (a * 1, b * 1)  // non-leaf pre-activations, as a layer's
        let (ya, yb) = (ha.gelu(), hb.gelu(overwritingInput: true))
        XCTAssertEqual(ya.scalars, yb.scalars, "forward")
        XCTAssertNotEqual(hb.scalars, values, "the input now holds the derivative")
        (ya * weights).sum().backward()
        (yb * weights).sum().backward()
        XCTAssertEqual(a.grad!.scalars, b.grad!.scalars, "backward")
        let c = Tensor(values, shape: [6, 1000], requiresGrad: true)
        let plain = Autograd.noGrad { c.gelu(overwritingInput: true) }
        XCTAssertEqual(plain.scalars, ya.scalars)
        XCTAssertEqual(c.scalars, values, "without a graph the input is untouched")
        checkGradients("gelu overwriting its input", [leaf([4, 7], low: -3, high: 3, seed: 11)]) { ($0[0] * 1).gelu(overwritingInput: true) }
    }

    /// The fused activations agree with the same formulas written from primitive ops.
    func testFusedActivationsMatchComposites() {
        let x = leaf([5, 9], low: -3, high: 3, seed: 12)
        let geluComposite = x * 0.5 * ((x * Float(0.5.squareRoot())).erf() + 1)
        assertClose(x.gelu().scalars, geluComposite.scalars, "gelu fused vs composite")
        let c = Float((2 / Double.pi).squareRoot())
        let inner = (x + x * x * x * 0.044715) * c
        assertClose(x.geluTanh().scalars, (x * 0.5 * (inner.tanh() + 1)).scalars, "gelu tanh fused vs composite")
        let siluComposite = x / ((-x).exp() + 1)
        assertClose(x.silu().scalars, siluComposite.scalars, "silu fused vs composite")
    }
}
