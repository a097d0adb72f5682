/// How encodings are padded with [PAD] on the right.
public enum Padding: Sendable, Equatable {
    /// No padding.
    case none
    /// Pad every encoding of a batch to the longest one (a single encoding is left as is).
    case longest
    /// Pad to the `maxLength` given to `encode`, or to the model's maximum length when none is given.
    case maxLength
}
