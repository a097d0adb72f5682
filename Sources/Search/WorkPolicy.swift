import Foundation

/// How long work is held without a heartbeat, and how often processes look for work.
public struct WorkPolicy: Sendable, Equatable {
    /// Seconds a claim lives without a heartbeat; a worker heartbeats every third of it.
    public var lease: TimeInterval = 180
    /// Seconds between looks for work while every item is held by others.
    public var poll: TimeInterval = 2

    public init(lease: TimeInterval = 180, poll: TimeInterval = 2) {
        (self.lease, self.poll) = (lease, poll)
    }

    /// `--lease`: from 1 second to a day.
    public static func check(lease: TimeInterval) throws(SearchError) {
        guard lease >= 1, lease <= 86_400 else { throw .invalid("--lease \(lease)", "1 to 86400 seconds") }
    }

    /// `--poll`: from 10 milliseconds to an hour.
    public static func check(poll: TimeInterval) throws(SearchError) {
        guard poll >= 0.01, poll <= 3_600 else { throw .invalid("--poll \(poll)", "0.01 to 3600 seconds") }
    }
}
