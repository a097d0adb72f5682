import Foundation
import Models
import XCTest

/// config.json reading, writing, unknown keys and validation.
final class BertConfigTests: XCTestCase {
    func testReadsHuggingFaceNamesAndKeepsUnknownKeys() throws {
        let json = """
            {"architectures": ["BertModel"], "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
             "intermediate_size": 1536, "hidden_act": "gelu", "vocab_size": 30522, "layer_norm_eps": 1e-12,
             "max_position_embeddings": 512, "type_vocab_size": 2, "gradient_checkpointing": false,
             "transformers_version": "4.8.2", "id2label": {"0": "rotten", "1": "fresh"}, "position_embedding_type": "absolute"}
            """
        let config = try BertConfig(json: Data(json.utf8))
        XCTAssertEqual(config.hiddenSize, 384)
        XCTAssertEqual(config.numAttentionHeads, 12)
        XCTAssertEqual(config.headSize, 32)
        XCTAssertEqual(config.id2label, [0: "rotten", 1: "fresh"])
        XCTAssertEqual(config.label2id, ["rotten": 0, "fresh": 1])
        XCTAssertEqual(config.extra["transformers_version"], .string("4.8.2"))
        XCTAssertEqual(config.extra["gradient_checkpointing"], .bool(false))
        let written = try JSONSerialization.jsonObject(with: config.jsonData()) as! [String: Any]
        XCTAssertEqual(written["position_embedding_type"] as? String, "absolute", "unknown keys are written back")
        XCTAssertEqual(written["layer_norm_eps"] as? Double, 1e-12, "floats are written back exactly")
        XCTAssertEqual(written["num_attention_heads"] as? Int, 12)
        XCTAssertEqual(try BertConfig(json: config.jsonData()), config, "read(write(config)) == config")
    }

    func testValidationNamesTheField() {
        var config = BertConfig()
        config.numAttentionHeads = 5
        XCTAssertThrowsError(try config.validate()) { error in
            XCTAssertEqual("\(error)", "num_attention_heads is 5; expected a divisor of hidden_size 768")
        }
        let cases: [(String, String)] = [
            (#"{"hidden_act": "swish2"}"#, "hidden_act is swish2; expected one of gelu, gelu_new, relu, silu"),
            (#"{"hidden_size": "big"}"#, "hidden_size is string(\"big\"); expected an integer"),
            (#"{"num_labels": 3, "id2label": {"0": "a"}}"#, "num_labels is 3; expected 1, the size of id2label"),
            (#"[1, 2]"#, "(document) is not a JSON object; expected a JSON object of configuration keys"),
        ]
        for (json, message) in cases {
            XCTAssertThrowsError(try BertConfig(json: Data(json.utf8))) { XCTAssertEqual("\($0)", message) }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-config-\(UUID()).json")
        try? Data(#"{"hidden_dropout_prob": 1.5}"#.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try BertConfig(contentsOf: url)) { error in
            XCTAssertEqual("\(error)", "\(url.path): hidden_dropout_prob is 1.5; expected a probability in [0, 1)")
        }
    }

    func testSizesThatCannotBeAllocatedAreRefusedBeforeAllocation() {
        let cases: [(String, String)] = [
            (#"{"vocab_size": 1000000000000}"#, "vocab_size is 1000000000000; expected at most 10000000"),
            (#"{"hidden_size": 1000000, "num_attention_heads": 1}"#, "hidden_size is 1000000; expected at most 65536"),
            (#"{"num_hidden_layers": 1000000}"#, "num_hidden_layers is 1000000; expected at most 1000"),
            (#"{"num_labels": 1000000000000}"#, "num_labels is 1000000000000; expected a positive integer, at most 100000"),
            (#"{"num_hidden_layers": 1000, "hidden_size": 4096, "num_attention_heads": 16, "intermediate_size": 16384}"#,
             "hidden_size, intermediate_size, num_hidden_layers, vocab_size is 4096, 16384, 1000, 30522; expected at most 2000000000 "
                + "parameters (8 GB of F32); these sizes give 2.02e+11"),
        ]
        for (json, message) in cases {
            XCTAssertThrowsError(try BertConfig(json: Data(json.utf8)).validate()) {
                XCTAssertEqual("\($0)", message)
            }
        }
        XCTAssertEqual(Self.small.estimatedParameterCount, Double(BertForSequenceClassification(Self.small).parameterCount))
    }

    static let small: BertConfig = {
        var config = BertConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize) = (50, 16, 2, 2, 24)
        config.numLabels = 3
        return config
    }()
}
