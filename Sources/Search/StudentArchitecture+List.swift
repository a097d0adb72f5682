import Foundation

extension StudentArchitecture {
    /// The architectures of a JSON file: an array of objects with Hugging Face's config keys,
    ///
    ///     [{"num_hidden_layers": 3, "hidden_size": 384, "num_attention_heads": 12, "intermediate_size": 1536, "hidden_act": "gelu"}]
    ///
    /// (other keys ignored), each valid (hidden size divisible by heads); repeats are dropped, order kept.
    public static func list(file: String) throws(SearchSpaceError) -> [StudentArchitecture] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SearchSpaceError(file: file, field: "--architectures", expected: "a readable JSON file")
        }
        let decoded: [StudentArchitecture]
        do {
            decoded = try JSONDecoder().decode([StudentArchitecture].self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw SearchSpaceError(file: file, field: "[\(context.codingPath.first?.intValue ?? 0)].\(key.stringValue)", expected: "present")
        } catch {
            throw SearchSpaceError(file: file, field: "(file)", expected: "a JSON array of objects with num_hidden_layers, hidden_size, "
                                   + "num_attention_heads, intermediate_size and hidden_act")
        }
        var seen = Set<StudentArchitecture>()
        var list: [StudentArchitecture] = []
        for (index, architecture) in decoded.enumerated() {
            for (field, value) in [("num_hidden_layers", architecture.layers), ("hidden_size", architecture.hiddenSize),
                                   ("num_attention_heads", architecture.heads), ("intermediate_size", architecture.intermediateSize)]
            where !(1...1_000_000).contains(value) {
                throw SearchSpaceError(file: file, field: "[\(index)].\(field)", expected: "a positive integer up to 10^6 (got \(value))")
            }
            guard architecture.hiddenSize % architecture.heads == 0 else {
                throw SearchSpaceError(file: file, field: "[\(index)].num_attention_heads", expected: "a divisor of hidden_size \(architecture.hiddenSize)")
            }
            if seen.insert(architecture).inserted { list.append(architecture) }
        }
        guard !list.isEmpty else { throw SearchSpaceError(file: file, field: "(file)", expected: "at least one architecture") }
        return list
    }
}
