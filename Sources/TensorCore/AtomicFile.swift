import Foundation

/// Writes files so that a reader sees the old contents or the new, never half of either.
public enum AtomicFile {
    /// Creates an empty file at `path` (or empties it) in place. Foundation's `createFile(atPath:contents:)` writes
    /// through a hidden temporary (`.dat.nosync…`) and renames it, which a kill between the two leaves behind.
    public static func createEmpty(_ path: String) -> Bool {
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return false }
        close(descriptor)
        return true
    }

    /// Writes `data` to a temporary file beside `url`, flushes it, then renames it over `url`.
    /// A failed write (a full disk) throws an `OutputPathError` naming `url` and leaves no temporary file.
    public static func write(_ data: Data, to url: URL) throws {
        try checkDestination(url)
        let temporary = temporaryURL(for: url)
        removeStaleTemporaries(of: url)
        guard Self.createEmpty(temporary.path) else {
            throw OutputPathError(path: temporary.path, problem: "cannot be created; expected a folder you can write to")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try handle.write(contentsOf: data)
                try handle.synchronize()
            } catch {
                try? handle.close()
                throw error
            }
            try handle.close()
            if rename(temporary.path, url.path) != 0 {
                throw OutputPathError(path: url.path, problem: "cannot be replaced (\(String(cString: strerror(errno))))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw OutputPathError.writeFailed(url.path, error)
        }
    }

    /// The temporary file `url` is written to before it is renamed into place: `.NAME.tmp-PID` beside it.
    public static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// Removes the temporary files of `url` (see `temporaryURL(for:)`) that processes no longer running
    /// left behind: a writer killed with SIGKILL cannot clean up, and a model-sized leftover per kill
    /// would fill the disk. A temporary file of a running process (another writer) is kept.
    public static func removeStaleTemporaries(of url: URL) {
        let directory = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != ProcessInfo.processInfo.processIdentifier else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(at: directory.appendingPathComponent(name)) }
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

    public init(path: String, problem: String) { (self.path, self.problem) = (path, problem) }

    /// The error of a failed write of `path`, with the system's reason in words (a full disk says so)
    /// instead of Foundation's `NSCocoaErrorDomain` dump; an `OutputPathError` keeps its problem.
    public static func writeFailed(_ path: String, _ error: any Error) -> OutputPathError {
        if let error = error as? OutputPathError { return error.path == path ? error : OutputPathError(path: path, problem: error.problem) }
        switch posixCode(error) {
        case ENOSPC?, EDQUOT?:
            return OutputPathError(path: path, problem: "cannot be written: the disk is full (\(String(cString: strerror(ENOSPC)))); "
                                   + "expected free space on its disk")
        case let code?:
            return OutputPathError(path: path, problem: "cannot be written (\(String(cString: strerror(code)))); expected a file you can write")
        case nil:
            return OutputPathError(path: path, problem: "cannot be written (\((error as NSError).localizedDescription)); expected a file you can write")
        }
    }

    /// Whether `error` is the file system's (a POSIX code behind it), as a failed write throws.
    public static func isWriteFailure(_ error: any Error) -> Bool { posixCode(error) != nil }

    /// The POSIX error code behind a Foundation error (directly, underlying, or a Cocoa out-of-space code).
    static func posixCode(_ error: any Error) -> Int32? {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return Int32(error.code) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, let code = posixCode(underlying) { return code }
        if error.domain == NSCocoaErrorDomain && error.code == CocoaError.fileWriteOutOfSpace.rawValue { return ENOSPC }
        return nil
    }
}
