import Foundation
import Models
import Tasks

/// One student shape: the five choices a search makes.
public struct StudentArchitecture: Codable, Hashable, Sendable, CustomStringConvertible {
    public var layers: Int
    public var hiddenSize: Int
    public var heads: Int
    public var intermediateSize: Int
    public var activation: BertConfig.Activation

    public init(layers: Int, hiddenSize: Int, heads: Int, intermediateSize: Int, activation: BertConfig.Activation) {
        (self.layers, self.hiddenSize, self.heads, self.intermediateSize, self.activation) =
            (layers, hiddenSize, heads, intermediateSize, activation)
    }

    enum CodingKeys: String, CodingKey {
        case layers = "num_hidden_layers", hiddenSize = "hidden_size", heads = "num_attention_heads"
        case intermediateSize = "intermediate_size", activation = "hidden_act"
    }

    public var description: String { "L\(layers)-H\(hiddenSize)-A\(heads)-F\(intermediateSize)-\(activation.rawValue)" }

    /// The teacher's configuration with this shape (vocabulary, positions, labels and the rest kept).
    public func config(from teacher: BertConfig) -> BertConfig {
        var config = teacher
        (config.numHiddenLayers, config.hiddenSize, config.numAttentionHeads, config.intermediateSize, config.hiddenAct) =
            (layers, hiddenSize, heads, intermediateSize, activation)
        return config
    }

    /// The shape of `config`.
    public init(_ config: BertConfig) {
        self.init(layers: config.numHiddenLayers, hiddenSize: config.hiddenSize, heads: config.numAttentionHeads,
                  intermediateSize: config.intermediateSize, activation: config.hiddenAct)
    }

    /// Parameters of a `BertForSequenceClassification` of this shape, in closed form:
    /// embeddings (V + P + types)·H + 2H; per layer 4(H² + H) + 2H + 2HF + F + H + 2H; pooler H² + H;
    /// classifier (H + 1)·C.
    public func parameterCount(vocabulary: Int, positions: Int, tokenTypes: Int, labels: Int) -> Int {
        let (h, f) = (hiddenSize, intermediateSize)
        let embeddings = (vocabulary + positions + tokenTypes) * h + 2 * h
        let layer = 4 * (h * h + h) + 2 * h + 2 * h * f + f + h + 2 * h
        return embeddings + layers * layer + (h * h + h) + (h + 1) * labels
    }
}

/// The choices of each search dimension, and the rules a valid student obeys; read from JSON.
///
///     {"name": "bert-base", "num_hidden_layers": [3, 4, 6, 10, 12], "hidden_size": [384, 576, 768],
///      "num_attention_heads": [2, 3, 4, 6, 12], "intermediate_size": [384, 512, ..., 3072],
///      "hidden_act": ["gelu", "relu", "silu"], "head_size": null}
///
/// Validity: hidden_size divisible by num_attention_heads, and when `head_size` is set,
/// hidden_size / num_attention_heads equal to it.
public struct SearchSpace: Codable, Sendable, Equatable {
    public var name: String
    public var layers: [Int]
    public var hiddenSizes: [Int]
    public var heads: [Int]
    public var intermediateSizes: [Int]
    public var activations: [BertConfig.Activation]
    /// A fixed head size (hidden / heads), or nil for any.
    public var headSize: Int?

    enum CodingKeys: String, CodingKey {
        case name, layers = "num_hidden_layers", hiddenSizes = "hidden_size", heads = "num_attention_heads"
        case intermediateSizes = "intermediate_size", activations = "hidden_act", headSize = "head_size"
    }

    public init(name: String, layers: [Int], hiddenSizes: [Int], heads: [Int], intermediateSizes: [Int],
                activations: [BertConfig.Activation], headSize: Int? = nil) {
        (self.name, self.layers, self.hiddenSizes, self.heads, self.intermediateSizes, self.activations, self.headSize) =
            (name, layers, hiddenSizes, heads, intermediateSizes, activations, headSize)
    }

    /// The search dimensions in the controller's order, each with its choices (activations by index).
    public var dimensions: [(name: String, choices: Int)] {
        [("num_hidden_layers", layers.count), ("hidden_size", hiddenSizes.count), ("num_attention_heads", heads.count),
         ("intermediate_size", intermediateSizes.count), ("hidden_act", activations.count)]
    }

