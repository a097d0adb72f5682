import Foundation

/// Writes files so that a reader sees the old contents or the new, never half of either.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `url`, flushes it, then renames it over `url`.
    public static func write(_ data: Data, to url: URL) throws {
        try checkDestination(url)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw OutputPathError(path: temporary.path, problem: "cannot be created; expected a folder you can write to")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            if rename(temporary.path, url.path) != 0 {
                throw OutputPathError(path: url.path, problem: "cannot be replaced (\(String(cString: strerror(errno))))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Throws an `OutputPathError` naming `url` unless a file can be written there: not a folder,
    /// and in a folder that exists or can be made (which this creates). Commands that work long
    /// before they write call it first, so that a bad output path fails at once.
    public static func checkDestination(_ url: URL) throws(OutputPathError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw OutputPathError(path: url.standardizedFileURL.path, problem: "is a folder; expected a file path")
        }
        try OutputFolder.create(url.deletingLastPathComponent())
    }
}

/// Folders that outputs are written into, created with an error that names the path.
public enum OutputFolder {
    /// Creates `url` and its missing parents as a folder to write into (nothing when it exists).
    /// Throws an `OutputPathError` naming the path when it is a file, lies under a file, or cannot
    /// be written, instead of Foundation's `NSCocoaErrorDomain` codes.
    public static func create(_ url: URL) throws(OutputPathError) {
        let manager = FileManager.default
        let path = url.standardizedFileURL.path
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OutputPathError(path: path, problem: "is a file; expected a folder (or a path where one can be made)") }
            guard access(path, W_OK | X_OK) == 0 else { throw OutputPathError(path: path, problem: "is not writable; expected a folder you can write to") }
            return
        }
        // The nearest part of the path that exists decides why the folder cannot be made.
        var ancestor = url.standardizedFileURL.deletingLastPathComponent()
        while ancestor.path != "/" && !manager.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
            ancestor = ancestor.deletingLastPathComponent()
        }
        if ancestor.path == "/" { isDirectory = true }
        guard isDirectory.boolValue else {
            throw OutputPathError(path: path, problem: "is under \(ancestor.path), which is a file; expected a folder path")
        }
        guard access(ancestor.path, W_OK | X_OK) == 0 else {
            throw OutputPathError(path: path, problem: "cannot be created: \(ancestor.path) is not writable; expected a folder you can write to")
        }
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw OutputPathError(path: path, problem: "cannot be created (\((error as NSError).localizedDescription)); expected a folder you can write to")
        }
    }
}

/// An output folder that cannot be written: the path and what was expected.
public struct OutputPathError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}
