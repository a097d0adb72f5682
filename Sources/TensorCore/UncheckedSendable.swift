/// A value handed to other threads (a parallel loop's, a heartbeat's) whose users guarantee it is safe there:
/// disjoint writes, or a value that is thread-safe itself.
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
