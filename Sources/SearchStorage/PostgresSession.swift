import Foundation
import Logging
import NIOCore
import PostgresNIO
import Search

/// One connection to a PostgreSQL server used from synchronous code: each `run` blocks its thread until
/// the async body finishes on the connection's event loop. Calls are serialised (a transaction is one
/// call), so the heartbeat thread and the main one can share it. A connection lost after the first one
/// succeeded is reopened with backoff (0.25 s doubling to 5 s) for at most `retryFor` seconds, the call
/// retried whole (every transaction is written to be safe to retry); the first connection fails at once,
/// naming the host and database.
final class PostgresSession: @unchecked Sendable {
    let location: StorageLocation.PostgresLocation
    let retryFor: TimeInterval
    private let configuration: PostgresConnection.Configuration
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private var everConnected = false
    private let logger: Logger = {
        var logger = Logger(label: "kdnas.postgres")
        logger.logLevel = .critical
        return logger
    }()

    var described: String { StorageLocation.postgres(location).description }

    init(_ location: StorageLocation.PostgresLocation, retryFor: TimeInterval) {
        self.location = location
        self.retryFor = retryFor
        var configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: location.password, database: location.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
    }

    deinit { close() }

    /// Closes the connection and waits for it (postgres-nio requires a connection closed before it is freed).
    private func close() {
        guard let connection else { return }
        self.connection = nil
        let closing: EventLoopFuture<Void> = connection.close()
        try? closing.wait()
    }

    /// Runs `body` on the connection; a lost connection is reopened and `body` run again, within `retryFor`.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(retryFor)
        var delay = 0.25
        while true {
            do {
                let connection = try open()
                let logger = self.logger
                return try Self.blocking { try await body(connection, logger) }
            } catch let error as StorageError {
                throw error
            } catch {
                guard Self.isConnectionLoss(error) else { throw StorageError.server(described, Self.explain(error)) }
                close()
                guard everConnected, Date() < deadline else {
                    throw everConnected ? StorageError.lost(described, Self.explain(error), seconds: retryFor)
                                        : StorageError.unreachable(described, Self.explain(error))
                }
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 5)
            }
        }
    }

    private func open() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        let configuration = self.configuration, logger = self.logger
        let opened = try Self.blocking { try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger) }
        (connection, everConnected) = (opened, true)
        return opened
    }

    /// Whether `error` is the network's (the connection refused, reset or closed), not the server's answer.
    static func isConnectionLoss(_ error: Error) -> Bool {
        if let error = error as? PSQLError {
            // The server's own goodbyes: admin shutdown, crash shutdown, cannot connect now (57P01–57P03), connection exceptions (08…).
            if error.code == .server, let state = error.serverInfo?[.sqlState], state.hasPrefix("57P") || state.hasPrefix("08") { return true }
            return [.connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection].contains(error.code)
        }
        return error is IOError || error is ChannelError || error is NIOConnectionError
    }

    /// The server's message (and SQL state) or the network's error, in words.
    static func explain(_ error: Error) -> String {
        if let error = error as? PSQLError {
            if let info = error.serverInfo, let message = info[.message] {
                return message + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            if let underlying = error.underlying { return explain(underlying) }
            return "\(error.code)"
        }
        if let error = error as? NIOConnectionError {
            return error.connectionErrors.first.map { explain($0.error) } ?? "cannot connect"
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return "\(error)"
    }

    /// Blocks this (non-async) thread until `body` finishes on the concurrency runtime.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            semaphore.signal()
        }
        semaphore.wait()
        return try box.result!.get()
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
