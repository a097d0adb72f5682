import ArgumentParser
import Search

/// `--lease` and `--poll`: how a process shares a search's work with others (`WorkPolicy`), for search and worker.
/// Placement options: they belong to the process, not to the study, and are never saved with it.
struct WorkOptions: ParsableArguments {
    @Option(help: "Seconds a claimed candidate or finalist is held without a heartbeat before another process may take it over.")
    var lease: Double = WorkPolicy().lease
    @Option(help: "Seconds between looks for work while every item is held by another process.")
    var poll: Double = WorkPolicy().poll

    func validate() throws {
        try WorkPolicy.check(lease: lease)
        try WorkPolicy.check(poll: poll)
    }

    var policy: WorkPolicy { WorkPolicy(lease: lease, poll: poll) }

    /// The arguments that give this policy to another command.
    var arguments: [String] { ["--lease", String(lease), "--poll", String(poll)] }
}
