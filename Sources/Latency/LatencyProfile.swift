import Foundation
import TensorCore

/// A calibrated latency model as saved by `kdnas latency calibrate`: the model, its errors, and
/// the measurements it was fitted to (so it can be refitted or audited).
public struct LatencyProfile: Codable, Sendable {
    /// One measured configuration.
    public struct Measurement: Codable, Sendable {
        /// The shape as Hugging Face config keys (num_hidden_layers, hidden_size, ...).
        public var architecture: [String: String]
        public var milliseconds: Double

        public init<Architecture: Encodable>(architecture: Architecture, milliseconds: Double) {
            let data = (try? JSONEncoder().encode(architecture)) ?? Data()
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            self.architecture = object.mapValues { "\($0)" }
            self.milliseconds = milliseconds
        }
    }

    public var version = 1
    public var space: String
    public var model: LatencyModel
    /// Error on the held-out quarter, of a model fitted on the rest.
    public var heldOut: PredictionError
    /// Error of the saved model on every measurement (in-sample).
    public var fitted: PredictionError
    public var measurements: [Measurement]

    enum CodingKeys: String, CodingKey {
        case version, space, model, heldOut = "held_out", fitted, measurements
    }

    public init(space: String, model: LatencyModel, heldOut: PredictionError, fitted: PredictionError, measurements: [Measurement]) {
        (self.space, self.model, self.heldOut, self.fitted, self.measurements) = (space, model, heldOut, fitted, measurements)
    }

    /// Writes the profile as JSON, atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }

    /// The largest coefficient a profile may hold, in milliseconds per unit of its feature: far above
    /// any fit (a layer costs well under a second), and small enough that every prediction for a
    /// configuration `BertConfig.validate` accepts is finite.
    public static let maximumCoefficient = 1e6

    /// Reads a profile; a typed error names the file and what is wrong.
    public static func read(_ path: String) throws -> LatencyProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LatencyProfileError(file: path, problem: "cannot be read; expected a profile from kdnas latency calibrate")
        }
        let profile: LatencyProfile
        do {
            profile = try JSONDecoder().decode(LatencyProfile.self, from: data)
        } catch {
            throw LatencyProfileError(file: path, problem: "is not a latency profile (\(error))")
        }
        guard profile.model.coefficients.count == LatencyModel.featureNames.count else {
            throw LatencyProfileError(file: path, problem: "model.coefficients has \(profile.model.coefficients.count) values; expected \(LatencyModel.featureNames.count)")
        }
        let settings = profile.model.settings
        for (field, value) in [("batch", settings.batch), ("seq", settings.sequenceLength), ("runs", settings.runs),
                               ("threads", profile.model.threads)] where value <= 0 {
            let key = field == "threads" ? "model.threads" : "model.settings.\(field)"
            throw LatencyProfileError(file: path, problem: "\(key) is \(value); expected a positive integer")
        }
        guard settings.batch <= LatencyMeter.Settings.maximumTokens / settings.sequenceLength else {
            throw LatencyProfileError(file: path, problem: "model.settings.batch × seq is \(settings.batch) × \(settings.sequenceLength); "
                                      + "expected at most \(LatencyMeter.Settings.maximumTokens) tokens")
        }
        // The fit is non-negative: a negative or non-finite coefficient would predict negative or NaN latencies,
        // and one past 10⁶ ms per unit an infinite one for a large model.
        if let index = profile.model.coefficients.firstIndex(where: { !($0.isFinite && $0 >= 0 && $0 <= Self.maximumCoefficient) }) {
            throw LatencyProfileError(file: path, problem: "model.coefficients[\(index)] (\(LatencyModel.featureNames[index])) is "
                                      + "\(profile.model.coefficients[index]); expected a finite number from 0 to 10^6")
        }
        return profile
    }
}

/// A profile that cannot be used: the file and what is wrong.
public struct LatencyProfileError: Error, CustomStringConvertible {
    public let file: String, problem: String
    public var description: String { "\(file): \(problem)" }
}
