import Foundation

/// Progress of a counted job (configurations measured, candidates of an episode) on standard
/// error: a bar with an ETA on a terminal, one plain line per item elsewhere (CI, files).
final class TaskProgress {
    private let label: String
    private let total: Int
    private let interactive: Bool
    private let started = Date()

    init(label: String, total: Int) {
        (self.label, self.total) = (label, max(total, 1))
        interactive = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    /// `done` of the total finished; `detail` describes the last one.
    func update(_ done: Int, detail: String) {
        let elapsed = Date().timeIntervalSince(started)
        let eta = ProgressReporter.duration(elapsed / Double(max(done, 1)) * Double(total - done))
        if interactive {
            let width = 30
            let filled = width * min(done, total) / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            write("\r\u{1B}[2K\(label) \(bar) \(done)/\(total)  \(detail)  ETA \(eta)")
        } else {
            write("\(label): \(done)/\(total) \(detail) (ETA \(eta))\n")
        }
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        if interactive { write("\n") }
    }

    private func write(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
