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

    /// The inherited space keeps the teacher's head size (32) and activation: one head count per hidden size.
    func testInheritedSpaceOfMiniLM() throws {
        var teacher = BertConfig()
        (teacher.hiddenSize, teacher.numHiddenLayers, teacher.numAttentionHeads, teacher.intermediateSize) = (384, 6, 12, 1536)
        let space = try SearchSpace.load("inherited", teacher: teacher)
        XCTAssertEqual(space.name, "inherited")
        XCTAssertEqual(space.hiddenSizes, [96, 192, 288, 384])
        XCTAssertEqual(space.heads, [3, 6, 9, 12])
        XCTAssertEqual(space.activations, [teacher.hiddenAct])
        XCTAssertEqual(space.headSize, 32)
        XCTAssertNoThrow(try space.validate(file: "inherited"))
        XCTAssertEqual(space.validCount, 6 * 4 * 5)
        XCTAssertEqual(space.all.count, space.validCount)
        XCTAssertTrue(space.all.allSatisfy { $0.hiddenSize / $0.heads == 32 && $0.activation == teacher.hiddenAct })
        // Heads of 64: the derived hidden sizes 96 and 288 are not multiples of it and are dropped.
        teacher.numAttentionHeads = 6
        XCTAssertEqual(SearchSpace.inherited(from: teacher).hiddenSizes, [192, 384])
        XCTAssertEqual(SearchSpace.inherited(from: teacher).heads, [3, 6])
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

    func testValidCountIsClosedFormAndMatchesTheList() {
        var space = SearchSpace.bertBase
        XCTAssertEqual(space.validCount, space.all.count)
        space.headSize = 64
        XCTAssertEqual(space.validCount, space.all.count)
        space = SearchSpace(name: "odd", layers: [1, 2], hiddenSizes: [24, 30], heads: [4, 5, 6], intermediateSizes: [8], activations: [.relu])
        XCTAssertEqual(space.validCount, space.all.count)
    }

    func testAHugeSpaceIsRefusedAtOnceNotEnumerated() {
        // 1,000 × 1,000 × 1,000 × 4 = 4·10⁹ combinations: listing them would hang; counting is instant.
        let values = Array(1...1_000)
        let space = SearchSpace(name: "huge", layers: values, hiddenSizes: values.map { $0 * 8 }, heads: [1], intermediateSizes: values,
                                activations: [.gelu, .geluNew, .relu, .silu])
        XCTAssertEqual(space.validCount, 4_000_000_000)
        XCTAssertThrowsError(try space.validate(file: "huge.json")) { error in
            XCTAssertEqual("\(error)", "huge.json: (space): expected at most 1000000 valid architectures; this space has 4000000000 (fewer choices per dimension)")
        }
        var tooMany = SearchSpace.bertBase
        tooMany.intermediateSizes = Array(1...2_000)
        XCTAssertThrowsError(try tooMany.validate(file: "wide.json")) { error in
            XCTAssertEqual("\(error)", "wide.json: intermediate_size: expected at most 1024 choices (found 2000)")
        }
    }

    func testDistinctSamplesOfALargeSpaceAreDrawnWithoutListingIt() throws {
        // 50 × 50 × 50 × 3 = 375,000 valid architectures: above the enumeration limit, so sampled by rejection.
        let values = Array(1...50)
        let space = SearchSpace(name: "large", layers: values, hiddenSizes: values.map { $0 * 8 }, heads: [1, 3], intermediateSizes: values,
                                activations: [.gelu, .relu, .silu])
        XCTAssertGreaterThan(space.validCount, SearchSpace.enumerationLimit)
        XCTAssertNoThrow(try space.validate(file: "large.json"))
        var random = SearchRandom(seed: 3)
        let sample = space.sampleDistinct(80, random: &random)
        XCTAssertEqual(sample.count, 80)
        XCTAssertEqual(Set(sample).count, 80)
        XCTAssertTrue(sample.allSatisfy(space.contains))
        // A small space is listed: asking for more than it holds gives each once.
        var again = SearchRandom(seed: 3)
        let small = SearchSpace(name: "s", layers: [1, 2], hiddenSizes: [8], heads: [1, 2, 3], intermediateSizes: [4], activations: [.gelu])
        XCTAssertEqual(Set(small.sampleDistinct(80, random: &again)), Set(small.all))
    }

    func testTheBertBaseSpaceIsCutToAShallowerTeacher() throws {
        var teacher = BertConfig()
        (teacher.hiddenSize, teacher.numHiddenLayers, teacher.numAttentionHeads, teacher.intermediateSize) = (384, 6, 12, 1536)
        let (space, notice) = try SearchSpace.loadWithNotice("bert-base", teacher: teacher)
        XCTAssertEqual(space.layers, [3, 4, 6])
        XCTAssertEqual(notice, "space bert-base: num_hidden_layers 10, 12 dropped (deeper than the teacher's 6 layers); searching 3, 4, 6")
        XCTAssertEqual(try SearchSpace.load("bert-base", teacher: teacher).layers, [3, 4, 6])
        XCTAssertNil(try SearchSpace.loadWithNotice("bert-base", teacher: nil).notice, "no teacher, nothing to cut")
        XCTAssertNil(try SearchSpace.loadWithNotice("derived", teacher: teacher).notice, "derived spaces fit already")
        teacher.numHiddenLayers = 2
        XCTAssertThrowsError(try SearchSpace.load("bert-base", teacher: teacher)) { error in
            XCTAssertEqual("\(error)", "bert-base: num_hidden_layers: expected at least one depth up to the teacher's 2 layers (found [3, 4, 6, 10, 12])")
        }
    }
}
