import ArgumentParser
import Foundation
import Search
import SearchStorage

/// `kdnas status`: a search's items, workers and time left, from its store.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a search's progress: items pending, running, done; workers and their last heartbeat; an ETA.",
        discussion: """
            Examples: kdnas status runs/main/search
                      kdnas status --storage postgresql://kdnas@db.example/kdnas --study rt-quick
            """)

    @Argument(help: "The search's run folder (its search.sqlite).")
    var folder: String?
    @OptionGroup var storageOptions: StorageOptions
    @Option(help: "A worker counts as live while heard of within this many seconds (its lease).")
    var lease: Double = WorkPolicy().lease

    func run() throws {
        let location = try storageOptions.location(runFolder: folder.map { URL(fileURLWithPath: $0) })
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw CommandError("\(folder ?? path): no search.sqlite; expected a kdnas search run folder")
        }
        let store = try SearchStorage.open(location, study: storageOptions.study, mustExist: true, retryFor: storageOptions.storageRetry)
        let status = try SearchStatus(store: store, liveWithin: lease)
        print("study:      \(status.study ?? storageOptions.study ?? "-") in \(location)")
        print("episodes:   \(status.episodes.proposed) proposed, \(status.episodes.learned) learnt, of \(status.episodes.total)")
        let t = status.trials, f = status.finalists
        print("candidates: \(t.pending) pending, \(t.running) running, \(t.done) done, \(t.failed) failed")
        print("finalists:  " + (status.finalPlanned ? "\(f.pending) pending, \(f.running) running, \(f.done) done" : "not planned yet"))
        print("ETA:        " + (status.etaSeconds.map { ProgressReporter.duration($0) + " for the candidates left (the final stage not included)" }
            ?? "after the first candidate"))
        for item in status.running {
            print("  running \(item.key) on \(item.worker ?? "?")" + (item.heartbeatAge.map { String(format: ", heartbeat %.0f s ago", $0) } ?? "")
                  + (item.attempts > 1 ? " (attempt \(item.attempts))" : ""))
        }
        print("workers:")
        for worker in status.workers {
            let age = worker.lastSeenAge.map { String(format: "%.0f s ago", $0) } ?? "never"
            let live = status.isLive(worker) ? "live" : "silent past its lease"
            print("  \(worker.id)  \(worker.threads) thread(s)  last heard \(age) (\(live))  \(worker.item.map { "on \($0)" } ?? "idle")")
        }
    }
}
