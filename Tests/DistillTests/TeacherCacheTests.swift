import Distill
import Foundation
import Models
import NN
import Tasks
import TensorCore
import Text
import XCTest

/// Teacher outputs cached once: the same tensors from memory and from the spill file, equal to a
/// fresh teacher forward pass, padded with zeros.
final class TeacherCacheTests: XCTestCase {
    func testCachedOutputsEqualAFreshForwardPassFromMemoryAndFromFile() throws {
        var config = BertConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize) = (20, 8, 3, 2, 16)
        config.maxPositionEmbeddings = 16
        let teacher = BertForSequenceClassification(config, seed: 1)
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + (5..<20).map { "w\($0)" }
        let tokenizer = try BertTokenizer(vocabulary: Vocabulary(tokens: vocabulary))
        let examples = (0..<7).map { i in Example(text: (0...(i % 4)).map { "w\(5 + ($0 * 3 + i) % 15)" }.joined(separator: " "), label: .classIndex(i % 2)) }
        let definition = TaskDefinition(name: "toy", labelNames: ["a", "b"], isRegression: false, metrics: [.accuracy], primaryMetric: .accuracy)
        let dataset = EncodedDataset(Dataset(definition: definition, split: .train, examples: examples), tokenizer: tokenizer, maxLength: 8)
        let request = TeacherRequest(hiddenLayers: [0, 2], queryKeyValueLayer: 3, attentionLayers: [1])
        let spillDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: spillDirectory) }
        let inMemory = try TeacherCache(teacher: teacher, dataset: dataset, request: request, batchSize: 3)
        let spilled = try TeacherCache(teacher: teacher, dataset: dataset, request: request, batchSize: 3, memoryBudget: 0,
                                       spillDirectory: spillDirectory)
        XCTAssertEqual(inMemory.spilledCount, 0)
        XCTAssertEqual(spilled.spilledCount, 7)
        // Kept across runs: the first computes the file, the second maps it; another request gets its own file.
        let keptDirectory = spillDirectory.appendingPathComponent("kept")
        let computed = try TeacherCache(teacher: teacher, dataset: dataset, request: request, keptIn: keptDirectory, batchSize: 3)
        let reused = try TeacherCache(teacher: teacher, dataset: dataset, request: request, keptIn: keptDirectory, batchSize: 2)
        XCTAssertFalse(computed.reused)
        XCTAssertTrue(reused.reused)
        XCTAssertEqual(computed.keptFile, reused.keptFile)
        let other = try TeacherCache(teacher: teacher, dataset: dataset, request: TeacherRequest(hiddenLayers: [1]), keptIn: keptDirectory)
        XCTAssertFalse(other.reused)
        XCTAssertNotEqual(other.keptFile, computed.keptFile)

        let batch = Batcher(dataset: dataset, batchSize: 4, order: .shuffled(seed: 3)).batches(epoch: 1)[0]
        let (logits, outputs) = Autograd.noGrad { teacher(batch.tokens, capture: [.hiddenStates, .queryKeyValue, .attentions]) }
        for cache in [inMemory, spilled, computed, reused] {
            let cached = try cache.outputs(for: batch)
            let mask = batch.tokens.attentionMask.map(Float.init)
            XCTAssertEqual(cached.logits.scalars.map { Double($0) }, logits.scalars.map { Double($0) }, accuracy: 1e-6)
            for layer in [0, 2] {
                let fresh = outputs.hiddenStates[layer].scalars, kept = cached.hiddenStates[layer]!.scalars
                for i in 0..<fresh.count {
                    let token = i / 8
                    XCTAssertEqual(Double(kept[i]), mask[token] == 1 ? Double(fresh[i]) : 0, accuracy: 1e-6, "hidden \(layer) element \(i)")
                }
            }
            let fresh = outputs.packedQueryKeyValue[2].scalars, kept = cached.queryKeyValue!.scalars
            XCTAssertEqual(cached.queryKeyValue!.shape, outputs.packedQueryKeyValue[2].shape)
            for i in 0..<fresh.count {
                let token = i / 24
                XCTAssertEqual(Double(kept[i]), mask[token] == 1 ? Double(fresh[i]) : 0, accuracy: 1e-6, "query/key/value element \(i)")
            }
            XCTAssertEqual(cached.attentions[1]!.shape, outputs.attentions[0].shape)
        }
    }

    func testATeacherOfAnotherTaskAndANegativeMemoryBudgetAreRefused() throws {
        var config = BertConfig()
        (config.vocabSize, config.hiddenSize, config.numHiddenLayers, config.numAttentionHeads, config.intermediateSize) = (20, 8, 1, 2, 16)
        (config.maxPositionEmbeddings, config.numLabels) = (16, 3)
        let teacher = BertForSequenceClassification(config, seed: 1)
        let tokenizer = try BertTokenizer(vocabulary: Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "w"]))
        let definition = TaskDefinition(name: "toy", labelNames: ["a", "b"], isRegression: false, metrics: [.accuracy], primaryMetric: .accuracy)
        let dataset = EncodedDataset(Dataset(definition: definition, split: .train, examples: [Example(text: "w", label: .classIndex(0))]),
                                     tokenizer: tokenizer, maxLength: 8)
        let message = "teacher: teacher num_labels 3: expected the 2 labels of task toy (fine-tune the teacher on it with kdnas finetune)"
        XCTAssertThrowsError(try TeacherCache(teacher: teacher, dataset: dataset, request: TeacherRequest())) { XCTAssertEqual("\($0)", message) }
        XCTAssertThrowsError(try Distiller.checkTeacher(config, path: "runs/t", fits: definition)) {
            XCTAssertEqual("\($0)", "runs/t: teacher num_labels 3: expected the 2 labels of task toy (fine-tune the teacher on it with kdnas finetune)")
        }
        XCTAssertThrowsError(try TeacherCache.memoryBudget(mebibytes: -1)) { XCTAssertEqual("\($0)", "--cache-memory -1: expected 0 to 1099511627776 MiB") }
        XCTAssertEqual(try TeacherCache.memoryBudget(mebibytes: 2), 2 << 20)
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
