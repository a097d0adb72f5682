import Foundation
import Training

/// Draws a training run's progress on standard error: a one-line bar on a terminal, plain log
/// lines elsewhere (CI, files), so logs stay readable without a terminal.
final class ProgressReporter: TrainingObserver {
    private let interactive: Bool
    private let logEvery: Int
    private var lastDraw = Date.distantPast
    private let label: String

    /// A reporter for a run named `label`; plain lines every `logEvery` steps off a terminal.
    init(label: String, logEvery: Int) {
        self.label = label
        self.logEvery = max(1, logEvery)
        interactive = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    func trainingWillStart(_ plan: TrainingPlan) {
        var line = "\(label): \(plan.epochs) epochs of \(plan.stepsPerEpoch) steps (\(plan.examplesPerEpoch) examples)"
        if plan.resumedEpochs > 0 { line += ", resuming after epoch \(plan.resumedEpochs)" }
        write(line + "\n")
    }

    func trainingDidStep(_ progress: StepProgress) {
        let eta = Self.duration(progress.secondsRemaining)
        if interactive {
            // Redraw at most ten times a second.
            guard Date().timeIntervalSince(lastDraw) > 0.1 || progress.step == progress.totalSteps else { return }
            lastDraw = Date()
            let width = 30
            let filled = width * progress.step / max(progress.totalSteps, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write(String(format: "\r\u{1B}[2K%@ epoch %d %@ %d/%d  loss %.4f  %.1f ex/s  ETA %@", label, progress.epoch, bar,
                         progress.step, progress.totalSteps, progress.loss, progress.examplesPerSecond, eta))
        } else if progress.step % logEvery == 0 || progress.step == progress.totalSteps {
            write(String(format: "%@: epoch %d step %d/%d loss %.4f lr %.2e %.1f examples/s ETA %@\n", label, progress.epoch,
                         progress.step, progress.totalSteps, progress.loss, progress.learningRate, progress.examplesPerSecond, eta))
        }
    }

    func trainingDidFinishEpoch(_ summary: EpochSummary) {
        let metrics = summary.metrics.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }
        write((interactive ? "\r\u{1B}[2K" : "") + String(format: "%@: epoch %d done in %@, mean loss %.4f, dev %@\n", label,
                                                          summary.epoch, Self.duration(summary.seconds), summary.meanLoss,
                                                          metrics.joined(separator: ", ")))
    }

    /// `1h02m`, `3m05s` or `42s`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, s % 3600 / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }

    private func write(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
