import Foundation
import Models

/// Latency measured by a user's command, for hardware KDNAS does not run on (a GPU, a phone).
///
/// The candidate is exported as a temporary Hugging Face checkpoint folder; `{model_dir}` in the
/// command is replaced by its path (shell-quoted) and the command runs under `/bin/sh -c`. The
/// last number the command prints on standard output is the latency in milliseconds. A failure
/// is returned, never thrown past the candidate: a search records it and goes on.
public struct ExternalLatency: Sendable {
    public let command: String
    public let timeout: TimeInterval

    public init(command: String, timeout: TimeInterval = 600) throws(ExternalLatencyError) {
        guard command.contains("{model_dir}") else { throw .invalidCommand(command) }
        guard timeout.isFinite, timeout > 0 else { throw .invalidTimeout(timeout) }
        (self.command, self.timeout) = (command, timeout)
    }

    /// Exports `model` (with the tokenizer files of `tokenizerSource`), runs the command, reads its answer.
    public func measure(_ model: BertForSequenceClassification, tokenizerSource: URL?) -> Result<Double, ExternalLatencyError> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kdnas-latency-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try BertCheckpoint.save(model, to: folder, tokenizerSource: tokenizerSource)
        } catch {
            return .failure(.export(String(describing: error)))
        }
        return run(modelDirectory: folder.path)
    }

    /// Runs the command on an existing checkpoint folder.
    public func run(modelDirectory: String) -> Result<Double, ExternalLatencyError> {
        let quoted = "'" + modelDirectory.replacingOccurrences(of: "'", with: "'\\''") + "'"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command.replacingOccurrences(of: "{model_dir}", with: quoted)]
        let output = Pipe(), errors = Pipe()
        (process.standardOutput, process.standardError) = (output, errors)
        // Read both pipes while the command runs, so a chatty command cannot block on a full pipe.
        let collected = Collected()
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData, error: false) }
        errors.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData, error: true) }
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            return .failure(.launch(String(describing: error)))
        }
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
            return .failure(.timedOut(seconds: timeout))
        }
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
        collected.append(output.fileHandleForReading.readDataToEndOfFile(), error: false)
        collected.append(errors.fileHandleForReading.readDataToEndOfFile(), error: true)
        let (stdout, stderr) = collected.text
        guard process.terminationStatus == 0 else {
            return .failure(.failed(status: process.terminationStatus, output: Self.tail(stderr.isEmpty ? stdout : stderr)))
        }
        // The path holds digits (a UUID) and is often echoed: only what the command printed besides it counts.
        guard let milliseconds = Self.lastNumber(in: stdout.replacingOccurrences(of: modelDirectory, with: " ")),
              milliseconds.isFinite, milliseconds > 0 else {
            return .failure(.notANumber(output: Self.tail(stdout)))
        }
        return .success(milliseconds)
    }

    /// The last decimal number in `text` ("latency: 12.5 ms" gives 12.5; "1e3" gives 1000); the
    /// caller removes the model folder's path first.
    static func lastNumber(in text: String) -> Double? {
        let pattern = #/[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/#
        return text.matches(of: pattern).last.flatMap { Double($0.output) }
    }

    /// The last 200 characters, for an error message.
    static func tail(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count > 200 ? "…" + trimmed.suffix(200) : trimmed
    }
}

/// Output gathered from the handlers of two pipes.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var output = Data(), errors = Data()

    func append(_ data: Data, error: Bool) {
        lock.withLock { if error { errors.append(data) } else { output.append(data) } }
    }

    var text: (String, String) {
        lock.withLock { (String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self)) }
    }
}

/// Why an external latency measurement gave no number.
public enum ExternalLatencyError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidCommand(String)
    case invalidTimeout(TimeInterval)
    case export(String)
    case launch(String)
    case failed(status: Int32, output: String)
    case timedOut(seconds: TimeInterval)
    case notANumber(output: String)

    public var description: String {
        switch self {
        case .invalidCommand(let command): "--latency-command \(command): expected {model_dir} where the exported checkpoint's path goes"
        case .invalidTimeout(let seconds): "--latency-timeout \(seconds): expected a positive, finite number of seconds"
        case .export(let reason): "latency command: could not export the candidate: \(reason)"
        case .launch(let reason): "latency command: could not start /bin/sh: \(reason)"
        case .failed(let status, let output): "latency command: exited with status \(status): \(output)"
        case .timedOut(let seconds): "latency command: no answer within \(Int(seconds)) s; killed"
        case .notANumber(let output): "latency command: printed no positive number of milliseconds (output: \"\(output)\")"
        }
    }
}
