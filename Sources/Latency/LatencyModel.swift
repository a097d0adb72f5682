import Foundation
import Models

/// A latency prediction from a model's shape: a non-negative linear model on per-component costs
/// (projections, FFN, attention products, softmax, element-wise work, weights read, fixed
/// overheads), fitted to measured configurations by minimising the relative error.
///
/// Each feature counts one kind of work for the whole forward pass at batch B, length T, with L
/// layers, hidden H, A heads and FFN width F, so a coefficient is that work's unit cost on the
/// machine that was calibrated. Saved as a profile (JSON) with the settings it was measured at.
public struct LatencyModel: Codable, Sendable, Equatable {
    /// The features, in coefficient order.
    public static let featureNames = [
        "constant", "layers", "projection_macs", "ffn_macs", "attention_macs", "softmax_elements",
        "elementwise_elements", "weight_floats", "attention_tasks", "embedding_elements",
    ]

    /// Milliseconds per unit of each feature.
    public var coefficients: [Double]
    /// The measurement settings and threads the model was calibrated at.
    public var settings: LatencyMeter.Settings
    public var threads: Int

    public init(coefficients: [Double], settings: LatencyMeter.Settings, threads: Int) {
        (self.coefficients, self.settings, self.threads) = (coefficients, settings, threads)
    }

    /// The features of `config` at `batch` × `length`.
    public static func features(_ config: BertConfig, batch: Int, length: Int) -> [Double] {
        let (l, h, a, f) = (Double(config.numHiddenLayers), Double(config.hiddenSize), Double(config.numAttentionHeads),
                            Double(config.intermediateSize))
        let (b, t) = (Double(batch), Double(length))
        let tokens = b * t
        return [
            1,
            l,
            l * tokens * 4 * h * h,        // Q, K, V and output projections
            l * tokens * 2 * h * f,        // the two FFN products
            l * b * 2 * t * t * h,         // Q·Kᵀ and P·V over all heads
            l * b * a * t * t,             // masked softmax
            l * tokens * (6 * h + f),      // biases, residuals, LayerNorms, activation
            l * (4 * h * h + 2 * h * f),   // weights streamed from memory
            l * b * a,                     // per-(sequence, head) task overhead
            tokens * h,                    // embeddings and their LayerNorm
        ]
    }

    /// Predicted median latency of `config` in milliseconds, at the calibrated settings.
    public func predict(_ config: BertConfig) -> Double {
        zip(Self.features(config, batch: settings.batch, length: settings.sequenceLength), coefficients).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Fits the model to `samples` (configuration, measured milliseconds).
    public static func fit(_ samples: [(config: BertConfig, milliseconds: Double)], settings: LatencyMeter.Settings, threads: Int)
        -> LatencyModel
    {
        // Relative error: each row divided by its measurement, so the target is 1.
        let rows = samples.map { sample in features(sample.config, batch: settings.batch, length: settings.sequenceLength).map { $0 / sample.milliseconds } }
        let coefficients = NonNegativeLeastSquares.solve(rows: rows, targets: Array(repeating: 1, count: rows.count))
        return LatencyModel(coefficients: coefficients, settings: settings, threads: threads)
    }
}

/// The relative errors |predicted − measured| / measured of a model on samples, summarised.
public struct PredictionError: Codable, Sendable, Equatable {
    public var median: Double
    public var p90: Double
    public var max: Double
    public var count: Int

    enum CodingKeys: String, CodingKey { case median = "median_relative_error", p90 = "p90_relative_error", max = "max_relative_error", count }

    public init(model: LatencyModel, samples: [(config: BertConfig, milliseconds: Double)]) {
        let errors = samples.map { abs(model.predict($0.config) - $0.milliseconds) / $0.milliseconds }.sorted()
        count = errors.count
        guard !errors.isEmpty else { (median, p90, max) = (0, 0, 0); return }
        median = errors[errors.count / 2]
        p90 = errors[min(errors.count - 1, Int((0.9 * Double(errors.count - 1)).rounded(.up)))]
        max = errors.last!
    }
}

/// min ‖A x − y‖² subject to x ≥ 0, by cyclic coordinate descent on columns scaled to unit norm:
/// a handful of features, so thousands of sweeps cost nothing and converge.
enum NonNegativeLeastSquares {
    static func solve(rows: [[Double]], targets: [Double], sweeps: Int = 20_000) -> [Double] {
        guard let width = rows.first?.count else { return [] }
        let norms = (0..<width).map { j in max(rows.reduce(0) { $0 + $1[j] * $1[j] }.squareRoot(), 1e-300) }
        let a = rows.map { row in (0..<width).map { row[$0] / norms[$0] } }
        // Gram matrix G = AᵀA and Aᵀy.
        var gram = Array(repeating: Array(repeating: 0.0, count: width), count: width)
        var aty = Array(repeating: 0.0, count: width)
        for (row, y) in zip(a, targets) {
            for i in 0..<width {
                aty[i] += row[i] * y
                for j in 0..<width { gram[i][j] += row[i] * row[j] }
            }
        }
        var x = Array(repeating: 0.0, count: width)
        for _ in 0..<sweeps {
            var change = 0.0
            for j in 0..<width where gram[j][j] > 0 {
                var gradient = -aty[j]
                for k in 0..<width { gradient += gram[j][k] * x[k] }
                let updated = max(0, x[j] - gradient / gram[j][j])
                change = max(change, abs(updated - x[j]))
                x[j] = updated
            }
            if change < 1e-13 { break }
        }
        return (0..<width).map { x[$0] / norms[$0] }
    }
}
