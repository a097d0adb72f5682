import Foundation
import XCTest
import Text
@testable import Tasks

/// Encoding once, and batching: determinism, coverage, padding, bucketing, evaluation order.
final class BatcherTests: XCTestCase {
    private static let tokenizer = try! BertTokenizer(vocabulary: Vocabulary(
        tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "film", "very", "."]))

    /// `count` examples of 1 to 24 words (lengths drawn from a fixed generator), label = index % 2.
    private func encodedDataset(count: Int = 230, maxLength: Int = 16) -> EncodedDataset {
        var generator = SplitMix64(seed: 99)
        let words = ["good", "bad", "film", "very", "."]
        let examples = (0 ..< count).map { index -> Example in
            let length = 1 + generator.next(below: 24)
            let text = (0 ..< length).map { _ in words[generator.next(below: words.count)] }.joined(separator: " ")
            return Example(text: text, label: .classIndex(index % 2))
        }
        let dataset = Dataset(definition: TaskRegistry.glueDefinition, split: .train, examples: examples)
        return EncodedDataset(dataset, tokenizer: Self.tokenizer, maxLength: maxLength)
    }

    func testSplitMix64MatchesTheReferenceStream() {
        // The first outputs of Vigna's splitmix64.c for seed 0.
        var generator = SplitMix64(seed: 0)
        XCTAssertEqual(generator.next(), 0xe220_a839_7b1d_cdaf)
        XCTAssertEqual(generator.next(), 0x6e78_9e6a_a1b9_65f4)
        XCTAssertEqual(generator.next(), 0x06c4_5d18_8009_454f)
    }

    func testEncodingIsOnceAndTruncated() {
        let encoded = encodedDataset(maxLength: 10)
        XCTAssertEqual(encoded.count, 230)
        XCTAssertTrue(encoded.encodings.allSatisfy { $0.count <= 10 && $0.ids.first == 2 && $0.ids.last == 3 })
        XCTAssertEqual(encoded.encodings[0], Self.tokenizer.encode(encoded.dataset.examples[0].text, maxLength: 10))
        XCTAssertEqual(encoded.labels, (0 ..< 230).map { Float($0 % 2) })
    }

    func testSameSeedSameBatchesAndEveryExampleOncePerEpoch() {
        let encoded = encodedDataset()
        for order in [Batcher.Order.shuffled(seed: 7), .bucketed(seed: 7, chunkBatches: 3)] {
            let batcher = Batcher(dataset: encoded, batchSize: 16, order: order)
            XCTAssertEqual(batcher.plan(epoch: 0), Batcher(dataset: encoded, batchSize: 16, order: order).plan(epoch: 0))
            XCTAssertEqual(Array(batcher.batches(epoch: 3)), Array(batcher.batches(epoch: 3)))
            for epoch in 0 ..< 3 {
                let plan = batcher.plan(epoch: epoch)
                XCTAssertEqual(plan.flatMap { $0 }.sorted(), Array(0 ..< 230), "\(order) epoch \(epoch)")
                XCTAssertEqual(plan.count, 15)
                XCTAssertEqual(plan.filter { $0.count != 16 }.map(\.count), [230 - 14 * 16])
            }
            XCTAssertNotEqual(batcher.plan(epoch: 0), batcher.plan(epoch: 1), "\(order)")
            let otherSeed: Batcher.Order = order == .shuffled(seed: 7) ? .shuffled(seed: 8) : .bucketed(seed: 8, chunkBatches: 3)
            XCTAssertNotEqual(batcher.plan(epoch: 0), Batcher(dataset: encoded, batchSize: 16, order: otherSeed).plan(epoch: 0))
        }
    }

    func testBatchesArePaddedToTheirLongestAndCarryLabelsAndIndices() {
        let encoded = encodedDataset()
        let batcher = Batcher(dataset: encoded, batchSize: 16, order: .shuffled(seed: 1))
        for batch in batcher.batches(epoch: 0) {
            let longest = batch.indices.map { encoded.length(of: $0) }.max()!
            XCTAssertEqual(batch.tokens.length, longest)
            XCTAssertEqual(batch.tokens.batch, batch.indices.count)
            XCTAssertEqual(batch.labels, batch.indices.map { Float($0 % 2) })
            for (row, index) in batch.indices.enumerated() {
                let encoding = encoded.encodings[index]
                let ids = Array(batch.tokens.inputIds[row * longest ..< (row + 1) * longest])
                XCTAssertEqual(ids, encoding.ids + Array(repeating: 0, count: longest - encoding.count))
                XCTAssertEqual(batch.tokens.attentionMask[row * longest ..< (row + 1) * longest].reduce(0, +), encoding.count)
            }
        }
    }

    func testBucketingCutsPaddingButKeepsBatchOrderRandom() {
        let encoded = encodedDataset(count: 800, maxLength: 24)
        func padding(_ order: Batcher.Order) -> Int {
            Batcher(dataset: encoded, batchSize: 16, order: order).batches(epoch: 0).reduce(0) { total, batch in
                total + batch.tokens.batch * batch.tokens.length - batch.tokens.attentionMask.reduce(0, +)
            }
        }
        let shuffled = padding(.shuffled(seed: 3)), bucketed = padding(.bucketed(seed: 3, chunkBatches: 10))
        print("padding tokens per epoch: shuffled \(shuffled), bucketed \(bucketed)")
        XCTAssertLessThan(bucketed * 3, shuffled)
        // Batch lengths are not in sorted order: the batch order was shuffled after bucketing.
        let lengths = Batcher(dataset: encoded, batchSize: 16, order: .bucketed(seed: 3, chunkBatches: 10))
            .batches(epoch: 0).map(\.tokens.length)
        XCTAssertNotEqual(lengths, lengths.sorted())
    }

    func testEvaluationKeepsTheOriginalOrder() {
        let encoded = encodedDataset()
        let plan = Batcher.evaluation(encoded, batchSize: 64).plan(epoch: 5)
        XCTAssertEqual(plan.map(\.count), [64, 64, 64, 38])
        XCTAssertEqual(plan.flatMap { $0 }, Array(0 ..< 230))
    }

    func testDropsLastLeavesOnlyFullBatches() {
        let encoded = encodedDataset()
        for order in [Batcher.Order.original, .shuffled(seed: 2), .bucketed(seed: 2, chunkBatches: 4)] {
            let plan = Batcher(dataset: encoded, batchSize: 16, order: order, dropsLast: true).plan(epoch: 0)
            XCTAssertEqual(plan.count, 14, "\(order)")
            XCTAssertTrue(plan.allSatisfy { $0.count == 16 })
            XCTAssertEqual(Set(plan.flatMap { $0 }).count, 224)
        }
    }

    func testUnlabelledSplitsGiveNoLabels() {
        let dataset = Dataset(definition: TaskRegistry.glueDefinition, split: .test,
                              examples: [Example(text: "good film", pair: "bad"), Example(text: "very bad .")])
        let encoded = EncodedDataset(dataset, tokenizer: Self.tokenizer, maxLength: 8)
        XCTAssertNil(encoded.labels)
        let batch = Batcher.evaluation(encoded, batchSize: 8).batches()[0]
        XCTAssertNil(batch.labels)
        XCTAssertEqual(batch.tokens.tokenTypeIds, [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
    }
}

private extension TaskRegistry {
    static var glueDefinition: TaskDefinition { GLUETaskKind.sst2.definition }
}
