import Models
import Tasks

extension BertConfig {
    /// Throws unless every example of `data` can run through a model of this configuration (see
    /// `check(_:)` for one encoding): a text-pair task on a model with type_vocab_size 1, say, stops
    /// here with the model's config file (`file`), the data file and the example, not in the
    /// embedding lookup of the first batch.
    public func check(_ data: EncodedDataset, file: String?) throws(ConfigError) {
        for (index, encoding) in data.encodings.enumerated() {
            do { try check(encoding) } catch {
                let source = data.dataset.source?.path ?? "the \(data.dataset.split) split of \(data.dataset.definition.name)"
                throw ConfigError(field: error.field, value: error.value,
                                  expected: "\(error.expected) (\(source), example \(index + 1))", file: file)
            }
        }
    }
}
