/// Whoever holds back updates of the rows of a [rows, columns] parameter until they are read: an
/// optimiser that steps the word embeddings' rows lazily (`AdamW`'s deferred rows).
///
/// The parameter's storage points at it (`TensorStorage.pendingRows`), and the ops that read a few
/// rows of such a parameter (`Tensor.embedding`) ask for those rows first; whoever reads all of it
/// (a checkpoint, an evaluation) asks the optimiser to apply everything first.
public protocol PendingRowUpdates: AnyObject {
    /// Brings `rows` (ids may repeat) up to date.
    func applyPending(rows: [Int])
    /// Brings every row up to date.
    func applyAllPending()
}
