import Foundation
import Latency
import Models
import Tasks
import TensorCore

/// Fits a latency model to measured architectures of a space: what `kdnas latency calibrate` runs, and
/// what a search with calibrated latency does when it starts (or reads from its cache).
///
///     let profile = LatencyCalibration.calibrate(space: .derived(from: teacher), base: teacher,
///                                                settings: .init(batch: 1, sequenceLength: 128), count: 60)
///     profile.model.predict(student)   // milliseconds, the same every time
public enum LatencyCalibration {
    /// Measures `count` distinct architectures of `space` drawn by seed (sampled, never enumerated), in
    /// `rounds` interleaved rounds over the whole sample keeping each one's smallest median (a round
    /// disturbed by another process does not count), and fits the model; a quarter is held
    /// out to report the error, then the saved model is refitted on all. `progress` sees each measurement.
    public static func calibrate(space: SearchSpace, base: BertConfig, settings: LatencyMeter.Settings, count: Int, seed: UInt64 = 1,
                                 rounds: Int = 1, progress: ((_ done: Int, _ total: Int, StudentArchitecture, Double) -> Void)? = nil)
        throws -> LatencyProfile
    {
        var base = base
        base.numLabels = max(base.numLabels, 2)
        try settings.check(fits: base)
        var random = SearchRandom(seed: seed)
        let sample = space.sampleDistinct(count, random: &random)
        var best = Array(repeating: Double.infinity, count: sample.count)
        for round in 0..<max(rounds, 1) {
            for (index, architecture) in sample.enumerated() {
                let milliseconds = LatencyMeter.measure(architecture.config(from: base), settings: settings).medianMs
                best[index] = min(best[index], milliseconds)
                progress?(round * sample.count + index + 1, max(rounds, 1) * sample.count, architecture, milliseconds)
            }
        }
        let measured = zip(sample, best).map { (config: $0.0.config(from: base), milliseconds: $0.1) }
        let heldOutCount = max(2, measured.count / 4)
        let (fitted, heldOut) = (Array(measured.dropLast(heldOutCount)), Array(measured.suffix(heldOutCount)))
        let heldOutError = PredictionError(model: LatencyModel.fit(fitted, settings: settings, threads: Engine.threads), samples: heldOut)
        let model = LatencyModel.fit(measured, settings: settings, threads: Engine.threads)
        return LatencyProfile(space: space.name, model: model, heldOut: heldOutError, fitted: PredictionError(model: model, samples: measured),
                              measurements: zip(sample, best).map { .init(architecture: $0.0, milliseconds: $0.1) })
    }

    /// The file name of a cached calibration: one per machine (processor and cores), thread count,
    /// matrix library, measurement shape, sample size and space, so a search on another machine, at another
    /// thread count or on another library calibrates anew. `engineVersion` names the inference path's
    /// timing: raise it when a change moves measured latencies, so older calibrations are not reused.
    public static func cacheName(space: SearchSpace, base: BertConfig, settings: LatencyMeter.Settings, count: Int, rounds: Int) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let spaceText = String(decoding: (try? encoder.encode(space)) ?? Data(), as: UTF8.self)
        let identity = ["kdnas latency calibration v1", "engine \(Self.engineVersion)", Self.machine,
                        "OPENBLAS_CORETYPE \(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "-")", "threads \(Engine.threads)",
                        "matrix library \(Engine.matrixLibrary.rawValue)", "batch \(settings.batch) seq \(settings.sequenceLength)",
                        "warmup \(settings.warmup) runs \(settings.runs)", "count \(count) rounds \(rounds)",
                        "vocab \(base.vocabSize) positions \(base.maxPositionEmbeddings) types \(base.typeVocabSize)", spaceText]
            .joined(separator: "\n")
        return String(format: "latency-%016llx.json", FNV1a.hash64(identity.utf8))
    }

    /// The inference path's timing generation: 2 since its parallel loops run on `WorkerPool` (2026-12-07),
    /// which made batch-1 latencies 18–43% shorter, small models most; 3 since its Linear products run on
    /// weights packed once (`PackedWeight`, 2026-12-07); 4 since its attention heads run on the same tile loops
    /// (`kd_attention_head`).
    static let engineVersion = 4

    /// The processor's model name and flags and the core count, from /proc/cpuinfo (empty where there is none).
    public static let machine: String = {
        let lines = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").split(separator: "\n")
        func field(_ name: String) -> String {
            lines.first { $0.hasPrefix(name) }.map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? ""
        }
        return "\(field("model name")) [\(field("flags").isEmpty ? field("Features") : field("flags"))] × \(ProcessInfo.processInfo.activeProcessorCount)"
    }()
}
