import Dispatch
import Foundation
import Text

/// A dataset tokenized once and kept in memory: one unpadded `Encoding` per example,
/// [CLS] text [SEP] (pair [SEP]) truncated longest-first to `maxLength`.
public struct EncodedDataset: Sendable {
    /// The examples encoded.
    public let dataset: Dataset
    /// One encoding per example, in example order, without padding.
    public let encodings: [Encoding]
    /// The longest encoding allowed, special tokens included.
    public let maxLength: Int
    /// The [PAD] id used when batching.
    public let paddingId: Int
    /// Each example's label as a float (class index or regression value); nil if the split has no labels.
    public let labels: [Float]?

    /// Tokenizes every example with `tokenizer`, truncating to `maxLength` (in parallel over the
    /// examples; the result does not depend on the number of threads).
    public init(_ dataset: Dataset, tokenizer: BertTokenizer, maxLength: Int) {
        precondition(maxLength > 3, "EncodedDataset: maxLength \(maxLength) leaves no room for text")
        let examples = dataset.examples
        var encodings = [Encoding](repeating: Encoding(ids: [], tokenTypeIds: [], attentionMask: []), count: examples.count)
        let chunkCount = max(1, min(examples.count / 256, ProcessInfo.processInfo.activeProcessorCount * 4))
        encodings.withUnsafeMutableBufferPointer { output in
            let output = UnsafeSendableBuffer(base: output)
            DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
                let range = (chunk * examples.count / chunkCount) ..< ((chunk + 1) * examples.count / chunkCount)
                for index in range {
                    let example = examples[index]
                    output.base[index] = tokenizer.encode(example.text, pair: example.pair, maxLength: maxLength)
                }
            }
        }
        self.dataset = dataset
        self.encodings = encodings
        self.maxLength = maxLength
        self.paddingId = tokenizer.paddingTokenId
        self.labels = dataset.labels.map { $0.map(\.floatValue) }
    }

    /// The number of examples.
    public var count: Int { encodings.count }

    /// The examples at `indices`, in that order, already encoded (a proxy split of a search).
    public func subset(_ indices: [Int], split: Split? = nil) -> EncodedDataset {
        EncodedDataset(dataset: Dataset(definition: dataset.definition, split: split ?? dataset.split,
                                        examples: indices.map { dataset.examples[$0] }, source: dataset.source),
                       encodings: indices.map { encodings[$0] }, maxLength: maxLength, paddingId: paddingId,
                       labels: labels.map { labels in indices.map { labels[$0] } })
    }

    private init(dataset: Dataset, encodings: [Encoding], maxLength: Int, paddingId: Int, labels: [Float]?) {
        (self.dataset, self.encodings, self.maxLength, self.paddingId, self.labels) = (dataset, encodings, maxLength, paddingId, labels)
    }

    /// The number of tokens of example `index`, special tokens included.
    public func length(of index: Int) -> Int { encodings[index].count }
}

/// A buffer written at disjoint indices from several threads.
private struct UnsafeSendableBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Element>
}
