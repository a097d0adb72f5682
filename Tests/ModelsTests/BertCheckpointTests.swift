import Foundation
import Models
import NN
import TensorCore
import Text
import TestSupport
import XCTest

/// Writing checkpoints, loading them back, and loading them with transformers.
final class BertCheckpointTests: XCTestCase {
    var directory: URL!
    let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-checkpoint-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func batch(_ inputs: FixtureInputs) -> TokenBatch {
        TokenBatch(batch: inputs.input_ids.count, length: inputs.input_ids[0].count, inputIds: inputs.input_ids.flatMap { $0 },
                   tokenTypeIds: inputs.token_type_ids.flatMap { $0 }, attentionMask: inputs.attention_mask.flatMap { $0 })
    }

    /// A checkpoint written by KDNAS loads in transformers with the same logits, and back in KDNAS.
    func testRoundTripThroughTransformers() throws {
        var config = try BertConfig(contentsOf: fixtures.appendingPathComponent("tiny-silu/config.json"))
        config.numLabels = 4
        config.initializerRange = 0.3
        let model = BertForSequenceClassification(config, seed: 11)
        let out = directory.appendingPathComponent("model")
        try BertCheckpoint.save(model, to: out)
        let inputsURL = fixtures.appendingPathComponent("tiny-silu/inputs.json")
        let inputs = try FixtureInputs.read(inputsURL)
        let ours = Autograd.noGrad { model(batch(inputs)).logits }

        let reloaded = try BertCheckpoint.load(out).model
        XCTAssertEqual(Autograd.noGrad { reloaded(batch(inputs)).logits }.scalars, ours.scalars, "KDNAS reads back what it wrote")

        let printed = try Reference.run("check_roundtrip.py", [out.path, "--inputs", inputsURL.path])
        let line = printed.split(separator: "\n").last { $0.hasPrefix("{") }!
        let theirs = try JSONDecoder().decode([String: [[Double]]].self, from: Data(line.utf8))["logits"]!
        assertClose(ours.scalars, theirs.flatMap { $0 }, atol: 1e-5, rtol: 0, "logits of a KDNAS checkpoint in transformers")
    }

    func testCheckpointErrorsListTheKeys() throws {
        let source = fixtures.appendingPathComponent("tiny-gelu")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: directory.appendingPathComponent("config.json"))
        var tensors = try SafeTensors.read(source.appendingPathComponent("model.safetensors"))
        tensors.removeValue(forKey: "bert.encoder.layer.1.output.dense.bias")
        tensors["bert.encoder.layer.9.extra.weight"] = Tensor.zeros([2])
        tensors["bert.pooler.dense.weight"] = Tensor.zeros([3, 3])
        try SafeTensors.write(tensors, to: directory.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try BertCheckpoint.load(directory)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("model.safetensors does not match the model's config"), message)
            XCTAssertTrue(message.contains("missing keys: bert.encoder.layer.1.output.dense.bias"), message)
            XCTAssertTrue(message.contains("unexpected keys: bert.encoder.layer.9.extra.weight"), message)
            XCTAssertTrue(message.contains("bert.pooler.dense.weight: checkpoint [3, 3], model [64, 64]"), message)
        }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try BertCheckpoint.load(directory)) { error in
            XCTAssertTrue("\(error)".hasSuffix("model.safetensors is missing; expected the weights in safetensors format"), "\(error)")
        }
    }

    /// A checkpoint without a head gets one, and says so.
    func testHeadlessCheckpointReportsTheNewHead() throws {
        let source = fixtures.appendingPathComponent("tiny-relu")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: directory.appendingPathComponent("config.json"))
        let tensors = try SafeTensors.read(source.appendingPathComponent("model.safetensors"))
        // The prefix-less BertModel layout, as sentence-transformers ships.
        var bare: [String: Tensor] = [:]
        for (key, value) in tensors where key.hasPrefix("bert.") { bare[String(key.dropFirst(5))] = value }
        try SafeTensors.write(bare, to: directory.appendingPathComponent("model.safetensors"))
        let (model, report) = try BertCheckpoint.load(directory, numLabels: 2)
        XCTAssertTrue(report.headInitialized)
        XCTAssertEqual(model.classifier.weight.shape, [2, 64])
        let original = try SafeTensors.read(source.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(model.bert.pooler.weight.scalars, original["bert.pooler.dense.weight"]!.scalars)
    }

    func testANonFiniteWeightIsNamed() throws {
        let source = fixtures.appendingPathComponent("tiny-gelu")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: directory.appendingPathComponent("config.json"))
        let tensors = try SafeTensors.read(source.appendingPathComponent("model.safetensors"))
        for value in [Float.nan, .infinity] {
            tensors["bert.encoder.layer.1.attention.self.key.weight"]!.data[5] = value
            try SafeTensors.write(tensors, to: directory.appendingPathComponent("model.safetensors"))
            XCTAssertThrowsError(try BertCheckpoint.load(directory)) { error in
                XCTAssertEqual("\(error)", directory.appendingPathComponent("model.safetensors").path
                               + " tensor bert.encoder.layer.1.attention.self.key.weight has \(value) at element 5 (of shape [64, 64]); expected finite weights")
            }
        }
    }
}
