import Foundation
import NN
import TensorCore

/// The KD-NAS controller: an LSTM that reads a candidate as one choice token per search dimension
/// and predicts its reward (shared/METHOD.md). Each dimension has its own embedding table; the
/// LSTM's last hidden state goes through a linear map to a scalar. Trained by mean squared error
/// on every (candidate, reward) measured so far, with Adam.
public final class RewardController {
    public let embeddingWidth: Int
    public let hiddenWidth: Int
    /// One [choices, E] table per dimension.
    let embeddings: [Tensor]
    /// Input and recurrent weights [E, 4H] and [H, 4H], bias [4H]; gates in the order i, f, g, o.
    let inputWeight: Tensor, recurrentWeight: Tensor, bias: Tensor
    /// Output map [H, 1] and bias [1].
    let outputWeight: Tensor, outputBias: Tensor
    let optimizer: AdamW
    public let learningRate: Float

    /// A controller for dimensions with `choices` values each, initialised from `seed`.
    public init(choices: [Int], embeddingWidth: Int = 32, hiddenWidth: Int = 32, learningRate: Float = 1e-3, seed: UInt64) {
        (self.embeddingWidth, self.hiddenWidth, self.learningRate) = (embeddingWidth, hiddenWidth, learningRate)
        let scale = 1 / Float(hiddenWidth).squareRoot()
        let tables = choices.enumerated().map { index, count in
            Tensor.normal([count, embeddingWidth], std: 1, seed: seed &+ UInt64(index), requiresGrad: true)
        }
        let weights = [
            Tensor.uniform([embeddingWidth, 4 * hiddenWidth], low: -scale, high: scale, seed: seed &+ 101, requiresGrad: true),
            Tensor.uniform([hiddenWidth, 4 * hiddenWidth], low: -scale, high: scale, seed: seed &+ 102, requiresGrad: true),
            Tensor.zeros([4 * hiddenWidth], requiresGrad: true),
            Tensor.uniform([hiddenWidth, 1], low: -scale, high: scale, seed: seed &+ 103, requiresGrad: true),
            Tensor.zeros([1], requiresGrad: true),
        ]
        embeddings = tables
        (inputWeight, recurrentWeight, bias, outputWeight, outputBias) = (weights[0], weights[1], weights[2], weights[3], weights[4])
        optimizer = AdamW(Array(zip(Self.names(choices.count), tables + weights)), weightDecay: 0)
    }

    private static func names(_ dimensions: Int) -> [String] {
        (0..<dimensions).map { "embedding.\($0)" } + ["lstm.weight_ih", "lstm.weight_hh", "lstm.bias", "head.weight", "head.bias"]
    }

    /// Every trained tensor with its name.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        Array(zip(Self.names(embeddings.count), embeddings + [inputWeight, recurrentWeight, bias, outputWeight, outputBias]))
    }

    /// Predicted rewards [N] of candidates given as choice indices (dimension order).
    public func callAsFunction(_ candidates: [[Int]]) -> Tensor {
        let n = candidates.count
        var hidden = Tensor.zeros([n, hiddenWidth])
        var cell = Tensor.zeros([n, hiddenWidth])
        let w = hiddenWidth
        for (dimension, table) in embeddings.enumerated() {
            let x = Tensor.embedding(table, ids: candidates.map { $0[dimension] }, shape: [n])      // [N, E]
            let gates = x.matmul(inputWeight) + hidden.matmul(recurrentWeight) + bias            // [N, 4H]
            let i = Self.sigmoid(gates.slice(axis: 1, 0..<w))
            let f = Self.sigmoid(gates.slice(axis: 1, w..<2 * w))
            let g = gates.slice(axis: 1, 2 * w..<3 * w).tanh()
            let o = Self.sigmoid(gates.slice(axis: 1, 3 * w..<4 * w))
            cell = f * cell + i * g
            hidden = o * cell.tanh()
        }
        return (hidden.matmul(outputWeight) + outputBias).reshaped([n])
    }

    /// σ(x) = (1 + tanh(x/2)) / 2.
    static func sigmoid(_ x: Tensor) -> Tensor { ((x * 0.5).tanh() + 1) * 0.5 }

    /// Predicted rewards as numbers.
    public func predict(_ candidates: [[Int]]) -> [Double] {
        guard !candidates.isEmpty else { return [] }
        return Autograd.noGrad { self(candidates) }.scalars.map(Double.init)
    }

    /// `steps` full-batch Adam steps of MSE on (candidate, reward) pairs; returns the last loss.
    @discardableResult
    public func train(_ candidates: [[Int]], rewards: [Double], steps: Int) -> Double {
        guard !candidates.isEmpty else { return 0 }
        let target = Tensor(rewards.map(Float.init), shape: [rewards.count])
        var last = 0.0
        for _ in 0..<steps {
            let loss = Tensor.meanSquaredError(self(candidates), target)
            last = Double(loss.item)
            loss.backward()
            Autograd.noGrad { optimizer.update(lr: learningRate) }
            for (_, p) in namedParameters { p.zeroGrad() }
        }
        return last
    }

    /// Weights, Adam moments and step as bytes: restored exactly by `restore(_:)`.
    public func state() -> Data {
        var data = Data()
        var step = Int64(optimizer.state.step)
        withUnsafeBytes(of: &step) { data.append(contentsOf: $0) }
        let moments = optimizer.state.tensors
        for (name, tensor) in namedParameters {
            for source in [tensor, moments["\(name).exp_avg"]!, moments["\(name).exp_avg_sq"]!] {
                data.append(UnsafeBufferPointer(start: source.data, count: source.count))
            }
        }
        return data
    }

    /// Restores a `state()`; throws when its size does not fit this controller.
    public func restore(_ data: Data) throws {
        let floats = namedParameters.reduce(0) { $0 + 3 * $1.tensor.count }
        guard data.count == 8 + floats * 4 else {
            throw SearchError.corruptState("controller state has \(data.count) bytes; expected \(8 + floats * 4)")
        }
        let step = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
        var values = data.dropFirst(8).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }[...]
        var moments: [String: Tensor] = [:]
        for (name, tensor) in namedParameters {
            let count = tensor.count
            tensor.data.update(from: Array(values.prefix(count)), count: count)
            values = values.dropFirst(count)
            moments["\(name).exp_avg"] = Tensor(Array(values.prefix(count)), shape: tensor.shape)
            values = values.dropFirst(count)
            moments["\(name).exp_avg_sq"] = Tensor(Array(values.prefix(count)), shape: tensor.shape)
            values = values.dropFirst(count)
        }
        try optimizer.restore(step: Int(step), tensors: moments)
    }
}
