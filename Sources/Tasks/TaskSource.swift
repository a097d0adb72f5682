/// A task whose splits can be loaded: a GLUE task, a generic CSV/TSV/JSONL task, Rotten Tomatoes.
public protocol TaskSource: Sendable {
    /// Name, labels and metrics.
    var definition: TaskDefinition { get }
    /// The splits this task has.
    var splits: [Split] { get }
    /// The examples of `split`, read (or taken from a cache) and checked.
    func load(_ split: Split) throws(TaskError) -> Dataset
}
