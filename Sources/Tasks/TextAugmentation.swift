import Text

/// Transfer-set augmentation for distillation (Tang et al. 2019, "Distilling Task-Specific Knowledge
/// from BERT into Simple Neural Networks"): perturbed copies of the training texts, on which the
/// teacher's outputs say more than on the examples it was fine-tuned on (where it is confident and
/// its soft targets are close to the labels).
///
/// Each copy of an example draws from its own random stream of (seed, copy, example index), and
/// perturbs every text of the example:
/// 1. each whitespace-separated word becomes the mask token with probability `maskProbability`, else
///    with `replaceProbability` a word drawn from all the words of the training texts (so by their
///    frequency);
/// 2. then, with probability `spanProbability` and at least 4 words, only a random span of at least
///    half the words is kept.
/// A copy keeps its example's label (the output-distribution loss mixes it with the teacher's).
public struct TextAugmentation: Codable, Sendable, Equatable {
    /// Perturbed copies per training example (0: no augmentation).
    public var copies: Int
    public var maskProbability: Double = 0.1
    public var replaceProbability: Double = 0.1
    public var spanProbability: Double = 0.25

    public init(copies: Int = 0) { self.copies = copies }

    enum CodingKeys: String, CodingKey {
        case copies, maskProbability = "mask_probability", replaceProbability = "replace_probability", spanProbability = "span_probability"
    }

    /// Reads what `encode` wrote; a probability missing (a setting added later) takes its default.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        copies = try container.decode(Int.self, forKey: .copies)
        let defaults = TextAugmentation()
        maskProbability = try container.decodeIfPresent(Double.self, forKey: .maskProbability) ?? defaults.maskProbability
        replaceProbability = try container.decodeIfPresent(Double.self, forKey: .replaceProbability) ?? defaults.replaceProbability
        spanProbability = try container.decodeIfPresent(Double.self, forKey: .spanProbability) ?? defaults.spanProbability
    }

    /// The most copies asked for: each one is a teacher pass and an epoch's worth of steps more.
    public static let maximumCopies = 100

    /// Throws unless the copies are 0 to `maximumCopies` and the probabilities valid ones summing to at most 1 per word.
    public func validate() throws(TaskError) {
        guard (0...Self.maximumCopies).contains(copies) else {
            throw .invalidOption("--augment \(copies)", expected: "0 to \(Self.maximumCopies) perturbed copies per training example")
        }
        for (name, p) in [("mask", maskProbability), ("replace", replaceProbability), ("span", spanProbability)] where !(0...1).contains(p) {
            throw .invalidOption("augmentation \(name) probability \(p)", expected: "a probability in [0, 1]")
        }
        guard maskProbability + replaceProbability <= 1 else {
            throw .invalidOption("augmentation mask + replace probabilities", expected: "at most 1 in all")
        }
    }

    /// `dataset` and its copies, tokenized by `tokenizer`: a distillation's transfer set.
    public func encoded(_ dataset: Dataset, tokenizer: BertTokenizer, maxLength: Int, seed: UInt64) -> EncodedDataset {
        EncodedDataset(augmented(dataset, tokenizer: tokenizer, seed: seed), tokenizer: tokenizer, maxLength: maxLength)
    }

    /// `dataset` augmented for `tokenizer`: masked with its mask token, or its unknown token if it has none.
    public func augmented(_ dataset: Dataset, tokenizer: BertTokenizer, seed: UInt64) -> Dataset {
        let configuration = tokenizer.configuration
        return augmented(dataset, maskToken: tokenizer.maskTokenId != nil ? configuration.maskToken : configuration.unknownToken, seed: seed)
    }

    /// `dataset` followed by `copies` perturbed copies of each of its examples (copy 1 of every example,
    /// then copy 2, …), masking with `maskToken` (the tokenizer's, e.g. "[MASK]"). A dataset without
    /// words, or 0 copies, is returned as it is.
    public func augmented(_ dataset: Dataset, maskToken: String, seed: UInt64) -> Dataset {
        guard copies > 0 else { return dataset }
        let vocabulary = dataset.examples.flatMap { example in
            Self.words(example.text) + (example.pair.map(Self.words) ?? [])
        }
        guard !vocabulary.isEmpty else { return dataset }
        var examples = dataset.examples
        examples.reserveCapacity(dataset.count * (copies + 1))
        for copy in 1...copies {
            for (index, example) in dataset.examples.enumerated() {
                var random = SplitMix64(seed: seed, stream: UInt64(copy) << 40 | UInt64(index))
                let text = perturb(example.text, vocabulary: vocabulary, maskToken: maskToken, random: &random)
                let pair = example.pair.map { perturb($0, vocabulary: vocabulary, maskToken: maskToken, random: &random) }
                examples.append(Example(text: text, pair: pair, label: example.label))
            }
        }
        return Dataset(definition: dataset.definition, split: dataset.split, examples: examples, source: dataset.source,
                       skippedRows: dataset.skippedRows)
    }

    /// One perturbed text (the rules above).
    func perturb(_ text: String, vocabulary: [Substring], maskToken: String, random: inout SplitMix64) -> String {
        var words = Self.words(text).map { word -> Substring in
            let u = Self.uniform(&random)
            if u < maskProbability { return Substring(maskToken) }
            if u < maskProbability + replaceProbability { return vocabulary[random.next(below: vocabulary.count)] }
            return word
        }
        if words.count >= 4, Self.uniform(&random) < spanProbability {
            let length = (words.count + 1) / 2 + random.next(below: words.count - (words.count + 1) / 2 + 1)
            let start = random.next(below: words.count - length + 1)
            words = Array(words[start ..< start + length])
        }
        return words.joined(separator: " ")
    }

    /// The whitespace-separated words of `text`.
    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0.isWhitespace })
    }

    /// A uniform double in [0, 1) from 53 random bits.
    static func uniform(_ random: inout SplitMix64) -> Double {
        Double(random.next() >> 11) * 0x1p-53
    }
}
