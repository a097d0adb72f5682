import Foundation
import NN
import TensorCore

/// The state of a run after an epoch, enough to continue it exactly: every trained tensor,
/// AdamW's moments and step, the dropout stream's position, and the history so far.
///
/// Layout: `DIR/checkpoints/epoch-N/` holding `parameters.safetensors`, `optimizer.safetensors`
/// and `state.json`. Each is written into a temporary folder that is renamed into place once
/// complete, so a crash leaves the previous epoch's checkpoint whole.
struct TrainingCheckpoint {
    /// What `state.json` holds.
    struct State: Codable {
        var configuration: TrainingConfiguration
        var completedEpochs: Int
        var step: Int
        var optimizerStep: Int
        var dropout: RandomGenerator
        var history: [EpochSummary]
    }

    static func folder(_ directory: URL) -> URL { directory.appendingPathComponent("checkpoints") }

    /// Writes the checkpoint of `state` and removes older ones.
    static func save(_ state: State, parameters: [(name: String, tensor: Tensor)], optimizer: AdamW, to directory: URL) throws {
        let root = folder(directory)
        let final = root.appendingPathComponent("epoch-\(state.completedEpochs)")
        let temporary = root.appendingPathComponent(".epoch-\(state.completedEpochs).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: temporary)
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        try SafeTensors.write(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.tensor) }),
                              to: temporary.appendingPathComponent("parameters.safetensors"))
        try SafeTensors.write(optimizer.state.tensors, to: temporary.appendingPathComponent("optimizer.safetensors"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(state), to: temporary.appendingPathComponent("state.json"))
        try? FileManager.default.removeItem(at: final)
        try FileManager.default.moveItem(at: temporary, to: final)
        // Older checkpoints are superseded.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where name != final.lastPathComponent {
            try? FileManager.default.removeItem(at: root.appendingPathComponent(name))
        }
    }

    /// The newest complete checkpoint under `directory`, if any.
    static func latest(in directory: URL) -> URL? {
        let root = folder(directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let epochs = names.compactMap { name -> Int? in
            guard name.hasPrefix("epoch-"), let epoch = Int(name.dropFirst(6)),
                  FileManager.default.fileExists(atPath: root.appendingPathComponent("\(name)/state.json").path)
            else { return nil }
            return epoch
        }
        return epochs.max().map { root.appendingPathComponent("epoch-\($0)") }
    }

    /// Restores `parameters` and `optimizer` from `checkpoint`; returns its state.
    static func restore(_ checkpoint: URL, parameters: [(name: String, tensor: Tensor)], optimizer: AdamW) throws -> State {
        func unusable(_ reason: String) -> TrainingError { .unusableCheckpoint(path: checkpoint.path, reason: reason) }
        let state: State
        do {
            state = try JSONDecoder().decode(State.self, from: Data(contentsOf: checkpoint.appendingPathComponent("state.json")))
        } catch {
            throw unusable("state.json is unreadable (\(error))")
        }
        let saved = try SafeTensors.read(checkpoint.appendingPathComponent("parameters.safetensors"))
        for (name, tensor) in parameters {
            guard let value = saved[name], value.shape == tensor.shape else {
                throw unusable("parameter \(name) \(tensor.shape) is missing or has another shape; was the model changed?")
            }
            tensor.data.update(from: value.data, count: value.count)
        }
        try optimizer.restore(step: state.optimizerStep,
                              tensors: SafeTensors.read(checkpoint.appendingPathComponent("optimizer.safetensors")))
        return state
    }
}
