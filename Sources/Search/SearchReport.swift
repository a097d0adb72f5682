import Foundation
import Latency
import Models
import TensorCore

/// `RUN/report.json` and a self-contained `RUN/report.html` (inline SVG, no scripts), built from the store alone,
/// so `kdnas report RUN` can rebuild them at any time, also during a search.
public struct SearchReport {
    public let settings: SearchSettings
    public let trials: [Trial]
    public let finalists: [Finalist]
    public let teacherLatencyMs: Double?
    public let teacher: TeacherMetrics?
    /// The task's primary metric name on dev (for labels), e.g. "accuracy".
    public let metric: String
    /// A calibrated run's latency model (its held-out error), and the teacher timed repeatedly at the start.
    public let latencyProfile: LatencyProfile?
    public let teacherLatencyRepeats: [Double]?

    /// Reads the run in `store`.
    public init(store: TrialStore, metric: String) throws {
        guard let data = try store.value("settings") else { throw SearchError.corruptState("\(store.location): holds no search settings; expected the store of a kdnas search") }
        settings = try JSONDecoder().decode(SearchSettings.self, from: data)
        trials = try store.trials()
        finalists = try store.finalists()
        teacherLatencyMs = try store.value("teacher_latency_ms").flatMap { Double(String(decoding: $0, as: UTF8.self)) }
        teacher = try store.value("teacher_metrics").map { try JSONDecoder().decode(TeacherMetrics.self, from: $0) }
        latencyProfile = try store.value("latency_profile").map { try JSONDecoder().decode(LatencyProfile.self, from: $0) }
        teacherLatencyRepeats = try store.value("teacher_latency_repeats").map { try JSONDecoder().decode([Double].self, from: $0) }
        self.metric = metric
    }

    var done: [Trial] { trials.filter { $0.state == .done && $0.reward != nil } }
    var target: Double? { teacherLatencyMs.map { settings.reward.target(teacherMs: $0) } }

    /// Writes into `directory/finalists/NAME/` every finalist file the store keeps (a PostgreSQL study: the
    /// files its workers uploaded) that the folder lacks; returns how many finalists it wrote.
    public static func exportFinalists(from store: TrialStore, to directory: URL) throws -> Int {
        var exported = 0
        for finalist in try store.finalists() {
            var wrote = false
            for name in BertCheckpoint.exportedFiles {
                let path = "\(finalist.path)/\(name)"
                let target = directory.appendingPathComponent(path)
                guard !FileManager.default.fileExists(atPath: target.path), let data = try store.file(path) else { continue }
                try OutputFolder.create(target.deletingLastPathComponent())
                try AtomicFile.write(data, to: target)
                wrote = true
            }
            if wrote { exported += 1 }
        }
        return exported
    }

