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
        /// Batches per epoch: a resumed run must see the same data.
        var stepsPerEpoch: Int
        var completedEpochs: Int
        /// Updates so far (AdamW's step count too).
        var step: Int
        var dropout: RandomGenerator
        var history: [EpochSummary]
    }

    /// JSON that carries NaN and infinite metrics (Pearson of constant predictions) as strings.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()

    static func folder(_ directory: URL) -> URL { directory.appendingPathComponent("checkpoints") }

    /// Writes the checkpoint of `state` and removes older ones.
    static func save(_ state: State, parameters: [(name: String, tensor: Tensor)], optimizer: AdamW, to directory: URL) throws {
        optimizer.synchronize()  // the parameters are written before the moments: no row may be behind
        let root = folder(directory)
        let final = root.appendingPathComponent("epoch-\(state.completedEpochs)")
        let temporary = root.appendingPathComponent(".epoch-\(state.completedEpochs).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: temporary)
        try OutputFolder.create(temporary)
        do {
            try SafeTensors.write(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.tensor) }),
                                  to: temporary.appendingPathComponent("parameters.safetensors"))
            try SafeTensors.write(optimizer.state.tensors, to: temporary.appendingPathComponent("optimizer.safetensors"))
            try AtomicFile.write(encoder.encode(state), to: temporary.appendingPathComponent("state.json"))
            try? FileManager.default.removeItem(at: final)
            if rename(temporary.path, final.path) != 0 {
                throw OutputPathError(path: final.path, problem: "cannot be renamed into place (\(String(cString: strerror(errno))))")
            }
        } catch {
            // A half-written checkpoint is of no use and, on a full disk, holds the space a retry needs.
            try? FileManager.default.removeItem(at: temporary)
            let failure = OutputPathError.writeFailed(final.path, error)
            let kept = state.completedEpochs > 1 ? "; the checkpoint of epoch \(state.completedEpochs - 1) is kept, and --resume continues from it" : ""
            throw OutputPathError(path: failure.path, problem: failure.problem + kept)
        }
        removeAll(in: directory, except: final)
    }

    /// Removes everything under `DIR/checkpoints` but `kept`: superseded checkpoints, and what a killed
    /// run left (a temporary folder, an older checkpoint it was deleting), which can be as large as a checkpoint.
    static func removeAll(in directory: URL, except kept: URL?) {
        let root = folder(directory)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where name != kept?.lastPathComponent {
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

    /// Rewrites the `state.json` of the newest checkpoint (the epoch's metrics, once evaluated).
    static func updateState(_ state: State, in directory: URL) throws {
        let file = folder(directory).appendingPathComponent("epoch-\(state.completedEpochs)/state.json")
        try AtomicFile.write(encoder.encode(state), to: file)
    }

    /// Restores `parameters` and `optimizer` from `checkpoint` when it was made by the same
    /// recipe on the same data; returns its state. Everything is read and checked before
    /// anything is copied, so a refused checkpoint leaves the model as it was.
    static func restore(_ checkpoint: URL, expecting configuration: TrainingConfiguration, stepsPerEpoch: Int,
                        parameters: [(name: String, tensor: Tensor)], optimizer: AdamW) throws -> State {
        func unusable(_ reason: String) -> TrainingError { .unusableCheckpoint(path: checkpoint.path, reason: reason) }
        let state: State
        do {
            state = try decoder.decode(State.self, from: Data(contentsOf: checkpoint.appendingPathComponent("state.json")))
        } catch {
            throw unusable("state.json is unreadable (\(error))")
        }
        guard state.configuration == configuration else {
            throw unusable("it was made with other settings (\(state.configuration)); use the same options or a new output folder")
        }
        guard state.stepsPerEpoch == stepsPerEpoch else {
            throw unusable("it had \(state.stepsPerEpoch) batches per epoch, this data gives \(stepsPerEpoch); was the training set changed?")
        }
        let saved = try SafeTensors.read(checkpoint.appendingPathComponent("parameters.safetensors"))
        for (name, tensor) in parameters where saved[name]?.shape != tensor.shape {
            throw unusable("parameter \(name) \(tensor.shape) is missing or has another shape; was the model changed?")
        }
        let moments = try SafeTensors.read(checkpoint.appendingPathComponent("optimizer.safetensors"))
        try optimizer.restore(step: state.step, tensors: moments)
        for (name, tensor) in parameters { tensor.data.update(from: saved[name]!.data, count: tensor.count) }
        return state
    }
}
