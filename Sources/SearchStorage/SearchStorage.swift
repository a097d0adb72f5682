import Foundation
import Search

/// Opens a search's store by location: an SQLite file (one study per file, its name kept in the file) or
/// a study in a PostgreSQL database.
public enum SearchStorage {
    /// The store of `study` at `location`. `mustExist`: the study must hold a search already (a worker
    /// joins; it never creates). An SQLite file that holds another study's name is refused.
    /// `waitFor`: seconds a study that must exist is waited for (looked for every `every` seconds) before
    /// `StorageError.noStudy` is thrown, so that workers may start before the search that creates it.
    public static func open(_ location: StorageLocation, study: String?, mustExist: Bool, retryFor: TimeInterval = 60,
                            waitFor: TimeInterval = 0, every: TimeInterval = 0.5) throws -> TrialStore {
        let deadline = Date().addingTimeInterval(waitFor)
        let pause = { Thread.sleep(forTimeInterval: min(every, max(0, deadline.timeIntervalSinceNow))) }
        switch location {
        case .sqlite(let path):
            // Opened again at each look: the file may not exist yet.
            while true {
                do {
                    return try openSQLite(path, study: study, mustExist: mustExist)
                } catch StorageError.noStudy where Date() < deadline {
                    pause()
                }
            }
        case .postgres(let postgres):
            guard let study, !study.isEmpty else { throw SearchError.invalid("--study", "a study name for a PostgreSQL storage") }
            let store = try PostgresTrialStore(postgres, study: study, retryFor: retryFor)
            while mustExist, try store.value("settings") == nil {
                guard Date() < deadline else { throw StorageError.noStudy(location.description, study) }
                pause()
            }
            return store
        }
    }

    /// `--wait`: from 0 to a day.
    public static func check(wait: TimeInterval) throws(SearchError) {
        guard wait >= 0, wait <= 86_400 else { throw .invalid("--wait \(wait)", "0 to 86400 seconds") }
    }

    private static func openSQLite(_ path: String, study: String?, mustExist: Bool) throws -> TrialStore {
        let location = StorageLocation.sqlite(path: path)
        // No file, or the empty file a search creating its store makes first: no study yet.
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
        if mustExist && (size ?? 0) == 0 { throw StorageError.noStudy(location.description, study) }
        let store = try SQLiteTrialStore(path: path)
        let saved = try store.value("study").map { String(decoding: $0, as: UTF8.self) }
        if let study, let saved, saved != study {
            throw SearchError.mismatch("\(path): holds study \(saved), not \(study); an SQLite file holds one study")
        }
        if mustExist, try store.value("settings") == nil { throw StorageError.noStudy(location.description, study) }
        return store
    }
}
