import Foundation
import TestSupport

/// The real MiniLM tokenizer folder (`cache/minilm`, from scripts/setup-data.sh): skips the test
/// without it on a developer's machine, fails it in CI.
func requireMiniLM() throws -> URL {
    try Repository.requireCache("minilm/vocab.txt", makeWith: "scripts/setup-data.sh").deletingLastPathComponent()
}