    /// Whether `architecture` obeys the rules (its choices need not come from this space).
    public func isValid(_ architecture: StudentArchitecture) -> Bool {
        guard architecture.heads > 0, architecture.hiddenSize % architecture.heads == 0 else { return false }
        if let headSize { return architecture.hiddenSize / architecture.heads == headSize }
        return true
    }

    /// Whether every choice of `architecture` is one of this space's and it is valid.
    public func contains(_ architecture: StudentArchitecture) -> Bool {
        layers.contains(architecture.layers) && hiddenSizes.contains(architecture.hiddenSize) && heads.contains(architecture.heads)
            && intermediateSizes.contains(architecture.intermediateSize) && activations.contains(architecture.activation)
            && isValid(architecture)
    }

    /// The choice indices of `architecture` in dimension order (it must be in the space).
    public func indices(of architecture: StudentArchitecture) -> [Int] {
        [layers.firstIndex(of: architecture.layers)!, hiddenSizes.firstIndex(of: architecture.hiddenSize)!,
         heads.firstIndex(of: architecture.heads)!, intermediateSizes.firstIndex(of: architecture.intermediateSize)!,
         activations.firstIndex(of: architecture.activation)!]
    }

    /// The architecture at choice `indices` (dimension order).
    public func architecture(at indices: [Int]) -> StudentArchitecture {
        StudentArchitecture(layers: layers[indices[0]], hiddenSize: hiddenSizes[indices[1]], heads: heads[indices[2]],
                            intermediateSize: intermediateSizes[indices[3]], activation: activations[indices[4]])
    }

    /// The number of valid architectures, in closed form (saturating at `Int.max`): layers × FFN sizes ×
    /// activations × the (hidden size, heads) pairs that obey the rules. Nothing is enumerated, so it
    /// answers at once for a space of 10⁹ combinations, where `all` would not.
    public var validCount: Int {
        let pairs = hiddenSizes.reduce(0) { count, h in
            count + heads.count { a in a > 0 && h % a == 0 && (headSize.map { h / a == $0 } ?? true) }
        }
        return [layers.count, intermediateSizes.count, activations.count].reduce(pairs) { product, factor in
            let (result, overflow) = product.multipliedReportingOverflow(by: factor)
            return overflow ? Int.max : result
        }
    }

    /// Every valid architecture, in dimension order. Materialised: use `validCount` for the size.
    public var all: [StudentArchitecture] {
        var result: [StudentArchitecture] = []
        for l in layers { for h in hiddenSizes { for a in heads { for f in intermediateSizes { for act in activations {
            let candidate = StudentArchitecture(layers: l, hiddenSize: h, heads: a, intermediateSize: f, activation: act)
            if isValid(candidate) { result.append(candidate) }
        } } } } }
        return result
    }

    /// A uniformly random valid architecture (rejection sampling over the choices; `validate` ensures
    /// one exists, and bounds the choices, so the expected number of draws is at most their count).
    public func sample(_ generator: inout SearchRandom) -> StudentArchitecture {
        while true {
            let candidate = architecture(at: dimensions.map { generator.index($0.choices) })
            if isValid(candidate) { return candidate }
        }
    }

    /// Up to `count` distinct valid architectures drawn uniformly without replacement (all of them when
    /// the space has `count` or fewer). A space of at most `enumerationLimit` is listed and drawn from;
    /// a larger one is sampled by rejection, at most 100 draws per architecture asked for, so a huge
    /// space is never enumerated.
    public func sampleDistinct(_ count: Int, random: inout SearchRandom) -> [StudentArchitecture] {
        let available = validCount
        guard available > Self.enumerationLimit else {
            var pool = all, sample: [StudentArchitecture] = []
            while sample.count < min(count, pool.count + sample.count) && !pool.isEmpty {
                sample.append(pool.remove(at: random.index(pool.count)))
            }
            return sample
        }
        var seen = Set<StudentArchitecture>(), sample: [StudentArchitecture] = []
        var tries = 0
        while sample.count < count && tries < 100 * count {
            tries += 1
            let candidate = self.sample(&random)
            if seen.insert(candidate).inserted { sample.append(candidate) }
        }
        return sample
    }

    /// The largest space `sampleDistinct` lists instead of sampling by rejection.
    public static let enumerationLimit = 100_000
    /// The most choices one dimension may have (the controller keeps an embedding per choice).
    public static let maximumChoices = 1_024
    /// The most valid architectures a space may hold: far beyond any search's budget (the paper's
    /// space holds 1,800), and small enough that listing it all stays cheap.
    public static let maximumValidCount = 1_000_000

