import Foundation
import XCTest

/// A PostgreSQL server of the test's own (scripts/postgres-server.sh: Debian's postgresql, installed when
/// missing, a cluster in a temporary folder on a free loopback port), stopped and removed by `stop()`.
public final class PostgresTestServer: Sendable {
    public let folder: URL
    public let url: String

    /// Starts one; in CI a server that cannot start fails the test, elsewhere it skips it.
    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-pg-\(UUID().uuidString.prefix(8))")
        do {
            url = try Self.script("start", folder).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            if ProcessInfo.processInfo.environment["CI"] != nil { throw error }
            throw XCTSkip("no PostgreSQL server could be started here: \(error)")
        }
    }

    public func stop() throws { _ = try Self.script("stop", folder) }
    public func restart() throws { _ = try Self.script("restart", folder) }

    public func remove() {
        try? stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The URL with `password` in place of the real one.
    public func url(password: String) -> String {
        url.replacingOccurrences(of: #":[^:@/]+@"#, with: ":\(password)@", options: .regularExpression)
    }

    /// Runs scripts/postgres-server.sh COMMAND FOLDER and returns what it printed. posix_spawn and waitpid
    /// rather than Foundation's Process, whose waitUntilExit missed the end of this script (which leaves a
    /// daemon behind) and waited forever.
    @discardableResult
    static func script(_ command: String, _ folder: URL) throws -> String {
        let output = folder.deletingLastPathComponent().appendingPathComponent("\(folder.lastPathComponent).\(command).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let script = Repository.root.appendingPathComponent("scripts/postgres-server.sh").path
        let arguments = ["/bin/bash", "-c", "exec \"$0\" \"$1\" \"$2\" > \"$3\" < /dev/null", script, command, folder.path, output.path]
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", nil, nil, &cArguments, environ) == 0 else {
            throw NSError(domain: "postgres-server.sh", code: 1, userInfo: [NSLocalizedDescriptionKey: "cannot run \(script)"])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let printed = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw NSError(domain: "postgres-server.sh", code: Int(status),
                          userInfo: [NSLocalizedDescriptionKey: "scripts/postgres-server.sh \(command) \(folder.path) failed (wait status \(status))"])
        }
        return printed
    }
}
