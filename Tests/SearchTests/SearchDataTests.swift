import Foundation
@testable import Search
import Tasks
import Text
import XCTest

/// The search's data: the scoring set is disjoint from what is reported and from what candidates train on.
final class SearchDataTests: XCTestCase {
    private static let tokenizer = try! BertTokenizer(vocabulary: Vocabulary(
        tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + (0..<10).map { "w\($0)" }))
    private static let definition = TaskDefinition(name: "toy", labelNames: ["a", "b"], isRegression: false, metrics: [.accuracy],
                                                   primaryMetric: .accuracy)

    /// `count` examples whose texts name their split and index, so that sets can be compared by text.
    private func encoded(_ split: Split, count: Int) -> EncodedDataset {
        let examples = (0..<count).map { i in Example(text: "w\(i % 10) w\((i / 10) % 10) w\(i / 100)", label: .classIndex(i % 3 == 0 ? 1 : 0)) }
        return EncodedDataset(Dataset(definition: Self.definition, split: split, examples: examples), tokenizer: Self.tokenizer, maxLength: 8)
    }

    private func texts(_ data: EncodedDataset) -> [String] { data.dataset.examples.map(\.text) }

    func testScoringOnDevIsHeldOutOfTheReportedDevAndTheCandidatesTraining() throws {
        let (train, dev, test) = (encoded(.train, count: 400), encoded(.dev, count: 120), encoded(.test, count: 50))
        let data = try SearchData(train: train, dev: dev, test: test, proxyCount: 40, scoringSize: 500, scoringSplit: .dev, seed: 3)
        // At most half of dev scores; the rest is reported; together they are dev, with no example in both.
        XCTAssertEqual(data.scoring.count, 60)
        XCTAssertEqual(data.reportDev.count, 60)
        XCTAssertTrue(Set(texts(data.scoring)).isDisjoint(with: texts(data.reportDev)))
        XCTAssertEqual(Set(texts(data.scoring)).union(texts(data.reportDev)), Set(texts(dev)))
        XCTAssertEqual(data.reportDev.dataset.split, .dev)
        XCTAssertEqual(data.proxyTrain.count, 40)
        XCTAssertEqual(data.test?.count, 50)
        // Seeded: the same split again, another with another seed.
        let again = try SearchData(train: train, dev: dev, test: test, proxyCount: 40, scoringSize: 500, scoringSplit: .dev, seed: 3)
        XCTAssertEqual(texts(again.scoring), texts(data.scoring))
        let other = try SearchData(train: train, dev: dev, test: test, proxyCount: 40, scoringSize: 500, scoringSplit: .dev, seed: 4)
        XCTAssertNotEqual(texts(other.scoring), texts(data.scoring))
    }

    func testScoringOnTrainIsHeldOutOfTheProxySetAndDevIsReportedWhole() throws {
        let (train, dev) = (encoded(.train, count: 400), encoded(.dev, count: 120))
        let data = try SearchData(train: train, dev: dev, test: nil, proxyCount: 100, scoringSize: 50, scoringSplit: .train, seed: 1)
        XCTAssertEqual(data.scoring.count, 50)
        XCTAssertTrue(Set(texts(data.scoring)).isDisjoint(with: texts(data.proxyTrain)))
        XCTAssertTrue(Set(texts(data.scoring)).isSubset(of: texts(train)))
        XCTAssertEqual(texts(data.reportDev), texts(dev))
    }

    func testRungSetsAreNestedPrefixesOfTheProxySet() throws {
        let data = try SearchData(train: encoded(.train, count: 300), dev: encoded(.dev, count: 40), test: nil, proxyCount: 120,
                                  scoringSize: 20, scoringSplit: .dev, seed: 2)
        let small = texts(data.proxyTrain(count: 30)), large = texts(data.proxyTrain(count: 90))
        XCTAssertEqual(small, Array(large.prefix(30)))
        XCTAssertEqual(texts(data.proxyTrain(count: 1_000)), texts(data.proxyTrain))
    }

    func testTheFinalStagesCopiesStayOutOfTheCandidatesAndTheScoring() throws {
        let (train, dev) = (encoded(.train, count: 200), encoded(.dev, count: 60))
        let augmentation = TextAugmentation(copies: 2)
        let finalTrain = augmentation.encoded(train.dataset, tokenizer: Self.tokenizer, maxLength: 8, seed: 5)
        let data = try SearchData(train: train, finalTrain: finalTrain, dev: dev, test: nil, proxyCount: 50, scoringSize: 20,
                                  scoringSplit: .dev, seed: 5)
        XCTAssertEqual(data.finalTrain.count, 600)
        XCTAssertEqual(Array(texts(data.finalTrain).prefix(200)), texts(train), "the transfer set begins with the training set")
        let copies = Set(texts(data.finalTrain).dropFirst(200)).subtracting(texts(train))
        XCTAssertFalse(copies.isEmpty)
        // The same split as without augmentation.
        let plain = try SearchData(train: train, dev: dev, test: nil, proxyCount: 50, scoringSize: 20, scoringSplit: .dev, seed: 5)
        XCTAssertEqual(texts(plain.finalTrain), texts(train))
        XCTAssertEqual(texts(plain.proxyTrain), texts(data.proxyTrain))
        XCTAssertEqual(texts(plain.scoring), texts(data.scoring))
        XCTAssertEqual(texts(plain.reportDev), texts(data.reportDev))
    }

    func testTooFewExamplesNameTheOptions() {
        XCTAssertThrowsError(try SearchData(train: encoded(.train, count: 100), dev: encoded(.dev, count: 10), test: nil, proxyCount: 50,
                                            scoringSize: 100, scoringSplit: .dev, seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("--proxy-dev"), "\(error)")
            XCTAssertTrue("\(error)".contains("dev 10"), "\(error)")
        }
    }
}
