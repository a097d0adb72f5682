import Distill
import Foundation
import Models
import NN
import Tasks
import TensorCore
import Text

/// `kdnas-bench distill-step`: a student's distillation step (OD + MiniLMv2 relations against the
/// teacher cache, as the search distils) against its plain training step (cross-entropy on the
/// labels), on the same batches of the bundled task, alternating step by step.
///
///     kdnas-bench distill-step --teacher runs/main/teacher [--cache cache] [--students L3-H384-A12-F1536,…]
///                              [--steps 30] [--rounds 3] [--batch 32] [--threads 2]
///
/// Each step is the trainer's: loss, backward, the global norm clipped at 1, AdamW, zeroed
/// gradients; the distillation step also copies its batch's teacher outputs out of the cache. One
/// JSON line per student and round, then one per student with the medians and their ratio.
enum DistillStepBench {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run() throws {
        guard let teacherPath = stringOption("--teacher") else {
            throw Failure(description: "kdnas-bench distill-step: --teacher DIR (a fine-tuned rotten-tomatoes teacher) is required")
        }
        let teacherFolder = URL(fileURLWithPath: teacherPath)
        let cacheRoot = URL(fileURLWithPath: stringOption("--cache") ?? "cache")
        let students = (stringOption("--students") ?? "L3-H384-A12-F1536,L2-H384-A12-F768,L4-H192-A3-F768,L3-H384-A6-F384")
            .split(separator: ",").map(String.init)
        let steps = option("--steps", default: 30), rounds = option("--rounds", default: 3), batchSize = option("--batch", default: 32)
        guard steps > 0, rounds > 0, batchSize > 0 else {
            throw Failure(description: "kdnas-bench distill-step: --steps, --rounds and --batch must be positive")
        }

        let teacher = try BertCheckpoint.load(teacherFolder).model
        let tokenizer = try BertTokenizer(directory: teacherFolder)
        let source = try TaskRegistry.task(named: "rotten-tomatoes", cacheRoot: cacheRoot)
        let full = try source.load(.train)
        // The batches of the first steps of an epoch, as the trainer orders them; the cache holds just their examples.
        let encoded = EncodedDataset(full, tokenizer: tokenizer, maxLength: 128)
        let plan = Batcher(dataset: encoded, batchSize: batchSize, order: .bucketed(seed: 42, chunkBatches: 50)).batches(epoch: 1)
        let used = Array(plan.prefix(steps)).flatMap(\.indices)
        let subset = Dataset(definition: full.definition, split: .train, examples: used.map { full.examples[$0] })
        let train = EncodedDataset(subset, tokenizer: tokenizer, maxLength: 128)
        var position = 0
        let batches: [Batch] = plan.prefix(steps).map { batch in
            defer { position += batch.count }
            return Batch(tokens: batch.tokens, labels: batch.labels, indices: Array(position..<(position + batch.count)))
        }
        let tokens = batches.reduce(0) { $0 + $1.tokens.batch * $1.tokens.length }

