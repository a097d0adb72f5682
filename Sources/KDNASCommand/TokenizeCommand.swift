import ArgumentParser
import Foundation
import Text

/// `kdnas tokenize`: WordPiece ids of each input line, as transformers' BertTokenizer gives them.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize each line of a file (a text, or a TAB-separated pair) into WordPiece ids.",
        discussion: "Example: kdnas tokenize --model cache/minilm --input sentences.txt --max-length 128 --json")

    @Option(help: "Model folder holding vocab.txt and tokenizer_config.json.")
    var model: String
    @Option(help: "Text file: one text, or text<TAB>pair, per line.")
    var input: String
    @Option(help: "Truncate (longest first) to this many tokens, special tokens included.")
    var maxLength: Int?
    @Flag(help: "Print one JSON object per input line.")
    var json = false

    func run() throws {
        try BertTokenizer.check(maxLength: maxLength)
        let tokenizer = try BertTokenizer(directory: URL(fileURLWithPath: model))
        for line in try InputLine.read(input) {
            let encoding = tokenizer.encode(line.text, pair: line.pair, maxLength: maxLength)
            let tokens = encoding.ids.map { tokenizer.vocabulary.token(for: $0) ?? "?" }
            if json {
                try printJSON(["input_ids": encoding.ids, "token_type_ids": encoding.tokenTypeIds,
                               "attention_mask": encoding.attentionMask, "tokens": tokens])
            } else {
                print(zip(tokens, encoding.ids).map { "\($0)/\($1)" }.joined(separator: " "))
            }
        }
    }
}
