import Foundation
import TensorCore

/// Reads and writes the safetensors format of Hugging Face checkpoints.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the data after the header),
/// an optional `"__metadata__"` object of strings, then the row-major little-endian data.
/// F32 is read as is; F16, BF16 and the integer buffers some checkpoints carry (I64, I32, such
/// as `position_ids`) are converted to F32. Writes are F32 and atomic. As the format requires, the
/// tensors' byte ranges must cover the data exactly, without overlaps or holes.
public enum SafeTensors {
    /// Every tensor of the file at `url`, by name.
    public static func read(_ url: URL) throws(SafeTensorsError) -> [String: Tensor] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw SafeTensorsError(file: url.path, problem: "is a folder; expected a safetensors file")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw SafeTensorsError(file: url.path, problem: "cannot be read: \(error.localizedDescription)")
        }
        return try decode(data, file: url.path)
    }

    /// Every tensor of safetensors bytes; `file` names the source in errors.
    public static func decode(_ data: Data, file: String) throws(SafeTensorsError) -> [String: Tensor] {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(file: file, problem: problem) }
        guard data.count >= 8 else { throw fail("is \(data.count) bytes long; expected at least an 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail("header length \(headerLength) runs past the end of the file (\(data.count) bytes)")
        }
        let headerEnd = 8 + Int(headerLength)
        let header: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) as? [String: Any] else {
                throw fail("header is not a JSON object")
            }
            header = object
        } catch let error as SafeTensorsError { throw error } catch {
            throw fail("header is not valid JSON: \(error.localizedDescription)")
        }
        let dataLength = data.count - headerEnd
        // Entries are checked by name, then their data by offset: the first error is the same on every
        // run (a dictionary's order is not).
        var entries: [(name: String, dtype: DType, shape: [Int], count: Int, begin: Int, end: Int)] = []
        for name in header.keys.sorted() where name != "__metadata__" {
            guard let entry = header[name] as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw fail("tensor \"\(name)\": expected {\"dtype\": string, \"shape\": [int], \"data_offsets\": [begin, end]}")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw fail("tensor \"\(name)\": unsupported dtype \(dtypeName); expected F32, F16, BF16, I64 or I32")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor \"\(name)\": negative dimension in shape \(shape)") }
            // The element count and byte size in checked arithmetic: a crafted shape must not overflow Int.
            var count = 1, overflow = false
            for dimension in shape where !overflow { (count, overflow) = count.multipliedReportingOverflow(by: dimension) }
            let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, !bytesOverflow else {
                throw fail("tensor \"\(name)\": shape \(shape) of \(dtypeName) has more bytes than an Int counts; expected at most the file's \(dataLength) data bytes")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw fail("tensor \"\(name)\": data_offsets [\(begin), \(end)] outside the \(dataLength) data bytes")
            }
            guard end - begin == bytes else {
                throw fail("tensor \"\(name)\": \(end - begin) bytes for shape \(shape) of \(dtypeName); expected \(bytes)")
            }
            entries.append((name, dtype, shape, count, begin, end))
        }
        // The format forbids overlaps and holes: in offset order, each tensor starts where the previous
        // one ends, and the last ends at the end of the file.
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0, previous: String?
        for entry in entries {
            guard entry.begin == position else {
                throw fail(entry.begin < position
                    ? "tensor \"\(entry.name)\": data_offsets [\(entry.begin), \(entry.end)] overlap tensor \"\(previous!)\" (which ends at \(position)); expected tensors that do not share bytes"
                    : "tensor \"\(entry.name)\": data_offsets [\(entry.begin), \(entry.end)] leave bytes \(position)..<\(entry.begin) unused; expected each tensor to start where the previous one ends")
            }
            (position, previous) = (entry.end, entry.name)
        }
        guard position == dataLength else {
            throw fail("the tensors end at data byte \(position) but the file has \(dataLength); expected no bytes after the last tensor")
        }
        var tensors: [String: Tensor] = [:]
        for entry in entries {
            let tensor = Tensor.zeros(entry.shape)
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let source = raw.baseAddress! + headerEnd + entry.begin
                entry.dtype.widen(source, into: tensor.data, count: entry.count)
            }
            tensors[entry.name] = tensor
        }
        return tensors
    }

    /// The `__metadata__` strings of the file at `url`, if it has any.
    public static func metadata(_ url: URL) throws(SafeTensorsError) -> [String: String] {
        guard let handle = try? FileHandle(forReadingFrom: url), let lengthBytes = try? handle.read(upToCount: 8),
              lengthBytes.count == 8
        else { throw SafeTensorsError(file: url.path, problem: "cannot read the header length") }
        let length = lengthBytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length < 100_000_000, let headerData = try? handle.read(upToCount: Int(length)),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any]
        else { throw SafeTensorsError(file: url.path, problem: "header is not a JSON object") }
        return header["__metadata__"] as? [String: String] ?? [:]
    }

    /// The safetensors bytes of `tensors` as F32, names sorted, with `metadata`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = ["format": "pt"]) -> Data {
        var header: [String: Any] = metadata.isEmpty ? [:] : ["__metadata__": metadata]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let tensor = tensors[name]!
            let bytes = tensor.count * 4
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var headerData = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        while headerData.count % 8 != 0 { headerData.append(0x20) }
        var data = Data(capacity: 8 + headerData.count + offset)
        withUnsafeBytes(of: UInt64(headerData.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(headerData)
        for name in names {
            let tensor = tensors[name]!
            data.append(UnsafeBufferPointer(start: tensor.data, count: tensor.count))
        }
        return data
    }

    /// Writes `tensors` to `url` atomically (a temporary file, then a rename).
    public static func write(_ tensors: [String: Tensor], to url: URL, metadata: [String: String] = ["format": "pt"]) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: url)
    }

    /// Element types KDNAS reads.
    enum DType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64", i32 = "I32"

        var size: Int {
            switch self {
            case .f32, .i32: 4
            case .f16, .bf16: 2
            case .i64: 8
            }
        }

        /// Converts `count` little-endian elements at `source` (any alignment) to Float.
        func widen(_ source: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>, count: Int) {
            switch self {
            case .f32:
                UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
            case .f16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    destination[i] = Float(Float16(bitPattern: bits))
                }
            case .bf16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    destination[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            case .i64:
                for i in 0..<count { destination[i] = Float(Int64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
            case .i32:
                for i in 0..<count { destination[i] = Float(Int32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            }
        }
    }
}

/// A safetensors file that cannot be read: which file, and what is wrong with it.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file's path.
    public let file: String
    /// What is wrong, naming the tensor and what was expected.
    public let problem: String

    public var description: String { "\(file): \(problem)" }
}
