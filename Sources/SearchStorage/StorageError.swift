import Foundation

/// A store that cannot be reached or refuses: the URL (password masked) and what happened.
public enum StorageError: Error, CustomStringConvertible, Equatable {
    case unreachable(String, String)
    case lost(String, String, seconds: Double)
    case server(String, String)
    /// No search in the store: the study named, or (nil) the one an SQLite file holds.
    case noStudy(String, String?)

    public var description: String {
        switch self {
        case .unreachable(let url, let why): return "\(url): cannot connect: \(why); expected a PostgreSQL server at that host and port"
        case .lost(let url, let why, let seconds):
            return String(format: "%@: the connection was lost and not regained in %.0f s (%@); this worker stops, its item is reclaimed by another after the lease", url, seconds, why)
        case .server(let url, let why): return "\(url): \(why)"
        case .noStudy(let url, let study?): return "\(url): holds no study \(study); create it with kdnas search --storage … --study \(study)"
        case .noStudy(let url, nil): return "\(url): holds no study: no search has saved its settings there yet; start one with kdnas search"
        }
    }
}
