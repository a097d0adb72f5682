import Foundation
import NN
import TensorCore
import XCTest

/// Reading and writing safetensors, and the errors for malformed files.
final class SafeTensorsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testRoundTrip() throws {
        let tensors = ["b.weight": Tensor.normal([3, 4], seed: 1), "a": Tensor.normal([5], seed: 2), "scalar": Tensor.scalar(3)]
        let url = directory.appendingPathComponent("model.safetensors")
        try SafeTensors.write(tensors, to: url)
        let read = try SafeTensors.read(url)
        XCTAssertEqual(Set(read.keys), Set(tensors.keys))
        for (name, tensor) in tensors {
            XCTAssertEqual(read[name]?.shape, tensor.shape, name)
            XCTAssertEqual(read[name]?.scalars, tensor.scalars, name)
        }
        XCTAssertEqual(try SafeTensors.metadata(url), ["format": "pt"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("tmp") }
        XCTAssertEqual(leftovers, [], "the atomic write leaves no temporary file")
    }

    /// Builds a file from a header object and raw data bytes.
    func file(_ header: String, data: [UInt8]) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(Data(header.utf8))
        bytes.append(contentsOf: data)
        return bytes
    }

    func testHalfPrecisionIsWidened() throws {
        // 1.5 in F16 is 0x3E00; in BF16 it is 0x3FC0. Little-endian.
        let half = file(#"{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: [0x00, 0x3E, 0x00, 0xBC])
        XCTAssertEqual(try SafeTensors.decode(half, file: "half").values.first?.scalars, [1.5, -1])
        let brain = file(#"{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, data: [0xC0, 0x3F, 0x80, 0xBF])
        XCTAssertEqual(try SafeTensors.decode(brain, file: "bf16").values.first?.scalars, [1.5, -1])
    }

    func testMalformedFilesNameTheProblem() {
        let cases: [(String, Data, String)] = [
            ("too short", Data([1, 2, 3]), "expected at least an 8-byte header length"),
            ("header past end", Data([200, 0, 0, 0, 0, 0, 0, 0, 0x7B]), "header length 200 runs past the end"),
            ("not JSON", file("{nope", data: []), "header is not valid JSON"),
            ("bad entry", file(#"{"x":{"dtype":"F32"}}"#, data: []), "tensor \"x\": expected {\"dtype\""),
            ("dtype", file(#"{"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
             "unsupported dtype F64; expected F32, F16, BF16, I64 or I32"),
            ("offsets", file(#"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: Array(repeating: 0, count: 8)),
             "data_offsets [0, 16] outside the 8 data bytes"),
            ("size", file(#"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)),
             "8 bytes for shape [3] of F32; expected 12"),
        ]
        let zeros = Array(repeating: UInt8(0), count: 16)
        let more: [(String, Data, String)] = [
            ("shape overflow", file(#"{"x":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}}"#, data: zeros),
             "tensor \"x\": shape [4294967296, 4294967296, 16] of F32 has more bytes than an Int counts; expected at most the file's 16 data bytes"),
            ("overlap", file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, data: zeros),
             "tensor \"b\": data_offsets [8, 16] overlap tensor \"a\" (which ends at 12); expected tensors that do not share bytes"),
            ("same bytes", file(#"{"b":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: zeros),
             "tensor \"b\": data_offsets [0, 16] overlap tensor \"a\" (which ends at 16)"),
            ("hole", file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, data: zeros),
             "tensor \"b\": data_offsets [8, 16] leave bytes 4..<8 unused"),
            ("trailing", file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: zeros),
             "the tensors end at data byte 8 but the file has 16; expected no bytes after the last tensor"),
        ]
        for (label, data, expected) in cases + more {
            XCTAssertThrowsError(try SafeTensors.decode(data, file: "bad.safetensors"), label) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("bad.safetensors: "), "\(label): \(message)")
                XCTAssertTrue(message.contains(expected), "\(label): \(message)")
            }
        }
        XCTAssertThrowsError(try SafeTensors.read(directory.appendingPathComponent("absent.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("absent.safetensors: cannot be read"), "\(error)")
        }
    }

    func testTheFirstErrorIsTheSameOnEveryRun() {
        // Many malformed tensors: the error names the first by name, whatever the dictionary's order.
        let entries = (0..<40).map { #""t\#($0)":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}"# }.joined(separator: ",")
        let data = file("{\(entries)}", data: Array(repeating: 0, count: 8))
        for _ in 0..<5 {
            XCTAssertThrowsError(try SafeTensors.decode(data, file: "f")) { XCTAssertEqual("\($0)", "f: tensor \"t0\": 8 bytes for shape [1] of F32; expected 4") }
        }
    }

    func testAFolderWhereTheFileShouldBeIsNamed() throws {
        let folder = directory.appendingPathComponent("model.safetensors")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        XCTAssertThrowsError(try SafeTensors.read(folder)) { error in
            XCTAssertEqual("\(error)", "\(folder.path): is a folder; expected a safetensors file")
        }
    }
}
