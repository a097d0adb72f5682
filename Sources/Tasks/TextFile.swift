import Foundation

/// Reading a task file as bytes, with the errors a user can cause.
enum TextFile {
    /// The bytes of `url` without a leading UTF-8 byte order mark (as Python's "utf-8-sig":
    /// GLUE's MRPC train.tsv and dev.tsv start with one, inherited from msr_paraphrase_train.txt).
    static func bytes(of url: URL, expected: String) throws(TaskError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .missingFile(url, expected: expected)
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(url, reason: "\(error.localizedDescription)")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return bytes
    }

    /// `bytes` decoded as UTF-8, or an error naming the file and line.
    static func string(_ bytes: ArraySlice<UInt8>, url: URL, line: Int) throws(TaskError) -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw .unreadableFile(url, reason: "invalid UTF-8 on line \(line)")
        }
        return string
    }
}
