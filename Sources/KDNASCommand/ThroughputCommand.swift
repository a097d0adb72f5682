import ArgumentParser
import Foundation
import Latency
import Models
import NN
import TensorCore
import Text

/// `kdnas throughput`: the median time of one training step (forward, backward, clipping, AdamW) on
/// random tokens; with `--profile`, where the step's time goes, op family by op family.
struct ThroughputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Measure one training step (forward, backward, clipping, AdamW) on random tokens.",
        discussion: """
            What a distillation or a search will cost per step. A bare --config is measured with random weights.
            --profile adds the time of each op family (linear, attention, layer norm, ...) forward and backward,
            and of clipping and the optimiser: the rows sum to the mean profiled step.
            Example: kdnas throughput --config student.json --batch 32 --seq 128 --steps 5 --profile
            """)

    @OptionGroup var source: ModelSource
    @Option(help: "Sequences per step.")
    var batch = 32
    @Option(help: "Tokens per sequence.")
    var seq = 128
    @Option(help: "Timed steps (after one warm-up step).")
    var steps = 5
    @Option(help: "Clip the gradients' global norm to this, as training does (0: no clipping).")
    var maxGradNorm: Float = 1
    @Flag(help: "Time every op family forward and backward, and each phase of the step.")
    var profile = false
    @Flag(help: "Print one JSON object.")
    var json = false
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard batch > 0, seq > 0, steps > 0 else { throw ValidationError("--batch, --seq and --steps must be positive") }
        guard maxGradNorm >= 0, maxGradNorm.isFinite else { throw ValidationError("--max-grad-norm \(maxGradNorm): expected 0 or more") }
        guard steps <= LatencyMeter.Settings.maximumRuns else {
            throw ValidationError("--steps \(steps): expected at most \(LatencyMeter.Settings.maximumRuns)")
        }
    }

    func run() throws {
        try engine.apply()
        // One warm-up step and `steps` timed ones, checked as a latency measurement of this shape is.
        let network = try source.load(LatencyMeter.Settings(batch: batch, sequenceLength: seq, warmup: 1, runs: 1))
        let settings = network.config
        var generator = RandomGenerator(seed: 1)
        let ids = (0..<(batch * seq)).map { _ in Int(generator.next() % UInt64(settings.vocabSize)) }
        let tokens = TokenBatch(batch: batch, length: seq, inputIds: ids)
        let labels = (0..<batch).map { _ in Float(settings.isRegression ? 0.5 : Float(generator.next() % UInt64(settings.numLabels))) }
        let optimizer = AdamW(network.namedParameters)
        let parameters = network.namedParameters.map(\.tensor)
        let context = ForwardContext(training: true, seed: 2)
        let profiler = OpProfiler()
        var profiling: OpProfiler? = nil  // not the warm-up step

        /// Runs one phase of the step, under the profiler once the warm-up is done.
        func phase<R>(_ name: String, _ body: () -> R) -> R { profiling.map { $0.phase(name, body) } ?? body() }
        /// One step's total, forward, backward, clipping and optimiser times in milliseconds.
        func step() -> [Double] {
            var marks = [DispatchTime.now().uptimeNanoseconds]
            let loss = phase("forward") { network.loss(network(tokens, firstTokenOnly: true, context: context).logits, labels: labels) }
            marks.append(DispatchTime.now().uptimeNanoseconds)
            phase("backward") { loss.backward() }
            marks.append(DispatchTime.now().uptimeNanoseconds)
            // As the trainer: the clipping factor from the global norm, folded into the AdamW pass.
            let scale = maxGradNorm > 0 ? phase("clipping") { clippingScale(norm: gradientNorm(parameters), maxNorm: maxGradNorm) } : 1
            marks.append(DispatchTime.now().uptimeNanoseconds)
            phase("optimizer") {
                Autograd.noGrad { optimizer.update(lr: 1e-5, gradientScale: scale) }
                network.zeroGrad()
            }
            marks.append(DispatchTime.now().uptimeNanoseconds)
            let parts = (1..<marks.count).map { Double(marks[$0] - marks[$0 - 1]) / 1e6 }
            return [parts.reduce(0, +)] + parts
        }
        _ = step()
        optimizer.synchronize()
        if profile { profiling = profiler }
        var measured = OpProfiler.$current.withValue(profiling) { (0..<steps).map { _ in step() } }
        // The word embeddings' rows that the steps held back are applied once at the end, as an epoch
        // does; their time is shared out over the steps, in the optimiser's part. (The steps reuse one
        // batch of tokens, so no row is caught up when read: in training that share of the work falls
        // in the forward pass instead. The step's total is the same.)
        let flushStart = DispatchTime.now().uptimeNanoseconds
        OpProfiler.$current.withValue(profiling) { phase("optimizer") { optimizer.synchronize() } }
        let flushShare = Double(DispatchTime.now().uptimeNanoseconds - flushStart) / 1e6 / Double(steps)
        measured = measured.map { [$0[0] + flushShare] + $0[1..<4] + [$0[4] + flushShare] }
        func medianOf(_ part: Int) -> Double { measured.map { $0[part] }.sorted()[steps / 2] }
        let times = measured.map { $0[0] }.sorted()
        let median = medianOf(0)
        var result: [String: Any] = [
            "median_ms": median, "min_ms": times[0], "max_ms": times[times.count - 1],
            "forward_median_ms": medianOf(1), "backward_median_ms": medianOf(2), "clipping_median_ms": medianOf(3),
            "optimizer_median_ms": medianOf(4), "max_grad_norm": Double(maxGradNorm),
            "examples_per_second": Double(batch) / (median / 1000), "batch": batch, "seq": seq, "steps": steps,
            "threads": Engine.threads, "parameters": network.parameterCount,
        ]
        let rows = profile ? profiler.rows(steps: steps) : [], profiled = profiler.total(steps: steps)
        if profile {
            result["profile_mean_step_ms"] = profiled
            result["profile"] = rows.map { ["phase": $0.phase, "op": $0.op, "ms": $0.milliseconds, "calls": $0.calls] as [String: Any] }
        }
        if json {
            try printJSON(result)
        } else {
            print(String(format: "training step (batch %d, seq %d, %d threads): median %.1f ms over %d steps, %.1f examples/s, %d parameters",
                         batch, seq, Engine.threads, median, steps, Double(batch) / (median / 1000), network.parameterCount))
            print(String(format: "  forward %.1f ms, backward %.1f ms, clipping %.1f ms, AdamW %.1f ms (medians)",
                         medianOf(1), medianOf(2), medianOf(3), medianOf(4)))
            if profile {
                print(String(format: "profile: mean step %.1f ms over %d steps; each row per step", profiled, steps))
                print("  " + "phase".padding(toLength: 10, withPad: " ", startingAt: 0) + "op".padding(toLength: 25, withPad: " ", startingAt: 0)
                      + "      ms   share  calls")
                for row in rows {
                    print("  " + row.phase.padding(toLength: 10, withPad: " ", startingAt: 0) + row.op.padding(toLength: 25, withPad: " ", startingAt: 0)
                          + String(format: "%8.2f %6.1f%% %6d", row.milliseconds, 100 * row.milliseconds / max(profiled, 1e-9), row.calls))
                }
            }
        }
    }
}
