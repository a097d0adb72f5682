import Foundation
import XCTest

/// Paths of the repository that holds these tests, found from this file's location.
enum RepositoryPaths {
    /// The repository root: this file is `Tests/TextTests/RepositoryPaths.swift`.
    ///
    /// Symlinks are resolved first, so a scratch package that links `Tests/TextTests` still
    /// finds the real repository (and its git-ignored `cache/`).
    static let root: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `cache/minilm/`, written by `scripts/setup-data.sh`.
    static let miniLMDirectory = root.appendingPathComponent("cache/minilm")

    /// `cache/fixtures/`, written by `scripts/reference/make_tokenizer_fixtures.py`.
    static let fixtureCache = root.appendingPathComponent("cache/fixtures")

    /// The real MiniLM tokenizer folder, or an `XCTSkip` saying how to get it.
    static func requireMiniLM() throws -> URL {
        let vocabulary = miniLMDirectory.appendingPathComponent("vocab.txt")
        guard FileManager.default.fileExists(atPath: vocabulary.path) else {
            throw XCTSkip("cache/minilm/vocab.txt not found; run scripts/setup-data.sh to fetch the MiniLM tokenizer")
        }
        return miniLMDirectory
    }
}
