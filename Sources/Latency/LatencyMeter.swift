import Foundation
import Models
import TensorCore
import Text

/// Timings of repeated runs: what `kdnas latency` prints and what a reward uses.
public struct LatencyStatistics: Codable, Sendable, Equatable {
    public var medianMs: Double
    public var p90Ms: Double
    public var meanMs: Double
    /// Coefficient of variation: standard deviation over mean.
    public var cv: Double
    public var runs: Int

    enum CodingKeys: String, CodingKey {
        case medianMs = "median_ms", p90Ms = "p90_ms", meanMs = "mean_ms", cv, runs
    }

    /// Statistics of `samples` (milliseconds, at least one).
    public init(samples: [Double]) {
        precondition(!samples.isEmpty, "LatencyStatistics: no samples")
        let sorted = samples.sorted()
        let n = sorted.count
        medianMs = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        // p90 by linear interpolation between order statistics (NumPy's default).
        let position = 0.9 * Double(n - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, n - 1)
        p90Ms = sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
        let mean = sorted.reduce(0, +) / Double(n)
        let variance = n > 1 ? sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1) : 0
        meanMs = mean
        cv = mean > 0 ? variance.squareRoot() / mean : 0
        runs = n
    }
}

/// Measures a model's inference latency: random tokens of a fixed shape, warm-up runs, then timed runs.
public enum LatencyMeter {
    /// What to measure: sequences per call, tokens per sequence, untimed and timed runs.
    public struct Settings: Sendable, Equatable, Codable {
        public var batch = 1
        public var sequenceLength = 128
        public var warmup = 3
        public var runs = 20

        public init(batch: Int = 1, sequenceLength: Int = 128, warmup: Int = 3, runs: Int = 20) {
            (self.batch, self.sequenceLength, self.warmup, self.runs) = (batch, sequenceLength, warmup, runs)
        }

        enum CodingKeys: String, CodingKey {
            case batch, sequenceLength = "seq", warmup, runs
        }

        /// The most timed (or warm-up) runs a measurement takes.
        public static let maximumRuns = 100_000
        /// The most tokens (batch × sequence length) in one call: BERT-base's activations at this size take
        /// about 13 GB.
        public static let maximumTokens = 1 << 20

        /// Throws unless a model of `config` can be timed with these settings: positive batch, length
        /// and runs, no negative warm-up, at most `maximumRuns` runs and `maximumTokens` tokens per call,
        /// and no more tokens than the model's max_position_embeddings (the inference session stops on a
        /// longer sequence, which has no position embeddings).
        public func check(fits config: BertConfig) throws(LatencySettingsError) {
            for (option, value) in [("--batch", batch), ("--seq", sequenceLength), ("--runs", runs)] where value <= 0 {
                throw LatencySettingsError(option: option, value: value, expected: "a positive integer")
            }
            if warmup < 0 { throw LatencySettingsError(option: "--warmup", value: warmup, expected: "0 or more") }
            // Bounded so that the token buffers and the timings can be allocated (a huge value stopped the
            // program in an allocation) and a measurement ends.
            for (option, value) in [("--runs", runs), ("--warmup", warmup)] where value > Self.maximumRuns {
                throw LatencySettingsError(option: option, value: value, expected: "at most \(Self.maximumRuns) runs")
            }
            guard sequenceLength <= config.maxPositionEmbeddings else {
                throw LatencySettingsError(option: "--seq", value: sequenceLength,
                                           expected: "at most the model's max_position_embeddings \(config.maxPositionEmbeddings)")
            }
            let (tokens, overflow) = batch.multipliedReportingOverflow(by: sequenceLength)
            guard !overflow, tokens <= Self.maximumTokens else {
                throw LatencySettingsError(option: "--batch", value: batch,
                                           expected: "at most \(Self.maximumTokens) tokens per call (--batch × --seq; --seq is \(sequenceLength))")
            }
        }
    }

    /// Times `session` on random tokens (seeded: the same tokens every call), with the engine's threads.
    public static func measure(_ session: InferenceSession, settings: Settings) -> LatencyStatistics {
        let config = session.config
        var generator = RandomGenerator(seed: 17)
        let ids = (0..<(settings.batch * settings.sequenceLength)).map { _ in Int(generator.next() % UInt64(config.vocabSize)) }
        let tokens = TokenBatch(batch: settings.batch, length: settings.sequenceLength, inputIds: ids)
        for _ in 0..<settings.warmup { _ = session.logits(tokens) }
        let samples = (0..<max(settings.runs, 1)).map { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            _ = session.logits(tokens)
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        return LatencyStatistics(samples: samples)
    }

    /// Measures a bare configuration with random weights.
    public static func measure(_ config: BertConfig, settings: Settings) -> LatencyStatistics {
        measure(InferenceSession(BertForSequenceClassification(config, seed: 0)), settings: settings)
    }
}

/// Latency settings a model cannot be timed with: the option, its value and what was expected.
public struct LatencySettingsError: Error, CustomStringConvertible, Equatable {
    public let option: String, value: Int, expected: String
    public var description: String { "\(option) \(value): expected \(expected)" }
}
