import ArgumentParser

/// The `kdnas` command: finds and trains the best small transformer for a task and a latency budget.
public struct KDNAS: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kdnas",
        abstract: "Knowledge-distillation-guided neural architecture search for small transformers.",
        discussion: """
            KDNAS searches student encoder shapes (layers, hidden size, heads, FFN size, activation),
            distils each candidate from a fine-tuned teacher, and rewards accuracy against latency.
            """,
        version: "0.1.0",
        subcommands: [
            InfoCommand.self, InspectCommand.self, TokenizeCommand.self, EmbedCommand.self, PredictCommand.self,
            ThroughputCommand.self, LatencyCommand.self, FinetuneCommand.self, EvaluateCommand.self, DistillCommand.self,
            SearchCommand.self, WorkerCommand.self, StatusCommand.self, ReportCommand.self,
        ]
    )

    public init() {}
}

extension KDNAS {
    /// The arguments to parse: `kdnas search --resume RUN` expands to the run's saved options.
    public static func arguments(_ commandLine: [String]) throws -> [String] {
        try SearchCommand.expandingResume(Array(commandLine.dropFirst()))
    }
}
