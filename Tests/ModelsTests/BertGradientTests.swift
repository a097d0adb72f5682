import Models
import NN
import TensorCore
import Text
import TestSupport
import XCTest

/// Finite-difference gradient checks through every layer of a micro BERT classifier.
final class BertGradientTests: XCTestCase {
    func micro(_ activation: BertConfig.Activation, labels: Int = 3) -> BertForSequenceClassification {
        var config = BertConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads) = (13, 8, 2, 2)
        (config.intermediateSize, config.maxPositionEmbeddings, config.hiddenAct) = (12, 9, activation)
        config.initializerRange = 0.5
        config.numLabels = labels
        return BertForSequenceClassification(config, seed: 7)
    }

    let batch = TokenBatch(batch: 2, length: 5, inputIds: [1, 5, 7, 2, 0, 1, 12, 3, 0, 0],
                           tokenTypeIds: [0, 0, 1, 1, 0, 0, 0, 0, 0, 0], attentionMask: [1, 1, 1, 1, 0, 1, 1, 1, 0, 0])

    func testEveryParameterOfEveryActivation() {
        for activation in BertConfig.Activation.allCases {
            let model = micro(activation)
            // Perturb LayerNorms and biases so no parameter sits at a special value.
            var generator = RandomGenerator(seed: 3)
            for (name, p) in model.namedParameters where name.contains("LayerNorm") || name.hasSuffix("bias") {
                let noise = Tensor.uniform(p.shape, low: -0.3, high: 0.3, generator: &generator)
                for i in 0..<p.count { p.data[i] += noise.data[i] }
            }
            for (name, p) in model.namedParameters {
                checkGradients("\(activation.rawValue) \(name)", [p], h: 1e-2, atol: 2e-3, rtol: 2e-2) { _ in
                    model.loss(model(self.batch).logits, labels: [2, 0])
                }
            }
        }
    }

    func testRegressionHead() {
        let model = micro(.gelu, labels: 1)
        XCTAssertTrue(model.config.isRegression)
        let logits = model(batch).logits
        XCTAssertEqual(logits.shape, [2, 1])
        checkGradients("regression classifier.weight", [model.classifier.weight]) { _ in
            model.loss(model(self.batch).logits, labels: [0.5, -1.5])
        }
    }

    /// A classifier whose last layer computes its [CLS] row only gives the full model's logits and
    /// gradients (up to rounding), has its own finite-difference gradients, and computes everything
    /// when hidden states are captured.
    func testFirstTokenOnlyMatchesTheFullModel() {
        let model = micro(.gelu)
        let full = model(batch).logits, pruned = model(batch, firstTokenOnly: true)
        assertClose(pruned.logits.scalars, full.scalars, atol: 1e-6, "logits with the last layer's [CLS] row only")
        XCTAssertEqual(pruned.outputs.lastHiddenState.shape, [2, 1, 8])
        XCTAssertEqual(model(batch, capture: .hiddenStates, firstTokenOnly: true).outputs.lastHiddenState.shape, [2, 5, 8],
                       "hidden states asked for: every row computed")
        func gradients(_ firstTokenOnly: Bool) -> [[Float]] {
            model.zeroGrad()
            model.loss(model(batch, firstTokenOnly: firstTokenOnly).logits, labels: [2, 0]).backward()
            return model.namedParameters.map { $0.tensor.grad?.scalars ?? [Float](repeating: 0, count: $0.tensor.count) }
        }
        let expected = gradients(false), actual = gradients(true)
        for ((name, _), (a, e)) in zip(model.namedParameters, zip(actual, expected)) {
            assertClose(a, e, atol: 1e-6, rtol: 1e-4, "gradient of \(name), [CLS] row only")
        }
        model.zeroGrad()
        for (name, p) in model.namedParameters where name.contains("layer.1") {
            checkGradients("first token only \(name)", [p], h: 1e-2, atol: 2e-3, rtol: 2e-2) { _ in
                model.loss(model(self.batch, firstTokenOnly: true).logits, labels: [2, 0])
            }
        }
    }
}