        for name in students {
            guard let config = studentConfig(name, teacher: teacher.config) else {
                throw Failure(description: "kdnas-bench distill-step: --students \(name): expected Lx-Hx-Ax-Fx")
            }
            var recipe = DistillationRecipe()
            recipe.losses = [.od, .mha]
            var plainRecipe = DistillationRecipe()
            plainRecipe.losses = [.ce]
            let student = try StudentInitializer.make(config, from: teacher, initialization: .inherit(mapping: .uniform), seed: 1)
            let distiller = try Distiller(student: student, teacherConfig: teacher.config, recipe: recipe, seed: 1)
            let plain = try Distiller(student: student, teacherConfig: teacher.config, recipe: plainRecipe, seed: 1)
            let cache = try TeacherCache(teacher: teacher, dataset: train, request: distiller.teacherRequest)
            let parameters = distiller.parameters.map(\.tensor)
            let optimizer = AdamW(distiller.parameters)
            let context = ForwardContext(training: true, seed: 2)

            let distill = { (batch: Batch) in distiller.loss(batch, teacher: try cache.outputs(for: batch), context: context) }
            let ce = { (batch: Batch) in plain.loss(batch, teacher: nil, context: context) }
            /// One trainer step on `batch` with `loss`, in milliseconds; its phases named for a profiler.
            func step(_ batch: Batch, _ loss: (Batch) throws -> Tensor, profiler: OpProfiler? = nil) throws -> Double {
                func phase<R>(_ name: String, _ body: () throws -> R) rethrows -> R { try profiler.map { try $0.phase(name, body) } ?? body() }
                let start = DispatchTime.now().uptimeNanoseconds
                let value = try phase("forward") { try loss(batch) }
                _ = value.item
                phase("backward") { value.backward() }
                let scale = phase("clipping") { clippingScale(norm: gradientNorm(parameters), maxNorm: 1) }
                phase("optimizer") {
                    Autograd.noGrad { optimizer.update(lr: 1e-5, gradientScale: scale) }
                    for p in parameters { p.zeroGrad() }
                }
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            }
            for batch in batches { _ = try step(batch, distill); _ = try step(batch, ce) }  // warm-up: the pool's buffers, first calls
            var plainTimes: [Double] = [], distillTimes: [Double] = []
            for round in 1...rounds {
                // Each batch timed both ways in turn, which first alternating, so that drift hits both alike.
                var plainSum = 0.0, distillSum = 0.0
                for (i, batch) in batches.enumerated() {
                    if (i + round) % 2 == 0 {
                        plainSum += try step(batch, ce); distillSum += try step(batch, distill)
                    } else {
                        distillSum += try step(batch, distill); plainSum += try step(batch, ce)
                    }
                }
                plainTimes.append(plainSum / Double(batches.count)); distillTimes.append(distillSum / Double(batches.count))
                emit(["student": name, "round": round, "plain_ms": plainTimes.last!, "distill_ms": distillTimes.last!])
            }
            // One profiled pass each: where the difference goes (the teacher outputs' copy is in the forward phase).
            var profiles: [String: Any] = [:]
            for (variant, loss) in [("plain", ce), ("distill", distill)] {
                let profiler = OpProfiler()
                try OpProfiler.$current.withValue(profiler) { for batch in batches { _ = try step(batch, loss, profiler: profiler) } }
                profiles[variant] = profiler.rows(steps: batches.count).map { ["phase": $0.phase, "op": $0.op, "ms": $0.milliseconds] as [String: Any] }
            }
            let medianPlain = plainTimes.sorted()[rounds / 2], medianDistill = distillTimes.sorted()[rounds / 2]
            emit(["student": name, "steps": batches.count, "batch": batchSize, "mean_tokens_per_step": Double(tokens) / Double(batches.count),
                  "plain_median_ms": medianPlain, "distill_median_ms": medianDistill, "ratio": medianDistill / medianPlain,
                  "threads": Engine.threads, "blas": Engine.blasDescription, "profile": profiles])
        }
    }

    /// The teacher's config with the shape of `name` (L3-H384-A12-F1536, optionally with -gelu, -relu or -silu).
    static func studentConfig(_ name: String, teacher: BertConfig) -> BertConfig? {
        let parts = name.split(separator: "-")
        guard parts.count == 4 || parts.count == 5 else { return nil }
        var values: [Int] = []
        for (part, prefix) in zip(parts.prefix(4), ["L", "H", "A", "F"]) {
            guard part.hasPrefix(prefix), let value = Int(part.dropFirst()) else { return nil }
            values.append(value)
        }
        var config = teacher
        (config.numHiddenLayers, config.hiddenSize, config.numAttentionHeads, config.intermediateSize) = (values[0], values[1], values[2], values[3])
        if parts.count == 5 {
            guard let activation = BertConfig.Activation(rawValue: String(parts[4])) else { return nil }
            config.hiddenAct = activation
        }
        return config
    }

    static func emit(_ fields: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