    /// Throws the first rule this space breaks: empty or non-positive choices, or no valid architecture.
    public func validate(file: String) throws(SearchSpaceError) {
        for (field, values) in [("num_hidden_layers", layers), ("hidden_size", hiddenSizes), ("num_attention_heads", heads),
                                ("intermediate_size", intermediateSizes)] {
            guard !values.isEmpty, values.allSatisfy({ $0 > 0 }) else { throw SearchSpaceError(file: file, field: field, expected: "a non-empty list of positive integers") }
            guard Set(values).count == values.count else { throw SearchSpaceError(file: file, field: field, expected: "no repeated values") }
            guard values.count <= Self.maximumChoices else {
                throw SearchSpaceError(file: file, field: field, expected: "at most \(Self.maximumChoices) choices (found \(values.count))")
            }
        }
        guard !activations.isEmpty else { throw SearchSpaceError(file: file, field: "hidden_act", expected: "a non-empty list of gelu, gelu_new, relu, silu") }
        guard Set(activations).count == activations.count else { throw SearchSpaceError(file: file, field: "hidden_act", expected: "no repeated values") }
        if let headSize, headSize <= 0 { throw SearchSpaceError(file: file, field: "head_size", expected: "a positive integer or null") }
        // Counted in closed form: a space of 10⁹ combinations is refused at once, not enumerated.
        let count = validCount
        guard count > 0 else {
            throw SearchSpaceError(file: file, field: "num_attention_heads", expected: "at least one head count dividing a hidden size"
                                   + (headSize.map { " into heads of \($0)" } ?? ""))
        }
        guard count <= Self.maximumValidCount else {
            throw SearchSpaceError(file: file, field: "(space)", expected: "at most \(Self.maximumValidCount) valid architectures; this space has "
                                   + (count == Int.max ? "more than \(Int.max)" : "\(count)") + " (fewer choices per dimension)")
        }
    }

    /// This space with its layer choices cut to a teacher of `teacherLayers` layers, and a notice saying
    /// what was dropped (nil when nothing was). An inherited student takes its layers from the teacher's,
    /// so it can be no deeper: the built-in bert-base space (3…12 layers) becomes 3, 4, 6 with a
    /// 6-layer teacher. Throws when no choice is left.
    public func clipped(toTeacherLayers teacherLayers: Int, file: String) throws(SearchSpaceError) -> (space: SearchSpace, notice: String?) {
        let kept = layers.filter { $0 <= teacherLayers }
        guard kept.count < layers.count else { return (self, nil) }
        guard !kept.isEmpty else {
            throw SearchSpaceError(file: file, field: "num_hidden_layers",
                                   expected: "at least one depth up to the teacher's \(teacherLayers) layers (found \(layers))")
        }
        var space = self
        space.layers = kept
        let dropped = layers.filter { $0 > teacherLayers }.map(String.init).joined(separator: ", ")
        return (space, "space \(name): num_hidden_layers \(dropped) dropped (deeper than the teacher's \(teacherLayers) layers); "
                + "searching \(kept.map(String.init).joined(separator: ", "))")
    }

    /// The paper's space for a BERT-base teacher (Trivedi et al. 2023).
    public static let bertBase = SearchSpace(
        name: "bert-base", layers: [3, 4, 6, 10, 12], hiddenSizes: [384, 576, 768], heads: [2, 3, 4, 6, 12],
        intermediateSizes: [384, 512, 576, 768, 1024, 1536, 2048, 3072], activations: [.gelu, .relu, .silu])

    /// A space derived from the teacher: 1…L_T layers; hidden sizes a quarter, a half, three quarters and all
    /// of the teacher's (multiples of 32); heads dividing them; FFN from H_T/2 to the teacher's width; three activations.
    public static func derived(from teacher: BertConfig) -> SearchSpace {
        let h = teacher.hiddenSize, f = teacher.intermediateSize
        let hidden = Array(Set([h / 4, h / 2, 3 * h / 4, h].map { max(32, $0 / 32 * 32) }.filter { $0 <= h })).sorted()
        let heads = Array(Set([2, 4, 6, 8, 12, teacher.numAttentionHeads].filter { $0 <= teacher.numAttentionHeads })).sorted()
        let ffn = Array(Set([h / 2, h, 2 * h, 3 * h, 4 * h, f].filter { $0 <= f && $0 > 0 })).sorted()
        return SearchSpace(name: "derived", layers: Array(1...teacher.numHiddenLayers), hiddenSizes: hidden, heads: heads,
                           intermediateSizes: ffn, activations: [.gelu, .relu, .silu])
    }

