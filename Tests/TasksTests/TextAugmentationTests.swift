import XCTest
import Text
@testable import Tasks

/// Transfer-set augmentation: originals first, deterministic copies, the perturbation rules, the limits.
final class TextAugmentationTests: XCTestCase {
    private static let definition = TaskDefinition(name: "toy", labelNames: ["a", "b"], isRegression: false, metrics: [.accuracy],
                                                   primaryMetric: .accuracy)
    private let dataset = Dataset(definition: TextAugmentationTests.definition, split: .train, examples: [
        Example(text: "a gripping and very well acted film", label: .classIndex(1)),
        Example(text: "dull", label: .classIndex(0)),
        Example(text: "the plot goes nowhere at all", pair: "it is a long two hours", label: .classIndex(0)),
    ])

    func testOriginalsComeFirstAndEveryCopyKeepsItsExamplesLabel() {
        let augmented = TextAugmentation(copies: 3).augmented(dataset, maskToken: "[MASK]", seed: 7)
        XCTAssertEqual(augmented.count, dataset.count * 4)
        XCTAssertEqual(Array(augmented.examples.prefix(3)), dataset.examples)
        for (index, example) in augmented.examples.enumerated() {
            let original = dataset.examples[index % dataset.count]
            XCTAssertEqual(example.label, original.label)
            XCTAssertEqual(example.pair == nil, original.pair == nil)
        }
    }

    func testCopiesAreSeededAndEachDrawsFromItsOwnStream() {
        let augmentation = TextAugmentation(copies: 2)
        let once = augmentation.augmented(dataset, maskToken: "[MASK]", seed: 7)
        XCTAssertEqual(once.examples, augmentation.augmented(dataset, maskToken: "[MASK]", seed: 7).examples)
        XCTAssertNotEqual(once.examples, augmentation.augmented(dataset, maskToken: "[MASK]", seed: 8).examples)
        // Example 2's first copy is drawn from the stream of (seed, copy 1, example 2), whatever the examples before it.
        let vocabulary = dataset.examples.flatMap { TextAugmentation.words($0.text) + ($0.pair.map(TextAugmentation.words) ?? []) }
        var random = SplitMix64(seed: 7, stream: 1 << 40 | 2)
        let text = augmentation.perturb(dataset.examples[2].text, vocabulary: vocabulary, maskToken: "[MASK]", random: &random)
        XCTAssertEqual(once.examples[3 + 2].text, text)
    }

    func testWordsAreMaskedOrReplacedAtTheirRates() {
        let words = (0 ..< 20).map { "w\($0)" }
        let long = Dataset(definition: Self.definition, split: .train,
                           examples: (0 ..< 200).map { _ in Example(text: words.joined(separator: " "), label: .classIndex(0)) })
        var augmentation = TextAugmentation(copies: 1)
        augmentation.spanProbability = 0
        let copies = augmentation.augmented(long, maskToken: "[MASK]", seed: 3).examples.dropFirst(long.count)
        var (masked, changed, total) = (0, 0, 0)
        for copy in copies {
            let out = copy.text.split(separator: " ").map(String.init)
            XCTAssertEqual(out.count, words.count, "without spans every word stays in its place")
            for (a, b) in zip(out, words) {
                total += 1
                if a == "[MASK]" { masked += 1 } else if a != b { changed += 1; XCTAssertTrue(words.contains(a)) }
            }
        }
        // 4,000 words at p = 0.1 each: the counts lie within 5 standard deviations (±95) of 400;
        // a replacement draws the same word back with probability 1/20, so replaced-and-changed is 0.095.
        XCTAssertEqual(Double(masked), 400, accuracy: 95)
        XCTAssertEqual(Double(changed), 380, accuracy: 95)
    }

    func testSpansKeepAtLeastHalfTheWordsInOrder() {
        var augmentation = TextAugmentation(copies: 50)
        (augmentation.maskProbability, augmentation.replaceProbability, augmentation.spanProbability) = (0, 0, 1)
        let text = "one two three four five six seven"
        let single = Dataset(definition: Self.definition, split: .train, examples: [Example(text: text, label: .classIndex(1))])
        let copies = augmentation.augmented(single, maskToken: "[MASK]", seed: 11).examples.dropFirst()
        var lengths = Set<Int>()
        for copy in copies {
            let count = copy.text.split(separator: " ").count
            lengths.insert(count)
            XCTAssertGreaterThanOrEqual(count, 4, copy.text)
            XCTAssertTrue(text.contains(copy.text), "a span is a contiguous run of the words: \(copy.text)")
        }
        XCTAssertEqual(lengths, Set(4...7), "every span length from half the words to all of them is drawn")
        // Fewer than 4 words are never cut.
        let short = Dataset(definition: Self.definition, split: .train, examples: [Example(text: "not good at", label: .classIndex(0))])
        XCTAssertEqual(augmentation.augmented(short, maskToken: "[MASK]", seed: 11).examples.map(\.text), Array(repeating: "not good at", count: 51))
    }

    func testNoCopiesOrNoWordsLeaveTheDatasetAsItIs() {
        XCTAssertEqual(TextAugmentation(copies: 0).augmented(dataset, maskToken: "[MASK]", seed: 1).examples, dataset.examples)
        let empty = Dataset(definition: Self.definition, split: .train, examples: [Example(text: "  ", label: .classIndex(0))])
        XCTAssertEqual(TextAugmentation(copies: 2).augmented(empty, maskToken: "[MASK]", seed: 1).count, 1)
    }

    func testTheTokenizersMaskTokenIsUsedAndTheCopiesAreEncoded() throws {
        let tokenizer = try BertTokenizer(vocabulary: Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "dull"]))
        var augmentation = TextAugmentation(copies: 1)
        (augmentation.maskProbability, augmentation.replaceProbability) = (1, 0)
        let single = Dataset(definition: Self.definition, split: .train, examples: [Example(text: "dull", label: .classIndex(0))])
        let encoded = augmentation.encoded(single, tokenizer: tokenizer, maxLength: 8, seed: 1)
        XCTAssertEqual(encoded.count, 2)
        XCTAssertEqual(encoded.encodings[0].ids, [2, 5, 3])
        XCTAssertEqual(encoded.encodings[1].ids, [2, 4, 3], "the copy's word is the tokenizer's [MASK], one token")
    }

    func testLimitsAreTypedErrors() {
        XCTAssertThrowsError(try TextAugmentation(copies: -1).validate())
        XCTAssertThrowsError(try TextAugmentation(copies: TextAugmentation.maximumCopies + 1).validate()) { error in
            XCTAssertEqual("\(error)", "--augment 101: expected 0 to 100 perturbed copies per training example")
        }
        var augmentation = TextAugmentation(copies: 1)
        (augmentation.maskProbability, augmentation.replaceProbability) = (0.6, 0.6)
        XCTAssertThrowsError(try augmentation.validate())
        (augmentation.maskProbability, augmentation.replaceProbability) = (.nan, 0.1)
        XCTAssertThrowsError(try augmentation.validate())
        XCTAssertNoThrow(try TextAugmentation(copies: 4).validate())
    }
}
