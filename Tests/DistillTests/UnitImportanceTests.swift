import Distill
import Foundation
import Models
import NN
import TensorCore
import TestSupport
import Text
import XCTest

/// The teacher's FFN unit importance against the PyTorch reference (scripts/reference/make_importance_fixtures.py),
/// and the student it chooses.
final class UnitImportanceTests: XCTestCase {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    let teacherFolder = Repository.root.appendingPathComponent("Tests/ModelsTests/Fixtures/tiny-gelu")

    func teacherAndBatch() throws -> (BertForSequenceClassification, TokenBatch) {
        let teacher = try BertCheckpoint.load(teacherFolder).model
        let inputs = try FixtureInputs.read(teacherFolder.appendingPathComponent("inputs.json"))
        let batch = TokenBatch(batch: inputs.input_ids.count, length: inputs.input_ids[0].count, inputIds: inputs.input_ids.flatMap { $0 },
                               tokenTypeIds: inputs.token_type_ids.flatMap { $0 }, attentionMask: inputs.attention_mask.flatMap { $0 })
        return (teacher, batch)
    }

    func testImportanceAndTheStudentItChoosesMatchPyTorch() throws {
        let (teacher, batch) = try teacherAndBatch()
        let expected = try SafeTensors.read(Self.fixtures.appendingPathComponent("importance.safetensors"))
        // Measured over two calls of one batch each: the mean is over all their real tokens.
        let halves = [0..<2, 2..<3].map { rows in
            TokenBatch(batch: rows.count, length: batch.length, inputIds: Array(batch.inputIds[rows.lowerBound * batch.length..<rows.upperBound * batch.length]),
                       tokenTypeIds: Array(batch.tokenTypeIds[rows.lowerBound * batch.length..<rows.upperBound * batch.length]),
                       attentionMask: Array(batch.attentionMask[rows.lowerBound * batch.length..<rows.upperBound * batch.length]))
        }
        for (label, importance) in [("one batch", UnitImportance.measure(teacher, on: [batch])), ("two batches", UnitImportance.measure(teacher, on: halves))] {
            XCTAssertEqual(importance.feedForward.count, 2)
            for layer in 0..<2 {
                assertClose(importance.feedForward[layer], expected["importance.\(layer)"]!.scalars, atol: 1e-6, rtol: 1e-5,
                            "\(label): layer \(layer) FFN importance vs PyTorch")
            }
        }
        var config = teacher.config
        config.intermediateSize = 48
        let importance = UnitImportance.measure(teacher, on: [batch])
        let student = try StudentInitializer.make(config, from: teacher, initialization: .inherit(mapping: .uniform, importance: importance), seed: 1)
        let logits = Autograd.noGrad { student(batch).logits }
        assertClose(logits.scalars, expected["student.logits"]!.scalars, atol: 1e-5, rtol: 0, "student of the 48 most important units, logits vs PyTorch")
        // Weight norms alone keep other units: a different student.
        let byNorm = try StudentInitializer.make(config, from: teacher, initialization: .inherit(mapping: .uniform), seed: 1)
        XCTAssertNotEqual(Autograd.noGrad { byNorm(batch).logits }.scalars, logits.scalars)
    }

    /// The capture that feeds it: every layer's activations, whatever `firstTokenOnly` asks.
    func testTheFeedForwardCaptureHoldsEveryRowOfEveryLayer() throws {
        let (teacher, batch) = try teacherAndBatch()
        let outputs = Autograd.noGrad { teacher.bert(batch, capture: .feedForward, firstTokenOnly: true) }
        XCTAssertEqual(outputs.feedForward.map(\.shape), [[3, 11, 128], [3, 11, 128]])
    }
}
