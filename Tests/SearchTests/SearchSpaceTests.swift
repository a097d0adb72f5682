import Models
import Search
import XCTest

final class SearchSpaceTests: XCTestCase {
    func testClosedFormParameterCountMatchesTheBuiltModel() {
        var teacher = BertConfig()
        (teacher.vocabSize, teacher.maxPositionEmbeddings, teacher.numLabels) = (300, 40, 3)
        let space = SearchSpace(name: "test", layers: [1, 2], hiddenSizes: [24, 48], heads: [2, 3, 4], intermediateSizes: [32, 80],
                                activations: [.gelu, .silu])
        for architecture in space.all {
            let built = BertForSequenceClassification(architecture.config(from: teacher), seed: 0).parameterCount
            XCTAssertEqual(architecture.parameterCount(vocabulary: 300, positions: 40, tokenTypes: teacher.typeVocabSize, labels: 3),
                           built, "\(architecture)")
        }
    }

    func testValidityRules() {
        var space = SearchSpace.bertBase
        XCTAssertTrue(space.isValid(StudentArchitecture(layers: 4, hiddenSize: 576, heads: 6, intermediateSize: 1024, activation: .gelu)))
        XCTAssertFalse(space.isValid(StudentArchitecture(layers: 4, hiddenSize: 576, heads: 5, intermediateSize: 1024, activation: .gelu)))
        XCTAssertFalse(space.isValid(StudentArchitecture(layers: 4, hiddenSize: 384, heads: 0, intermediateSize: 1024, activation: .gelu)))
        // Every hidden size (384, 576, 768) divides by every head count (2, 3, 4, 6, 12): 5 layers × 15 × 8 FFN × 3 activations.
        XCTAssertEqual(space.all.count, 5 * 15 * 8 * 3)
        space.headSize = 64
        XCTAssertEqual(Set(space.all.map { "\($0.hiddenSize)/\($0.heads)" }), ["384/6", "768/12"])
    }

    func testSamplingIsSeededAndStaysInTheSpace() {
        let space = SearchSpace.bertBase
        var a = SearchRandom(seed: 9), b = SearchRandom(seed: 9)
        let first = (0..<50).map { _ in space.sample(&a) }
        XCTAssertEqual(first, (0..<50).map { _ in space.sample(&b) })
        XCTAssertTrue(first.allSatisfy(space.contains))
        XCTAssertEqual(space.architecture(at: space.indices(of: first[0])), first[0])
    }

    func testDerivedSpaceOfMiniLM() throws {
        var teacher = BertConfig()
        (teacher.hiddenSize, teacher.numHiddenLayers, teacher.numAttentionHeads, teacher.intermediateSize) = (384, 6, 12, 1536)
        let space = SearchSpace.derived(from: teacher)
        XCTAssertEqual(space.layers, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(space.hiddenSizes, [96, 192, 288, 384])
        XCTAssertEqual(space.intermediateSizes, [192, 384, 768, 1152, 1536])
        XCTAssertNoThrow(try space.validate(file: "derived"))
        XCTAssertGreaterThan(space.all.count, 60)
    }

    func testBadFilesNameTheFieldAndWhatWasExpected() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-space-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func load(_ json: String) -> String {
            let file = folder.appendingPathComponent("space.json")
            try! json.write(to: file, atomically: true, encoding: .utf8)
            do {
                _ = try SearchSpace.load(file.path, teacher: nil)
                return "loaded"
            } catch {
                return String(describing: error)
            }
        }
        let valid = #""name": "s", "num_hidden_layers": [2], "hidden_size": [64], "num_attention_heads": [4], "intermediate_size": [128], "hidden_act": ["gelu"]"#
        XCTAssertEqual(load("{\(valid)}"), "loaded")
        XCTAssertTrue(load("{\(valid.replacingOccurrences(of: "\"num_hidden_layers\": [2], ", with: ""))}").contains("num_hidden_layers: expected present"))
        XCTAssertTrue(load("{\(valid.replacingOccurrences(of: "[64]", with: "[]"))}").contains("hidden_size: expected a non-empty list"))
        XCTAssertTrue(load("{\(valid.replacingOccurrences(of: "[4]", with: "[5]"))}").contains("num_attention_heads: expected at least one head count"))
        XCTAssertTrue(load("{\(valid.replacingOccurrences(of: "\"gelu\"", with: "\"swish\""))}").contains("hidden_act"))
        XCTAssertTrue(load("not json").contains("space.json"))
    }
}