    /// The derived space cut to what inheritance keeps whole: the teacher's head size (hidden sizes that are
    /// not a multiple of it dropped, heads = hidden / head size) and the teacher's activation. An inherited
    /// student then keeps whole teacher heads and the non-linearity its weights were trained with.
    public static func inherited(from teacher: BertConfig) -> SearchSpace {
        let derived = derived(from: teacher)
        let headSize = teacher.hiddenSize / teacher.numAttentionHeads
        let hidden = derived.hiddenSizes.filter { $0 % headSize == 0 }
        return SearchSpace(name: "inherited", layers: derived.layers, hiddenSizes: hidden, heads: hidden.map { $0 / headSize },
                           intermediateSizes: derived.intermediateSizes, activations: [teacher.hiddenAct], headSize: headSize)
    }

    /// The spaces `load` knows by name; any other name is a JSON file.
    public static let builtInNames: Set<String> = ["bert-base", "derived", "inherited"]

    /// Reads `name` as a built-in space (bert-base) or a JSON file; `teacher` gives "derived".
    ///
    /// With a teacher, the layer choices are cut to its depth (see `clipped(toTeacherLayers:file:)`);
    /// `loadWithNotice` also returns the notice saying so, for the command line to print.
    public static func load(_ name: String, teacher: BertConfig?) throws -> SearchSpace {
        try loadWithNotice(name, teacher: teacher).space
    }

    /// `load`, and the notice of what fitting the space to the teacher's depth dropped (nil: nothing).
    public static func loadWithNotice(_ name: String, teacher: BertConfig?) throws -> (space: SearchSpace, notice: String?) {
        let space = try read(name, teacher: teacher)
        guard let teacher else { return (space, nil) }
        return try space.clipped(toTeacherLayers: teacher.numHiddenLayers, file: name)
    }

    /// The space named `name`, as written.
    static func read(_ name: String, teacher: BertConfig?) throws -> SearchSpace {
        switch name {
        case "bert-base": return .bertBase
        case "derived":
            guard let teacher else { throw SearchSpaceError(file: name, field: "--space", expected: "a teacher to derive the space from") }
            return .derived(from: teacher)
        case "inherited":
            guard let teacher else { throw SearchSpaceError(file: name, field: "--space", expected: "a teacher to derive the space from") }
            return .inherited(from: teacher)
        default:
            guard let data = FileManager.default.contents(atPath: name) else {
                throw SearchSpaceError(file: name, field: "--space", expected: "bert-base, derived, inherited, or a readable JSON file")
            }
            let space: SearchSpace
            do {
                space = try JSONDecoder().decode(SearchSpace.self, from: data)
            } catch let DecodingError.keyNotFound(key, _) {
                throw SearchSpaceError(file: name, field: key.stringValue, expected: "present")
            } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
                throw SearchSpaceError(file: name, field: context.codingPath.map(\.stringValue).joined(separator: "."),
                                       expected: "a list of integers (or activation names for hidden_act)")
            } catch let DecodingError.dataCorrupted(context) {
                throw SearchSpaceError(file: name, field: context.codingPath.map(\.stringValue).joined(separator: ".").isEmpty ? "(file)"
                                       : context.codingPath.map(\.stringValue).joined(separator: "."),
                                       expected: "valid JSON (\(context.debugDescription))")
            }
            try space.validate(file: name)
            return space
        }
    }
}

/// A search space file that cannot be used: the file, the field and what was expected.
public struct SearchSpaceError: Error, CustomStringConvertible, Equatable {
    public let file: String, field: String, expected: String
    public var description: String { "\(file): \(field): expected \(expected)" }
}

/// The search's random numbers: Tasks' `SplitMix64`, with its state stored (Codable) so that a
/// resumed search continues the stream exactly.
public struct SearchRandom: Codable, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        var generator = SplitMix64(seed: state)
        defer { state = generator.state }
        return generator.next()
    }

    /// Uniform in 0..<count.
    public mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
