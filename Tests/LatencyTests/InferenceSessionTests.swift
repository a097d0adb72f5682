import Latency
import Models
import TensorCore
import TestSupport
import Text
import XCTest

final class InferenceSessionTests: XCTestCase {
    /// A random classifier of `activation`, with non-trivial biases and LayerNorms so fusion errors show.
    private func model(_ activation: BertConfig.Activation, heads: Int = 4) -> BertForSequenceClassification {
        var config = BertConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize) =
            (50, 64, 2, heads, 96)
        (config.maxPositionEmbeddings, config.hiddenAct, config.numLabels, config.initializerRange) = (32, activation, 3, 0.2)
        let network = BertForSequenceClassification(config, seed: 3)
        for (index, (name, tensor)) in network.namedParameters.enumerated() where name.hasSuffix("bias") || name.contains("LayerNorm") {
            let noise = Tensor.normal(tensor.shape, std: 0.1, seed: UInt64(100 + index))
            for i in 0..<tensor.count { tensor.data[i] += noise.data[i] }
        }
        return network
    }

    func testMatchesTheTrainingForwardPassForEveryActivation() {
        var generator = RandomGenerator(seed: 5)
        let ids = (0..<(3 * 12)).map { _ in Int(generator.next() % 50) }
        // Padding in two rows: the mask must match.
        let mask = (0..<3).flatMap { row in (0..<12).map { row == 0 || $0 < 12 - 3 * row ? 1 : 0 } }
        let tokens = TokenBatch(batch: 3, length: 12, inputIds: ids, tokenTypeIds: ids.map { $0 % 2 }, attentionMask: mask)
        for activation in BertConfig.Activation.allCases {
            let network = model(activation)
            let expected = Autograd.noGrad { network(tokens).logits }.scalars
            let session = InferenceSession(network)
            let actual = session.logits(tokens)
            let difference = Difference(actual, expected, atol: 1e-5, rtol: 0)
            print("inference session vs training forward (\(activation.rawValue)): max abs \(difference.maxAbs)")
            XCTAssertLessThan(difference.maxAbs, 1e-5, "\(activation)")
            // Buffers reused: a smaller batch, then the first again, give the same answers.
            let single = TokenBatch(batch: 1, length: 5, inputIds: Array(ids.prefix(5)))
            XCTAssertLessThan(Difference(session.logits(single), Autograd.noGrad { network(single).logits }.scalars, atol: 1e-5, rtol: 0).maxAbs, 1e-5)
            XCTAssertEqual(session.logits(tokens), actual)
        }
    }

    /// Every product's output is computed whole by one thread, every row kernel per row: the same bits.
    func testOneAndTwoThreadsAgree() {
        let network = model(.gelu, heads: 8)
        let tokens = TokenBatch(batch: 4, length: 16, inputIds: (0..<64).map { $0 % 50 })
        let saved = Engine.threads
        defer { Engine.threads = saved }
        Engine.threads = 1
        let one = InferenceSession(network).logits(tokens)
        Engine.threads = 2
        let two = InferenceSession(network).logits(tokens)
        XCTAssertEqual(one, two)
    }

    /// Heads of 24 dimensions over 20 tokens: both attention products span a full and a partial 16-column panel.
    func testWideHeadsOverLongerSequencesMatchTheTrainingForwardPass() {
        var config = BertConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize) =
            (50, 96, 2, 4, 200)
        (config.maxPositionEmbeddings, config.numLabels, config.initializerRange) = (32, 2, 0.2)
        let network = BertForSequenceClassification(config, seed: 9)
        let ids = (0..<(2 * 20)).map { ($0 * 7) % 50 }
        let mask = (0..<2).flatMap { row in (0..<20).map { row == 0 || $0 < 13 ? 1 : 0 } }
        let tokens = TokenBatch(batch: 2, length: 20, inputIds: ids, tokenTypeIds: ids.map { $0 % 2 }, attentionMask: mask)
        let expected = Autograd.noGrad { network(tokens).logits }.scalars
        let difference = Difference(InferenceSession(network).logits(tokens), expected, atol: 1e-5, rtol: 0)
        print("inference session vs training forward (d 24, 20 tokens): max abs \(difference.maxAbs)")
        XCTAssertLessThan(difference.maxAbs, 1e-5)
    }
}
