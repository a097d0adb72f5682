import Foundation

/// Element-wise kernels on raw buffers, split across threads for large counts.
///
/// Each takes pointers and a count; outputs may alias inputs element for element.
enum Kernels {
    /// Elements per chunk below which a loop stays on one thread.
    static let grain = 32_768

    /// out[i] = f(x[i]).
    static func map(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
                    _ f: @escaping (Float) -> Float) {
        let x = SendablePointer(x), out = SendablePointer(out)
        Parallel.forChunks(count, grain: grain) { start, end in
            for i in start..<end { out.base[i] = f(x.base[i]) }
        }
    }

    /// out[i] = f(x[i], y[i]).
    static func zip(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                    count: Int, _ f: @escaping (Float, Float) -> Float) {
        let x = SendablePointer(x), y = SendablePointer(y), out = SendablePointer(out)
        Parallel.forChunks(count, grain: grain) { start, end in
            for i in start..<end { out.base[i] = f(x.base[i], y.base[i]) }
        }
    }

    /// out[i] = x[i] + y[i].
    static func add(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        zip(x, y, into: out, count: count, +)
    }
}
