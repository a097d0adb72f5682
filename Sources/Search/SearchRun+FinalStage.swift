import Foundation
import Models
import Training

/// The final stage: the planned finalists distilled on the full training set by one recipe, evaluated on
/// dev as reported and on test, exported as Hugging Face checkpoints.
extension SearchRun {
    /// The finalists for `trials` (see `FinalistPlan`), with the baselines' latencies from the run's source;
    /// planned once and kept, so a resumed final stage distils the same students under the same names and
    /// seeds even where latencies are measured.
    public func finalistPlan(trials: [Trial], target: Double) throws -> FinalistPlan {
        if let saved = try store.value("final_plan") { return try JSONDecoder().decode(FinalistPlan.self, from: saved) }
        if evaluator.latencyModel == nil { try prepareLatencyModel() }
        let baselines = try settings.baselines ? FinalistPlan.baselines(teacher: evaluator.teacher.config).map { baseline in
            (baseline.name, baseline.architecture, try evaluator.latency(of: baseline.architecture).get().milliseconds)
        } : []
        let plan = FinalistPlan(trials: trials, top: settings.finalTop, front: settings.finalPareto, target: target, baselines: baselines)
        try store.setValue(try JSONEncoder().encode(plan), for: "final_plan")
        return plan
    }

    /// Distils each finalist on the full training set (resumable per epoch), evaluates and exports it.
    func finalStage(trials: [Trial], teacherMs: Double) throws {
        let done = Set(try store.finalists().map(\.name))
        let plan = try finalistPlan(trials: trials, target: settings.reward.target(teacherMs: teacherMs)).entries
        for (index, entry) in plan.enumerated() where !done.contains(entry.name) {
            observer?.finalistDidStart(entry.name, architecture: entry.architecture, index: index + 1, total: plan.count)
            let folder = directory.appendingPathComponent("finalists/\(entry.name)")
            let outcome = try evaluator.distill(entry.architecture, train: data.train, dev: data.reportDev, cacheKey: "full",
                                                epochs: settings.finalEpochs, seed: settings.seed &+ UInt64(index), directory: folder,
                                                checkpoints: true, observer: observer as? TrainingObserver)
            try BertCheckpoint.save(outcome.student, to: folder, tokenizerSource: evaluator.tokenizerSource)
            let test = data.test.flatMap { $0.dataset.isLabeled && $0.count > 0
                ? ClassifierEvaluator.evaluate(outcome.student, on: $0, batchSize: 64).values : nil }
            let latency = try evaluator.latency(of: outcome.student).get()
            var finalist = Finalist(name: entry.name, origin: entry.origin, architecture: entry.architecture, trialId: entry.trialId,
                                    parameters: outcome.student.parameterCount, latencyMs: latency.milliseconds,
                                    dev: outcome.metrics, test: test, seconds: outcome.seconds, path: "finalists/\(entry.name)")
            finalist.measuredMs = latency.measured
            try store.saveFinalist(finalist)
            observer?.finalistDidFinish(finalist)
        }
    }
}
