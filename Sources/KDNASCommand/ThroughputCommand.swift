import ArgumentParser
import Foundation
import Latency
import Models
import NN
import TensorCore
import Text

/// `kdnas throughput`: the median time of one training step (forward, backward, AdamW) on random tokens.
struct ThroughputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "Measure one training step (forward, backward, AdamW) on random tokens.",
        discussion: """
            What a distillation or a search will cost per step. A bare --config is measured with random weights.
            Example: kdnas throughput --config student.json --batch 32 --seq 128 --steps 5 --json
            """)

    @OptionGroup var source: ModelSource
    @Option(help: "Sequences per step.")
    var batch = 32
    @Option(help: "Tokens per sequence.")
    var seq = 128
    @Option(help: "Timed steps (after one warm-up step).")
    var steps = 5
    @Flag(help: "Print one JSON object.")
    var json = false
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard batch > 0, seq > 0, steps > 0 else { throw ValidationError("--batch, --seq and --steps must be positive") }
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
        let context = ForwardContext(training: true, seed: 2)

        /// One step's total, forward, backward and optimiser times in milliseconds.
        func step() -> [Double] {
            var marks = [DispatchTime.now().uptimeNanoseconds]
            let loss = network.loss(network(tokens, context: context).logits, labels: labels)
            marks.append(DispatchTime.now().uptimeNanoseconds)
            loss.backward()
            marks.append(DispatchTime.now().uptimeNanoseconds)
            Autograd.noGrad { optimizer.update(lr: 1e-5) }
            network.zeroGrad()
            marks.append(DispatchTime.now().uptimeNanoseconds)
            let parts = (1..<marks.count).map { Double(marks[$0] - marks[$0 - 1]) / 1e6 }
            return [parts.reduce(0, +)] + parts
        }
        _ = step()
        let measured = (0..<steps).map { _ in step() }
        func medianOf(_ part: Int) -> Double { measured.map { $0[part] }.sorted()[steps / 2] }
        let times = measured.map { $0[0] }.sorted()
        let median = medianOf(0)
        let result: [String: Any] = [
            "median_ms": median, "min_ms": times[0], "max_ms": times[times.count - 1],
            "forward_median_ms": medianOf(1), "backward_median_ms": medianOf(2), "optimizer_median_ms": medianOf(3),
            "examples_per_second": Double(batch) / (median / 1000), "batch": batch, "seq": seq, "steps": steps,
            "threads": Engine.threads, "parameters": network.parameterCount,
        ]
        if json {
            try printJSON(result)
        } else {
            print(String(format: "training step (batch %d, seq %d, %d threads): median %.1f ms over %d steps, %.1f examples/s, %d parameters",
                         batch, seq, Engine.threads, median, steps, Double(batch) / (median / 1000), network.parameterCount))
            print(String(format: "  forward %.1f ms, backward %.1f ms, AdamW %.1f ms (medians)", medianOf(1), medianOf(2), medianOf(3)))
        }
    }
}
