import Text

/// Cuts an encoded dataset into padded batches, epoch by epoch, reproducibly.
///
///     let batcher = Batcher(dataset: train, batchSize: 32, order: .bucketed(seed: 42))
///     for batch in batcher.batches(epoch: epoch) { ... }   // batch.tokens, batch.labels, batch.indices
///     let evaluation = Batcher.evaluation(dev, batchSize: 64)  // original order
///
/// Orders:
/// - `.original`: examples in dataset order (evaluation).
/// - `.shuffled(seed:)`: a Fisher–Yates shuffle drawn from SplitMix64 seeded by (seed, epoch).
/// - `.bucketed(seed:chunkBatches:)`: shuffle as above, then sort each chunk of
///   `chunkBatches × batchSize` examples by length (stable), cut it into batches, and shuffle
///   the order of all batches. Batches hold examples of similar length, so padding is small,
///   while which examples meet and the order of batches stay random.
/// Every example appears exactly once per epoch (unless `dropsLast` drops the short batch).
/// Each batch is padded to its longest example.
public struct Batcher: Sendable {
    /// How examples are ordered into batches.
    public enum Order: Sendable, Equatable {
        /// Dataset order.
        case original
        /// Shuffled each epoch.
        case shuffled(seed: UInt64)
        /// Shuffled, then bucketed by length within chunks of `chunkBatches` batches.
        case bucketed(seed: UInt64, chunkBatches: Int = 50)
    }

    /// The examples.
    public let dataset: EncodedDataset
    /// Examples per batch (the last batch may be smaller).
    public let batchSize: Int
    /// How examples are ordered.
    public let order: Order
    /// Whether to leave out a final batch smaller than `batchSize`.
    public let dropsLast: Bool

    /// A batcher; `batchSize` must be positive.
    public init(dataset: EncodedDataset, batchSize: Int, order: Order, dropsLast: Bool = false) {
        precondition(batchSize > 0, "Batcher: batchSize must be positive")
        if case .bucketed(_, let chunkBatches) = order { precondition(chunkBatches > 0, "Batcher: chunkBatches must be positive") }
        self.dataset = dataset
        self.batchSize = batchSize
        self.order = order
        self.dropsLast = dropsLast
    }

    /// A batcher for evaluation: original order, nothing dropped.
    public static func evaluation(_ dataset: EncodedDataset, batchSize: Int) -> Batcher {
        Batcher(dataset: dataset, batchSize: batchSize, order: .original)
    }

    /// The example indices of each batch of `epoch`, in batch order.
    public func plan(epoch: Int) -> [[Int]] {
        var indices = Array(0 ..< dataset.count)
        var batches: [[Int]]
        switch order {
        case .original:
            batches = Self.cut(indices, size: batchSize)
        case .shuffled(let seed):
            var generator = SplitMix64(seed: seed, stream: UInt64(truncatingIfNeeded: epoch))
            generator.shuffle(&indices)
            batches = Self.cut(indices, size: batchSize)
        case .bucketed(let seed, let chunkBatches):
            var generator = SplitMix64(seed: seed, stream: UInt64(truncatingIfNeeded: epoch))
            generator.shuffle(&indices)
            batches = []
            let chunkSize = chunkBatches * batchSize
            for start in stride(from: 0, to: indices.count, by: chunkSize) {
                let chunk = indices[start ..< min(start + chunkSize, indices.count)]
                // Stable: equal lengths keep their shuffled order.
                let sorted = chunk.enumerated().sorted {
                    let (a, b) = (dataset.length(of: $0.element), dataset.length(of: $1.element))
                    return a != b ? a < b : $0.offset < $1.offset
                }.map(\.element)
                batches += Self.cut(sorted, size: batchSize)
            }
            if dropsLast, let short = batches.firstIndex(where: { $0.count < batchSize }) { batches.remove(at: short) }
            generator.shuffle(&batches)
            return batches
        }
        if dropsLast, let last = batches.last, last.count < batchSize { batches.removeLast() }
        return batches
    }

    /// The batches of `epoch`, built lazily from `plan(epoch:)` as they are read.
    public func batches(epoch: Int = 0) -> Epoch { Epoch(batcher: self, plan: plan(epoch: epoch)) }

    /// The padded batch of the examples at `indices`, in that order.
    public func batch(indices: [Int]) -> Batch {
        let tokens = TokenBatch(indices.map { dataset.encodings[$0] }, paddingId: dataset.paddingId)
        return Batch(tokens: tokens, labels: dataset.labels.map { labels in indices.map { labels[$0] } }, indices: indices)
    }

    /// The batches of one epoch; each is padded when it is read.
    public struct Epoch: RandomAccessCollection, Sendable {
        /// The batcher.
        public let batcher: Batcher
        /// The example indices of each batch.
        public let plan: [[Int]]

        /// 0.
        public var startIndex: Int { 0 }
        /// The number of batches.
        public var endIndex: Int { plan.count }
        /// The batch at `position`.
        public subscript(position: Int) -> Batch { batcher.batch(indices: plan[position]) }
    }

    private static func cut(_ indices: some Collection<Int>, size: Int) -> [[Int]] {
        var batches: [[Int]] = []
        batches.reserveCapacity((indices.count + size - 1) / size)
        var current: [Int] = []
        current.reserveCapacity(size)
        for index in indices {
            current.append(index)
            if current.count == size {
                batches.append(current)
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
