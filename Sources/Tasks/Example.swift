/// One input of a task: a text, an optional second text, and a label (nil in test splits).
public struct Example: Sendable, Hashable, Codable {
    /// The text, or the first text of a pair.
    public var text: String
    /// The second text of a pair task (MNLI's hypothesis, QQP's second question), or nil.
    public var pair: String?
    /// The target, or nil when unknown (test splits).
    public var label: Label?

    /// An example from its parts.
    public init(text: String, pair: String? = nil, label: Label? = nil) {
        self.text = text
        self.pair = pair
        self.label = label
    }
}
