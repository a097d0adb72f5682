import ArgumentParser
import Foundation
import Search
import SearchStorage

/// `--storage URL --study NAME`: where a search's store is, for search, worker, status and report.
struct StorageOptions: ParsableArguments {
    @Option(help: "The search's store: sqlite:///PATH (default RUN/search.sqlite) or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (default: KDNAS_STORAGE).")
    var storage: String?
    @Option(help: "The study (one search) in the storage; required for PostgreSQL, which holds several.")
    var study: String?
    @Option(help: "Seconds a lost PostgreSQL connection is retried before the process stops.")
    var storageRetry: Double = 60

    /// The URL given, or KDNAS_STORAGE; nil when neither is.
    var url: String? { storage ?? ProcessInfo.processInfo.environment["KDNAS_STORAGE"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The location given, or the run folder's SQLite file.
    func location(runFolder: URL?) throws -> StorageLocation {
        if let url { return try StorageLocation(url: url) }
        guard let runFolder else { throw ValidationError("give a run folder, or --storage URL (or KDNAS_STORAGE) with --study NAME") }
        return .sqlite(path: runFolder.appendingPathComponent("search.sqlite").path)
    }

    func validate() throws {
        guard storageRetry >= 0, storageRetry <= 86_400 else { throw ValidationError("--storage-retry \(storageRetry): expected 0 to 86400 seconds") }
    }

    /// The arguments that name this storage, to hand to another command.
    var arguments: [String] {
        (url.map { ["--storage", $0] } ?? []) + (study.map { ["--study", $0] } ?? []) + ["--storage-retry", String(storageRetry)]
    }
}
