import Foundation

/// A fresh folder under the system's temporary directory, removed when the value is released.
final class TemporaryDirectory {
    /// The folder.
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("TasksTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` (UTF-8) to `relativePath`, creating folders; returns the file's URL.
    @discardableResult
    func write(_ relativePath: String, _ text: String, byteOrderMark: Bool = false) throws -> URL {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        var data = Data(byteOrderMark ? [0xEF, 0xBB, 0xBF] : [])
        data.append(Data(text.utf8))
        try data.write(to: file)
        return file
    }

    /// Writes tab-separated rows, one line each, with a final newline.
    @discardableResult
    func writeTSV(_ relativePath: String, _ rows: [[String]], byteOrderMark: Bool = false) throws -> URL {
        try write(relativePath, rows.map { $0.joined(separator: "\t") + "\n" }.joined(), byteOrderMark: byteOrderMark)
    }
}
