import ArgumentParser
import Foundation
import Search
import SearchStorage
import TensorCore

/// `kdnas report RUN` or `kdnas report --storage URL --study NAME --out DIR`: rebuilds report.json and
/// report.html from the search's store, and writes the finalists' Hugging Face folders the store keeps.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Rebuild a search's report.json and report.html from its trials (and fetch its finalists).",
        discussion: """
            Examples: kdnas report runs/main/search
                      kdnas report --storage postgresql://kdnas@db.example/kdnas --study rt-quick --out runs/rt-quick
            """)

    @Argument(help: "The search's run folder (its search.sqlite), where the report is written.")
    var folder: String?
    @OptionGroup var storageOptions: StorageOptions
    @Option(help: "Where to write the report and the finalists' folders (default: the run folder).")
    var out: String?

    func validate() throws {
        guard folder != nil || storageOptions.url != nil else { throw ValidationError("give a run folder, or --storage URL --study NAME --out DIR") }
        guard folder != nil || out != nil else { throw ValidationError("--out DIR: where to write the report of a study in --storage") }
    }

    func run() throws {
        let location = try storageOptions.location(runFolder: folder.map { URL(fileURLWithPath: $0) })
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            throw CommandError("\(folder ?? path): no search.sqlite; expected a kdnas search run folder")
        }
        // Read-write: an SQLite store may have to roll back a killed search's journal.
        let store = try SearchStorage.open(location, study: storageOptions.study, mustExist: true, retryFor: storageOptions.storageRetry)
        let target = URL(fileURLWithPath: out ?? folder!)
        try OutputFolder.create(target)
        let metric = try store.value("metric").map { String(decoding: $0, as: UTF8.self) } ?? "accuracy"
        let exported = try SearchReport.exportFinalists(from: store, to: target)
        if exported > 0 { print("finalists: \(exported) written to \(target.appendingPathComponent("finalists").path)") }
        try SearchReport(store: store, metric: metric).write(to: target)
        print("report: \(target.appendingPathComponent("report.html").path)")
    }
}
