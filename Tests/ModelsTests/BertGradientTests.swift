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
}
