import ArgumentParser
import Foundation
import Latency
import Models
import Search
import TensorCore

/// `kdnas latency`: measured, predicted or external inference latency of a model or a config.
struct LatencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Measure, predict or externally time a model's inference latency.",
        subcommands: [Measure.self, Calibrate.self],
        defaultSubcommand: Measure.self)

    /// The shape of every measurement.
    struct Shape: ParsableArguments {
        @Option(help: "Sequences per forward pass.")
        var batch = 1
        @Option(help: "Tokens per sequence.")
        var seq = 128
        @Option(help: "Untimed runs first.")
        var warmup = 3
        @Option(help: "Timed runs.")
        var runs = 20

        func validate() throws {
            guard batch > 0, seq > 0, warmup >= 0, runs > 0 else {
                throw ValidationError("--batch, --seq and --runs must be positive and --warmup not negative")
            }
        }

        var settings: LatencyMeter.Settings { LatencyMeter.Settings(batch: batch, sequenceLength: seq, warmup: warmup, runs: runs) }
    }

    struct Measure: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "measure",
            abstract: "Time a model's forward pass (the default), or predict it from a profile, or run an external command.",
            discussion: """
                Examples:
                  kdnas latency --model runs/main/teacher --batch 1 --seq 128 --threads 2 --json
                  kdnas latency --config student.json --runs 50
                  kdnas latency --predict profile.json --config student.json
                  kdnas latency --model runs/student --latency-command 'python3 time_on_gpu.py {model_dir}'
                """)

        @OptionGroup var source: ModelSource
        @Option(help: "A profile from `kdnas latency calibrate`: predict instead of running.")
        var predict: String?
        @Option(help: "A shell command timing the exported model at {model_dir}; its last printed number is the latency in ms.")
        var latencyCommand: String?
        @Option(help: "Seconds before the latency command is killed.")
        var latencyTimeout: Double = 600
        @OptionGroup var shape: Shape
        @Flag(help: "Print one JSON object.")
        var json = false
        @OptionGroup var engine: EngineOptions

        func validate() throws {
            guard predict == nil || latencyCommand == nil else { throw ValidationError("give at most one of --predict and --latency-command") }
        }

        func run() throws {
            try engine.apply()
            let settings = shape.settings
            let network = try source.load(settings)
            var result: [String: Any] = ["batch": settings.batch, "seq": settings.sequenceLength, "threads": Engine.threads,
                                         "parameters": network.parameterCount]
            if let predict {
                let profile = try LatencyProfile.read(predict)
                let milliseconds = profile.model.predict(network.config)
                result.merge(["predicted_ms": milliseconds, "profile": predict, "batch": profile.model.settings.batch,
                              "seq": profile.model.settings.sequenceLength, "threads": profile.model.threads]) { $1 }
                output(result, line: String(format: "predicted latency: %.3f ms (batch %d, seq %d, %d threads, profile %@; held-out median error %.1f%%)",
                                            milliseconds, profile.model.settings.batch, profile.model.settings.sequenceLength,
                                            profile.model.threads, predict, 100 * profile.heldOut.median))
            } else if let latencyCommand {
                let external = try ExternalLatency(command: latencyCommand, timeout: latencyTimeout)
                let milliseconds = try external.measure(network, tokenizerSource: source.model.map { URL(fileURLWithPath: $0) }).get()
                result["external_ms"] = milliseconds
                result["command"] = latencyCommand
                output(result, line: String(format: "external latency: %.3f ms (from: %@)", milliseconds, latencyCommand))
            } else {
                let statistics = LatencyMeter.measure(InferenceSession(network), settings: settings)
                result.merge(["median_ms": statistics.medianMs, "p90_ms": statistics.p90Ms, "mean_ms": statistics.meanMs,
                              "cv": statistics.cv, "runs": statistics.runs, "warmup": settings.warmup]) { $1 }
                output(result, line: String(format: "latency (batch %d, seq %d, %d threads): median %.3f ms, p90 %.3f ms, mean %.3f ms, cv %.3f over %d runs",
                                            settings.batch, settings.sequenceLength, Engine.threads, statistics.medianMs,
                                            statistics.p90Ms, statistics.meanMs, statistics.cv, statistics.runs))
            }
        }

        private func output(_ result: [String: Any], line: String) {
            if json { try? printJSON(result) } else { print(line) }
        }
    }

    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "calibrate",
            abstract: "Measure a sample of a search space and fit a latency model to it.",
            discussion: """
                A quarter of the sample is held out; the printed error is the fitted model's on it. The saved
                profile is refitted on the whole sample.
                Example: kdnas latency calibrate --space bert-base --count 80 --out profile.json --threads 2
                """)

        @Option(help: "bert-base, derived (needs --teacher), or a search-space JSON file.")
        var space: String
        @Option(help: "A teacher folder (for --space derived, and its vocabulary size).")
        var teacher: String?
        @Option(help: "Configurations measured.")
        var count = 80
        @Option(help: "Seed of the sample.")
        var seed: UInt64 = 1
        @Option(help: "Where the profile goes.")
        var out: String
        @OptionGroup var shape: Shape
        @Flag(help: "Print one JSON object.")
        var json = false
        @OptionGroup var engine: EngineOptions

        func validate() throws {
            guard count >= 8 else { throw ValidationError("--count must be at least 8 (a quarter is held out)") }
            guard count <= 100_000 else { throw ValidationError("--count \(count): expected at most 100000 configurations") }
        }

        func run() throws {
            try engine.apply()
            let teacherConfig = try teacher.map { try ModelFolder($0).model.config }
            let (space, notice) = try SearchSpace.loadWithNotice(space, teacher: teacherConfig)
            if let notice { log("calibrate: \(notice)") }
            let settings = shape.settings
            // The output path is checked before minutes of measuring, not after.
            try AtomicFile.checkDestination(URL(fileURLWithPath: out))
            // A space smaller than --count is measured whole.
            let progress = TaskProgress(label: "calibrate", total: min(count, space.validCount))
            let profile = try LatencyCalibration.calibrate(space: space, base: teacherConfig ?? BertConfig(), settings: settings, count: count,
                                                           seed: seed) { done, _, architecture, milliseconds in
                progress.update(done, detail: String(format: "%@ %.2f ms", architecture.description, milliseconds))
            }
            progress.finish()
            let (measured, heldOut) = (profile.measurements.count, profile.heldOut)
            try profile.write(to: URL(fileURLWithPath: out))
            if json {
                try printJSON(["out": out, "configurations": measured, "held_out": heldOut.count,
                               "median_relative_error": heldOut.median, "p90_relative_error": heldOut.p90, "max_relative_error": heldOut.max])
            } else {
                print(String(format: "calibrated on %d configurations of %@ (batch %d, seq %d, %d threads); held-out %d: median error %.1f%%, p90 %.1f%%, max %.1f%%",
                             measured, space.name, settings.batch, settings.sequenceLength, Engine.threads, heldOut.count,
                             100 * heldOut.median, 100 * heldOut.p90, 100 * heldOut.max))
                print("profile: \(out)")
            }
        }
    }
}