    /// Writes both files atomically.
    public func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(json), to: directory.appendingPathComponent("report.json"))
        try AtomicFile.write(Data(html.utf8), to: directory.appendingPathComponent("report.html"))
    }

    struct Summary: Encodable {
        let settings: SearchSettings
        let teacherLatencyMs: Double?
        let targetMs: Double?
        let teacher: TeacherMetrics?
        let trials: [Trial]
        let latencyNoise: LatencyNoise?
        let proxyFidelity: ProxyFidelity?
        let paretoTrialIds: [Int]
        let bestTrialId: Int?
        let episodes: [Episode]
        let finalists: [Finalist]

        enum CodingKeys: String, CodingKey {
            case settings, teacher, trials, episodes, finalists
            case teacherLatencyMs = "teacher_latency_ms", targetMs = "target_ms", paretoTrialIds = "pareto_trial_ids", bestTrialId = "best_trial_id"
            case latencyNoise = "latency_noise", proxyFidelity = "proxy_fidelity"
        }
    }

    struct Episode: Encodable {
        let episode: Int
        let done: Int
        let failed: Int
        let bestReward: Double?
        let meanReward: Double?
        let bestSoFar: Double?

        enum CodingKeys: String, CodingKey {
            case episode, done, failed, bestReward = "best_reward", meanReward = "mean_reward", bestSoFar = "best_reward_so_far"
        }
    }

    /// How repeatable the run's latencies are: the model's held-out error, the teacher's spread over repeated
    /// timings, and how far each candidate's measurement lies from its prediction.
    struct LatencyNoise: Encodable {
        let heldOutMedianError: Double
        let heldOutP90Error: Double
        let teacherRepeatsMs: [Double]
        /// (max − min) / min of the teacher's repeated medians.
        let teacherSpread: Double
        /// |measured − predicted| / predicted over the candidates: median and p90.
        let measuredMedianDeviation: Double?
        let measuredP90Deviation: Double?

        enum CodingKeys: String, CodingKey {
            case heldOutMedianError = "held_out_median_error", heldOutP90Error = "held_out_p90_error", teacherRepeatsMs = "teacher_repeats_ms"
            case teacherSpread = "teacher_spread", measuredMedianDeviation = "measured_median_deviation", measuredP90Deviation = "measured_p90_deviation"
        }
    }

    var latencyNoise: LatencyNoise? {
        guard let latencyProfile, let repeats = teacherLatencyRepeats, let low = repeats.min(), let high = repeats.max(), low > 0 else { return nil }
        let deviations = done.compactMap { t in t.measuredMs.map { abs($0 - t.latencyMs!) / t.latencyMs! } }.sorted()
        func quantile(_ q: Double) -> Double? { deviations.isEmpty ? nil : deviations[min(deviations.count - 1, Int(q * Double(deviations.count - 1)))] }
        return LatencyNoise(heldOutMedianError: latencyProfile.heldOut.median, heldOutP90Error: latencyProfile.heldOut.p90, teacherRepeatsMs: repeats,
                            teacherSpread: (high - low) / low, measuredMedianDeviation: quantile(0.5), measuredP90Deviation: quantile(0.9))
    }

    /// The searched finalists' proxy score against their final (test, else dev) score, and Kendall's τ between the two.
    struct ProxyFidelity: Encodable {
        let points: [Point]
        let kendallTau: Double?

        struct Point: Encodable {
            let name: String
            let proxy: Double
            let final: Double
        }

        enum CodingKeys: String, CodingKey { case points, kendallTau = "kendall_tau" }
    }

    var proxyFidelity: ProxyFidelity? {
        let points: [ProxyFidelity.Point] = finalists.compactMap { finalist in
            guard let id = finalist.trialId, let trial = trials.first(where: { $0.id == id }), let proxy = trial.accuracy,
                  let final = finalist.test?[metric] ?? finalist.dev[metric] else { return nil }
            return .init(name: finalist.name, proxy: proxy, final: final)
        }
        guard !points.isEmpty else { return nil }
        return ProxyFidelity(points: points, kendallTau: RankCorrelation.kendall(points.map(\.proxy), points.map(\.final)))
    }

    var paretoIds: [Int] {
        let done = done
        return ParetoFront.indices(accuracy: done.map { $0.accuracy! }, latency: done.map { $0.latencyMs! }).map { done[$0].id }
    }

    var episodes: [Episode] {
        var best = -Double.infinity
        return Set(trials.map(\.episode)).sorted().map { episode in
            let rewards = trials.filter { $0.episode == episode && $0.reward != nil }.map { $0.reward! }
            best = max(best, rewards.max() ?? -.infinity)
            return Episode(episode: episode, done: rewards.count, failed: trials.filter { $0.episode == episode && $0.state == .failed }.count,
                           bestReward: rewards.max(), meanReward: rewards.isEmpty ? nil : rewards.reduce(0, +) / Double(rewards.count),
                           bestSoFar: best.isFinite ? best : nil)
        }
    }

    var json: Summary {
        Summary(settings: settings, teacherLatencyMs: teacherLatencyMs, targetMs: target, teacher: teacher, trials: trials,
                latencyNoise: latencyNoise, proxyFidelity: proxyFidelity, paretoTrialIds: paretoIds, bestTrialId: done.max { $0.reward! < $1.reward! }?.id, episodes: episodes, finalists: finalists)
    }

    // MARK: HTML

    var html: String {
        let done = done
        let pareto = Set(paretoIds)
        var rewardPlot = SVGPlot(title: "Reward per episode", xLabel: "episode", yLabel: "reward")
        rewardPlot.series = [
            .init(label: "candidate", points: done.map { (Double($0.episode), $0.reward!) }, color: "#2980b9"),
            .init(label: "best so far", points: episodes.compactMap { e in e.bestSoFar.map { (Double(e.episode), $0) } },
                  color: "#27ae60", marker: .none, connected: true),
        ]
        var tradeoff = SVGPlot(title: "Proxy-dev \(metric) against latency (search candidates)", xLabel: "latency (ms)", yLabel: "proxy-dev \(metric)")
        let front = done.filter { pareto.contains($0.id) }.sorted { $0.latencyMs! < $1.latencyMs! }
        tradeoff.series = [
            .init(label: "candidate", points: done.filter { !pareto.contains($0.id) }.map { ($0.latencyMs!, $0.accuracy!) }, color: "#95a5a6"),
            .init(label: "Pareto front", points: front.map { ($0.latencyMs!, $0.accuracy!) }, color: "#e67e22", connected: true),
        ]
        if let ms = teacherLatencyMs, let value = teacher?.proxyDev[metric] {
            // Scoring on train: held out of the students' proxy training, not of the teacher's fine-tuning.
            let label = settings.scoringSplit == .train ? "teacher (trained on it)" : "teacher"
            tradeoff.series.append(.init(label: label, points: [(ms, value)], color: "#8e44ad", marker: .diamond, size: 6))
        }
        if let target { tradeoff.verticalLine = (target, String(format: "target %.1f ms", target)) }
        var finalPlot = SVGPlot(title: "Finalists: dev \(metric) against latency", xLabel: "latency (ms)", yLabel: "dev \(metric)")
        for (origin, color, marker, label) in [(Finalist.Origin.top, "#2980b9", SVGPlot.Marker.circle, "searched (top)"),
                                               (.pareto, "#e67e22", .circle, "searched (front bands)"), (.baseline, "#c0392b", .square, "hand-crafted")] {
            let points = finalists.filter { $0.origin == origin }.compactMap { f in f.dev[metric].map { (f.latencyMs, $0) } }
            if !points.isEmpty { finalPlot.series.append(.init(label: label, points: points, color: color, marker: marker, size: 5)) }
        }
        if let ms = teacherLatencyMs, let value = teacher?.dev[metric] {
            finalPlot.series.append(.init(label: "teacher", points: [(ms, value)], color: "#8e44ad", marker: .diamond, size: 6))
        }
        var predictedPlot = SVGPlot(title: "Controller: predicted against measured reward", xLabel: "measured reward", yLabel: "predicted reward")
        predictedPlot.diagonal = true
        let predicted = done.filter { $0.predictedReward != nil && $0.episode > 1 }
        predictedPlot.series = [
            .init(label: "chosen by controller", points: predicted.filter { !$0.explored }.map { ($0.reward!, $0.predictedReward!) }, color: "#2980b9"),
            .init(label: "explored (ε)", points: predicted.filter(\.explored).map { ($0.reward!, $0.predictedReward!) }, color: "#95a5a6"),
        ]
        var fidelityPlot = SVGPlot(title: "Trust: proxy score against final \(metric)", xLabel: "proxy \(metric) (scoring set)",
                                   yLabel: "final \(metric) (test, else dev)")
        if let fidelity = proxyFidelity {
            fidelityPlot.series = [.init(label: "searched finalist", points: fidelity.points.map { ($0.proxy, $0.final) }, color: "#2980b9")]
        }
        let failed = trials.filter { $0.state == .failed }
        let best = done.max { $0.reward! < $1.reward! }
        let losses = settings.recipe.losses.map(\.rawValue).joined(separator: "+")
        let covering = trials.filter(settings.isBandTopUp).count
        let coverageNote = covering == 0 ? "" : " and \(covering) more to cover the finalist bands (until each holds \(settings.bandQuota ?? 0) with the teacher's head size and activation)"
        let bestLine = best.map { " Best: \($0.architecture) (reward " + String(format: "%.4f", $0.reward!) + ")." } ?? ""
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>KD-NAS report: \(SVGPlot.escape(settings.task))</title>
            <style>
            body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1400px; }
            .plots { display: flex; flex-wrap: wrap; gap: 16px; }
            table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
            th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
            th { background: #f3f3f3; } td.l, th.l { text-align: left; }
            .note { color: #555; font-size: 13px; }
            </style></head><body>
            <h1>KD-NAS search on \(SVGPlot.escape(settings.task))</h1>
            <p class="note">Teacher \(SVGPlot.escape(settings.teacher)) (\(teacher.map { $0.architecture.description } ?? "?"), \
            \(teacher.map { String($0.parameters) } ?? "?") parameters), latency \(teacherLatencyMs.map { String(format: "%.2f ms", $0) } ?? "?"); \
            target \(target.map { String(format: "%.2f ms", $0) } ?? "?") (\(settings.reward.kind.rawValue) reward, α \(settings.reward.alpha), \
            β \(settings.reward.beta)). Strategy \(settings.strategy.rawValue), \(settings.episodes) episodes × \(settings.candidatesPerEpisode) \
            candidates\(coverageNote), seed \(settings.seed); \(done.count) done, \(failed.count) failed. Space \(SVGPlot.escape(settings.space.name)) \
            (\(settings.space.validCount) architectures). Proxy: \(Int(settings.proxyFraction * 100))% of train, \(settings.proxyEpochs) epoch(s), \
            losses \(losses).\(bestLine)</p>
            <div class="plots">
            \(rewardPlot.render())
            \(tradeoff.render())
            \(finalPlot.render())
            \(predictedPlot.render())
            \(proxyFidelity == nil ? "" : fidelityPlot.render())
            </div>
            <h2>Trust</h2>
            <p class="note">\(trustNote)</p>
            <h2>Finalists (distilled on the full training set\(Self.finalStage(settings)))</h2>
            <table><tr><th class="l">name</th><th class="l">config</th><th>parameters</th><th>latency ms</th><th>dev \(metric)</th>\
            <th>test \(metric)</th><th>speed-up over teacher</th></tr>

            """
        if let teacher, let ms = teacherLatencyMs {
            page += "<tr><td class=\"l\">teacher</td><td class=\"l\">\(teacher.architecture)</td><td>\(teacher.parameters)</td>"
                + "<td>\(String(format: "%.2f", ms))</td><td>\(Self.cell(teacher.dev[metric]))</td><td>\(Self.cell(teacher.test?[metric]))</td><td>1.00×</td></tr>\n"
        }
        for finalist in finalists {
            let speedup = teacherLatencyMs.map { String(format: "%.2f×", $0 / finalist.latencyMs) } ?? "–"
            page += "<tr><td class=\"l\">\(finalist.name)</td><td class=\"l\">\(finalist.architecture)</td><td>\(finalist.parameters)</td>"
                + "<td>\(String(format: "%.2f", finalist.latencyMs))</td><td>\(Self.cell(finalist.dev[metric]))</td>"
                + "<td>\(Self.cell(finalist.test?[metric]))</td><td>\(speedup)</td></tr>\n"
        }
        page += "</table>\n<h2>Trials</h2>\n<table><tr><th>id</th><th>episode</th><th class=\"l\">config</th><th class=\"l\">state</th>"
            + "<th>proxy-dev \(metric)</th><th>latency ms</th><th>parameters</th><th>reward</th><th>predicted</th><th>seconds</th><th class=\"l\">note</th></tr>\n"
        for trial in trials {
            page += "<tr><td>\(trial.id)</td><td>\(trial.episode)</td><td class=\"l\">\(trial.architecture)</td><td class=\"l\">\(trial.state.rawValue)"
                + "\(trial.explored ? " (explored)" : "")\(settings.isBandTopUp(trial) ? " (band)" : "")\(pareto.contains(trial.id) ? " ★ Pareto" : "")</td><td>\(Self.cell(trial.accuracy))</td>"
                + "<td>\(Self.cell(trial.latencyMs, digits: 2))</td><td>\(trial.parameters.map(String.init) ?? "–")</td><td>\(Self.cell(trial.reward))</td>"
                + "<td>\(Self.cell(trial.predictedReward))</td><td>\(Self.cell(trial.seconds, digits: 1))</td>"
                + "<td class=\"l\">\(SVGPlot.escape(trial.error ?? ""))</td></tr>\n"
        }
        return page + "</table>\n<p class=\"note\">Generated by kdnas report from search.sqlite.</p>\n</body></html>\n"
    }

    /// Where the scores come from, how repeatable the latencies are, and how well the proxy ranked the finalists.
    var trustNote: String {
        let examples = teacher?.examples ?? [:]
        var parts: [String] = []
        switch settings.scoringSplit {
        case .dev:
            parts.append("Candidates are scored on \(examples["scoring"].map(String.init) ?? "?") examples held out of dev; the dev column "
                         + "reports the other \(examples["dev"].map(String.init) ?? "?") dev examples and test all \(examples["test"].map(String.init) ?? "?").")
        case .train:
            parts.append("Candidates are scored on \(examples["scoring"].map(String.init) ?? "?") held-out training examples, which the teacher "
                         + "was fine-tuned on; dev and test are reported whole.")
        }
        if let majority = teacher?.scoringMajority {
            let share = done.isEmpty ? 0 : Double(done.filter { $0.accuracy! <= majority + 0.005 }.count) / Double(done.count)
            parts.append(String(format: "A student that learnt nothing scores %.4f there (the majority class); %.0f%% of the candidates did no better.",
                                majority, 100 * share))
        }
        switch settings.latency {
        case .calibrated:
            if let noise = latencyNoise {
                parts.append(String(format: "Latency is predicted by a model calibrated on this machine when the search started (held-out error: median "
                                    + "%.1f%%, p90 %.1f%%), so the same architecture always gets the same figure; the teacher timed %d times "
                                    + "spread by %.1f%%", 100 * noise.heldOutMedianError, 100 * noise.heldOutP90Error, noise.teacherRepeatsMs.count,
                                    100 * noise.teacherSpread)
                             + (noise.measuredMedianDeviation.map { String(format: ", and each candidate's own measurement lies a median %.1f%% "
                                                                         + "(p90 %.1f%%) from its prediction.", 100 * $0, 100 * (noise.measuredP90Deviation ?? $0)) } ?? "."))
            }
        case .measured: parts.append("Latency is one measurement per model (not repeatable on a shared machine).")
        case .predicted(let profile): parts.append("Latency is predicted by the profile \(SVGPlot.escape(profile)).")
        case .external(let command, _): parts.append("Latency is printed by \(SVGPlot.escape(command)).")
        }
        if let fidelity = proxyFidelity, let tau = fidelity.kendallTau {
            parts.append(String(format: "Over the %d searched finalists, the proxy score and the final %@ agree with Kendall τ %.2f.",
                                fidelity.points.count, metric, tau))
        }
        return parts.joined(separator: " ")
    }

    /// How the finalists were distilled, after "the full training set": epochs, peak learning rate, perturbed copies.
    static func finalStage(_ settings: SearchSettings) -> String {
        let copies = settings.augmentation.map { $0.copies > 0 ? " and \($0.copies) perturbed cop\($0.copies == 1 ? "y" : "ies") of each example" : "" } ?? ""
        return "\(copies), \(settings.finalEpochs) epoch\(settings.finalEpochs == 1 ? "" : "s") at a peak learning rate of " + String(format: "%g", Double(settings.learningRate))
    }

    static func cell(_ value: Double?, digits: Int = 4) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)f", value)
    }
}
