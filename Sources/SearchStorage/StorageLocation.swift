import Foundation
import Search

/// Where a search's store is, from `--storage URL` (or `KDNAS_STORAGE`):
/// `sqlite:///ABSOLUTE/PATH` or `sqlite://RELATIVE/PATH`, or
/// `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (`postgres://` too; user and password
/// percent-decoded). Its description masks the password.
public enum StorageLocation: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public struct PostgresLocation: Equatable, Sendable {
        public var user: String
        public var password: String?
        public var host: String
        public var port: Int
        public var database: String

        public init(user: String, password: String?, host: String, port: Int, database: String) {
            (self.user, self.password, self.host, self.port, self.database) = (user, password, host, port, database)
        }
    }

    public init(url: String) throws(SearchError) {
        func invalid(_ expected: String) -> SearchError { .invalid("--storage \(Self.masked(url))", expected) }
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw invalid("sqlite:///PATH with a file path") }
            self = .sqlite(path: path)
            return
        }
        let schemes = ["postgresql://", "postgres://"]
        guard let scheme = schemes.first(where: { url.hasPrefix($0) }) else {
            throw invalid("sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let rest = url.dropFirst(scheme.count)
        guard let at = rest.lastIndex(of: "@") else { throw invalid("a user before the host (postgresql://USER[:PASSWORD]@HOST…)") }
        let credentials = rest[..<at], address = rest[rest.index(after: at)...]
        let (userPart, passwordPart) = credentials.firstIndex(of: ":").map { (credentials[..<$0], Optional(credentials[credentials.index(after: $0)...])) }
            ?? (credentials, nil)
        guard let user = String(userPart).removingPercentEncoding, !user.isEmpty else { throw invalid("a user name before the host") }
        let password = try passwordPart.map { part throws(SearchError) in
            guard let decoded = String(part).removingPercentEncoding else { throw invalid("a percent-encoded password") }
            return decoded
        }
        guard let slash = address.firstIndex(of: "/") else { throw invalid("/DATABASE after the host") }
        let hostPort = address[..<slash]
        let database = String(address[address.index(after: slash)...])
        guard !database.isEmpty, !database.contains("/"), !database.contains("?") else { throw invalid("one database name after the host") }
        var host = String(hostPort), port = 5432
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            guard let value = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(value) else {
                throw invalid("a port from 1 to 65535 after the host")
            }
            (host, port) = (String(hostPort[..<colon]), value)
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw invalid("a host name or address") }
        self = .postgres(PostgresLocation(user: user, password: password, host: host, port: port, database: database))
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .postgres(let p):
            let host = p.host.contains(":") ? "[\(p.host)]" : p.host
            return "postgresql://\(p.user)\(p.password == nil ? "" : ":***")@\(host):\(p.port)/\(p.database)"
        }
    }

    /// `url` with anything between the scheme's user and the host's @ masked, for errors about a URL that did not parse.
    static func masked(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url.lastIndex(of: "@"), at > scheme.upperBound else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
