import Foundation
import Models
import NN
import TensorCore
import Text
import TestSupport
import XCTest

/// The model against transformers: tiny random classifiers (committed fixtures) and the real
/// all-MiniLM-L6-v2 (fixtures generated into cache/ by scripts/reference/make_model_fixtures.py).
final class BertParityTests: XCTestCase {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    func batch(_ inputs: FixtureInputs) -> TokenBatch {
        TokenBatch(batch: inputs.input_ids.count, length: inputs.input_ids[0].count, inputIds: inputs.input_ids.flatMap { $0 },
                   tokenTypeIds: inputs.token_type_ids.flatMap { $0 }, attentionMask: inputs.attention_mask.flatMap { $0 })
    }

    /// Logits, hidden states, pooled output, loss and every parameter gradient, dropout off.
    func testTinyClassifiersMatchTransformers() throws {
        for name in ["tiny-gelu", "tiny-gelu_new", "tiny-relu", "tiny-silu", "tiny-regression"] {
            let folder = Self.fixtures.appendingPathComponent(name)
            let (model, report) = try BertCheckpoint.load(folder)
            XCTAssertEqual(report, BertCheckpoint.LoadReport(), "\(name): a full checkpoint loads without initialising anything")
            let inputs = try FixtureInputs.read(folder.appendingPathComponent("inputs.json"))
            let expected = try SafeTensors.read(folder.appendingPathComponent("expected.safetensors"))

            let (logits, outputs) = model(batch(inputs), capture: .hiddenStates)
            assertClose(logits.scalars, expected["logits"]!.scalars, atol: 1e-5, rtol: 0, "\(name) logits")
            assertClose(outputs.lastHiddenState.scalars, expected["last_hidden_state"]!.scalars, atol: 1e-5, rtol: 0,
                        "\(name) last hidden state")
            assertClose(outputs.pooled.scalars, expected["pooled"]!.scalars, atol: 1e-5, rtol: 0, "\(name) pooled")
            for (i, state) in outputs.hiddenStates.enumerated() {
                assertClose(state.scalars, expected["hidden_states.\(i)"]!.scalars, atol: 1e-5, rtol: 0, "\(name) hidden state \(i)")
            }
            let loss = model.loss(logits, labels: inputs.labels!.map(Float.init))
            assertClose([loss.item], expected["loss"]!.scalars, atol: 1e-6, rtol: 1e-5, "\(name) loss")
            loss.backward()
            var worst = (name: "", relative: 0.0)
            for (parameterName, parameter) in model.namedParameters {
                let reference = expected["grad.\(parameterName)"]!.scalars
                // Relative to the gradient's scale: |Δ| ≤ 1e-4 · max|reference|. The scale is floored
                // at 1e-2 (so |Δ| ≤ 1e-6 there): the key bias gradient is zero in exact arithmetic
                // (softmax ignores a shift shared by a row's scores), so both sides hold only
                // rounding noise of about 1e-7, which no relative measure can judge.
                let scale = max(maxMagnitude(reference), 1e-2)
                let difference = Difference(parameter.grad!.scalars, reference, atol: 1e-4 * scale, rtol: 0)
                if difference.maxAbs / scale > worst.relative { worst = (parameterName, difference.maxAbs / scale) }
                XCTAssertEqual(difference.failures, 0, "\(name) gradient of \(parameterName): \(difference), scale \(scale)")
            }
            print("parity \(name): \(model.namedParameters.count) parameter gradients, worst relative difference "
                  + String(format: "%.3e", worst.relative) + " (\(worst.name))")
        }
    }

    /// all-MiniLM-L6-v2 on real Rotten Tomatoes sentences: last hidden state and mean-pooled embedding.
    func testMiniLMMatchesTransformers() throws {
        let folder = try Repository.requireCache("fixtures/minilm", makeWith: "scripts/reference/make_model_fixtures.py")
        let (model, report) = try BertCheckpoint.load(Repository.cache("minilm"))
        XCTAssertTrue(report.headInitialized, "the prefix-less BertModel checkpoint has no classification head")
        XCTAssertFalse(report.poolerInitialized)
        let inputs = try FixtureInputs.read(folder.appendingPathComponent("inputs.json"))
        let expected = try SafeTensors.read(folder.appendingPathComponent("expected.safetensors"))
        XCTAssertGreaterThanOrEqual(inputs.input_ids.count, 50)
        let outputs = Autograd.noGrad { model.bert(batch(inputs)) }
        assertClose(outputs.lastHiddenState.scalars, expected["last_hidden_state"]!.scalars, atol: 1e-4, rtol: 0,
                    "MiniLM last hidden state, \(inputs.input_ids.count) sentences")
        assertClose(outputs.pooled.scalars, expected["pooler_output"]!.scalars, atol: 1e-4, rtol: 0, "MiniLM pooler output")
        assertClose(outputs.meanPooled(mask: inputs.attention_mask.flatMap { $0 }).scalars, expected["mean_pooled"]!.scalars,
                    atol: 1e-4, rtol: 0, "MiniLM mean-pooled embedding")
    }
}
