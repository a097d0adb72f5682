import ArgumentParser
import Foundation
import Search
import SearchStorage

/// `kdnas worker`: joins a study in a storage and works on it (candidates, rungs, finalists, and the
/// coordinator's steps when it holds the lease) until it is finished.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Join a search in a storage and work on it until it is finished.",
        discussion: """
            The study's options (teacher, task, budget) are the ones it was created with by kdnas search; this
            machine must reach the teacher and the data at the same paths. Each worker keeps its trial logs and
            the finalists it trains in --out; with PostgreSQL the finalists' files are also uploaded to the study.
            With --wait, a worker may start before the search that creates the study.
            Example: kdnas worker --storage postgresql://kdnas@db.example/kdnas --study rt-quick --threads 1 --wait 600
            """)

    @OptionGroup var storageOptions: StorageOptions
    @Option(help: "This worker's folder: trial logs, finalists it trains (default: the SQLite file's folder, or kdnas-worker-STUDY).")
    var out: String?
    @OptionGroup var work: WorkOptions
    @Option(help: "Seconds to wait for the study to be created by kdnas search, looking every --poll seconds (0: give up at once).")
    var wait: Double = 0
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard storageOptions.url != nil else { throw ValidationError("--storage URL (or KDNAS_STORAGE) is required: the study to join") }
        try SearchStorage.check(wait: wait)
    }

    func run() throws {
        let location = try storageOptions.location(runFolder: nil)
        let store = try SearchStorage.open(location, study: storageOptions.study, mustExist: true, retryFor: storageOptions.storageRetry,
                                           waitFor: wait, every: work.poll)
        guard let data = try store.value("arguments"), let saved = try? JSONDecoder().decode([String].self, from: data) else {
            throw CommandError("\(location): the study holds no saved search options; expected a study created by kdnas search")
        }
        let folder: String
        switch (out, location) {
        case (let out?, _): folder = out
        case (nil, .sqlite(let path)): folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        case (nil, .postgres): folder = "kdnas-worker-\(storageOptions.study ?? "study")"
        }
        let arguments = saved + ["--out", folder, "--join"] + work.arguments + storageOptions.arguments
            + (engine.threads.map { ["--threads", String($0)] } ?? []) + (engine.blas.map { ["--blas", $0.rawValue] } ?? [])
        log("worker: joining \(location)\(storageOptions.study.map { " study \($0)" } ?? "") with folder \(folder)")
        let search = try SearchCommand.parse(arguments)
        try search.validate()
        try search.run()
    }
}
