import Foundation

/// A worker's hold on one item: the item and the attempt it is (the compare-and-set token).
public struct WorkClaim: Sendable, Equatable {
    public let key: String
    public let attempt: Int
    public let worker: String

    public init(key: String, attempt: Int, worker: String) { (self.key, self.attempt, self.worker) = (key, attempt, worker) }
}
