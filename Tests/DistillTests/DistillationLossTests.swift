import Distill
import Foundation
import Models
import NN
import TensorCore
import TestSupport
import XCTest

/// Each loss against the PyTorch reference (fixture from scripts/reference/make_distill_fixtures.py)
/// and by finite differences.
final class DistillationLossTests: XCTestCase {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    func fixture() throws -> [String: Tensor] {
        try SafeTensors.read(Self.fixtures.appendingPathComponent("losses.safetensors"))
    }

    /// A fixture tensor as a leaf that collects gradients.
    func input(_ tensors: [String: Tensor], _ name: String) -> Tensor {
        let t = tensors[name]!
        return Tensor(t.scalars, shape: t.shape, requiresGrad: true)
    }

    /// Checks the loss value and the gradient of every input against the fixture, then by finite differences.
    func check(_ label: String, _ tensors: [String: Tensor], inputs: [(name: String, grad: String)],
               constants: [Tensor] = [], _ loss: ([Tensor]) -> Tensor) {
        let leaves = inputs.map { input(tensors, $0.name) }
        let value = loss(leaves)
        assertClose([value.item], tensors["\(label).loss"]!.scalars, atol: 1e-6, rtol: 1e-5, "\(label) loss vs PyTorch")
        value.backward()
        for (leaf, (name, grad)) in zip(leaves, inputs) {
            let expected = tensors[grad]!.scalars
            let scale = max(maxMagnitude(expected), 1e-3)
            assertClose(leaf.grad!.scalars, expected, atol: 1e-5 * scale, rtol: 1e-4, "\(label) d/d\(name) vs PyTorch")
        }
        checkGradients(label, leaves, h: 1e-2, atol: 2e-3, rtol: 2e-2, loss)
    }

    func testOutputDistribution() throws {
        let f = try fixture()
        let labels = f["od.labels"]!.scalars.map { Int($0) }
        let teacher = f["od.teacher"]!
        check("od", f, inputs: [("od.student", "od.grad.student")]) {
            DistillationLosses.outputDistribution(student: $0[0], teacher: teacher, labels: labels, temperature: 2, lambda: 0.7)
        }
        let regressionTeacher = f["odr.teacher"]!, regressionLabels = f["odr.labels"]!.scalars
        check("odr", f, inputs: [("odr.student", "odr.grad.student")]) {
            DistillationLosses.outputRegression(student: $0[0], teacher: regressionTeacher, labels: regressionLabels, lambda: 0.7)
        }
    }

    func testHiddenStates() throws {
        let f = try fixture()
        let teacher = f["hs.teacher"]!, mask = f["mask"]!
        check("hs", f, inputs: [("hs.student", "hs.grad.student"), ("hs.weight", "hs.grad.weight")]) {
            DistillationLosses.hiddenStates(student: $0[0], teacher: teacher, projection: $0[1], mask: mask)
        }
    }

    func testAttentionRelations() throws {
        let f = try fixture()
        let mask = f["mask"]!
        let teacher = (f["mha.teacher.q"]!, f["mha.teacher.k"]!, f["mha.teacher.v"]!)
        check("mha", f, inputs: [("mha.student.q", "mha.grad.student.q"), ("mha.student.k", "mha.grad.student.k"),
                                 ("mha.student.v", "mha.grad.student.v")]) {
            DistillationLosses.attentionRelations(student: ($0[0], $0[1], $0[2]), teacher: teacher, heads: 4, mask: mask)
        }
    }

    func testAttentionMaps() throws {
        let f = try fixture()
        let teacher = f["att.teacher"]!
        check("att", f, inputs: [("att.student", "att.grad.student")]) {
            DistillationLosses.attentionMaps(student: $0[0], teacher: teacher)
        }
    }

    func testANonFiniteTemperatureOrLambdaIsRefused() {
        let config = BertConfig()
        for (temperature, lambda, message) in [(Float.nan, Float(0.5), "--temperature nan: expected a positive, finite τ"),
                                               (.infinity, 0.5, "--temperature inf: expected a positive, finite τ"),
                                               (0, 0.5, "--temperature 0.0: expected a positive, finite τ"),
                                               (2, .nan, "--lambda nan: expected λ in [0, 1]")] {
            var recipe = DistillationRecipe()
            (recipe.losses, recipe.temperature, recipe.lambda) = ([.od], temperature, lambda)
            XCTAssertThrowsError(try recipe.validate(teacher: config, student: config)) { XCTAssertEqual("\($0)", message) }
        }
    }
}
