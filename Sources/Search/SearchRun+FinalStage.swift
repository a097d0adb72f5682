import Foundation
import Models
import Training

/// The final stage: the planned finalists distilled on the full training set by one recipe, evaluated on
/// dev as reported and on test, exported as Hugging Face checkpoints. Each finalist is a work item.
extension SearchRun {
    /// The finalists for `trials` (see `FinalistPlan`), with the speed-ups' and the baselines' latencies from the run's source:
    /// the saved plan once the coordinator has published it (so a resumed final stage distils the same
    /// students under the same names and seeds even where latencies are measured).
    public func finalistPlan(trials: [Trial], target: Double) throws -> FinalistPlan {
        if let saved = try store.value("final_plan") { return try JSONDecoder().decode(FinalistPlan.self, from: saved) }
        let (speedups, baselines) = try anchors()
        return FinalistPlan(trials: trials, top: settings.finalTop, front: settings.finalPareto, target: target,
                            prior: StudentPrior(teacher: evaluator.teacher.config), anchors: speedups, baselines: baselines)
    }

    /// What anchors a finalist band each: the latency of each speed-up asked for (the teacher's over it), and the
    /// hand-crafted students with theirs, by the run's latency source.
    func anchors() throws -> (speedups: [(name: String, latencyMs: Double)],
                              baselines: [(name: String, architecture: StudentArchitecture, latencyMs: Double)]) {
        if evaluator.latencyModel == nil { try prepareLatencyModel() }
        let baselines = try settings.baselines ? FinalistPlan.baselines(teacher: evaluator.teacher.config).map { baseline in
            (baseline.name, baseline.architecture, try evaluator.latency(of: baseline.architecture).get().milliseconds)
        } : []
        let teacherMs = try settings.finalSpeedups == nil ? 0 : teacherLatency()
        return ((settings.finalSpeedups ?? []).map { (FinalistPlan.speedupName($0), teacherMs / $0) }, baselines)
    }

    /// The search stage's coverage of the anchor bands; nil when it adds nothing (`SearchSettings.activeBandQuota`).
    func bandCoverage() throws -> BandCoverage? {
        guard let quota = settings.activeBandQuota else { return nil }
        let (speedups, baselines) = try anchors()
        let evaluator = self.evaluator
        return BandCoverage(anchors: speedups.map(\.latencyMs) + baselines.map(\.latencyMs), quota: quota, space: settings.space,
                            excluded: Set(baselines.map(\.architecture)), prior: StudentPrior(teacher: evaluator.teacher.config)) {
            (try? evaluator.latency(of: $0).get().milliseconds) ?? .infinity
        }
    }

    /// Distils the planned finalist `name` on the full training set (resumable per epoch in this process's
    /// folder), evaluates and exports it; returns it with the files of its Hugging Face checkpoint.
    func distilFinalist(_ name: String) throws -> (Finalist, files: [String: Data]) {
        guard let data = try store.value("final_plan") else { throw SearchError.corruptState("\(store.location): no final plan for finalist \(name)") }
        let plan = try JSONDecoder().decode(FinalistPlan.self, from: data).entries
        guard let index = plan.firstIndex(where: { $0.name == name }) else {
            throw SearchError.corruptState("\(store.location): finalist \(name) is not in the final plan")
        }
        let entry = plan[index]
        observer?.finalistDidStart(entry.name, architecture: entry.architecture, index: index + 1, total: plan.count)
        let folder = directory.appendingPathComponent("finalists/\(entry.name)")
        let outcome = try evaluator.distill(entry.architecture, train: self.data.finalTrain, dev: self.data.reportDev, cacheKey: "full",
                                            epochs: settings.finalEpochs, seed: settings.seed &+ UInt64(index), directory: folder,
                                            checkpoints: true, observer: observer as? TrainingObserver)
        try BertCheckpoint.save(outcome.student, to: folder, tokenizerSource: evaluator.tokenizerSource)
        let test = self.data.test.flatMap { $0.dataset.isLabeled && $0.count > 0
            ? ClassifierEvaluator.evaluate(outcome.student, on: $0, batchSize: 64).values : nil }
        let latency = try evaluator.latency(of: outcome.student).get()
        var finalist = Finalist(name: entry.name, origin: entry.origin, architecture: entry.architecture, trialId: entry.trialId,
                                parameters: outcome.student.parameterCount, latencyMs: latency.milliseconds,
                                dev: outcome.metrics, test: test, seconds: outcome.seconds, path: "finalists/\(entry.name)")
        finalist.measuredMs = latency.measured
        var files: [String: Data] = [:]
        for file in BertCheckpoint.exportedFiles {
            let url = folder.appendingPathComponent(file)
            if let contents = FileManager.default.contents(atPath: url.path) { files["finalists/\(entry.name)/\(file)"] = contents }
        }
        return (finalist, files)
    }
}
