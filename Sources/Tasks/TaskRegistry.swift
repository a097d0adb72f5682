import Foundation

/// The tasks known by name: the nine GLUE tasks and the bundled `rotten-tomatoes`.
///
///     let task = try TaskRegistry.task(named: "mrpc", glueDirectory: glueData, cacheRoot: cache)
///     let dev = try task.load(.dev)
///
/// Generic CSV/TSV/JSONL tasks need column names and are made with `GenericTask` directly.
public enum TaskRegistry {
    /// The GLUE task names, as transformers spells them.
    public static let glueTaskNames: [String] = GLUETaskKind.allCases.map(\.name)

    /// Every registered name.
    public static var names: [String] { glueTaskNames + [RottenTomatoesTask.name] }

    /// The definition (labels, metrics) of a registered task, without touching any file.
    public static func definition(named name: String) throws(TaskError) -> TaskDefinition {
        if let kind = GLUETaskKind(name: name) { return kind.definition }
        if name.lowercased() == RottenTomatoesTask.name { return RottenTomatoesTask.definition }
        throw .unknownTask(name, known: names)
    }

    /// The task called `name`.
    ///
    /// - Parameters:
    ///   - glueDirectory: the `glue_data` folder holding one folder per task (CoLA, SST-2, ...);
    ///     nil means `cacheRoot/glue_data`. A task's own folder is accepted too.
    ///   - cacheRoot: the project's `cache/` folder (Rotten Tomatoes' source and split cache).
    ///   - skipMalformedRows: see `GLUETask.skipMalformedRows` (GLUE tasks only).
    public static func task(named name: String, glueDirectory: URL? = nil, cacheRoot: URL,
                            skipMalformedRows: Bool = false) throws(TaskError) -> any TaskSource {
        if name.lowercased() == RottenTomatoesTask.name { return RottenTomatoesTask(cacheRoot: cacheRoot) }
        guard let kind = GLUETaskKind(name: name) else { throw .unknownTask(name, known: names) }
        let root = glueDirectory ?? cacheRoot.appendingPathComponent("glue_data")
        let nested = root.appendingPathComponent(kind.folderName)
        let directory: URL
        if FileManager.default.fileExists(atPath: nested.path) {
            directory = nested
        } else if root.lastPathComponent.lowercased() == kind.folderName.lowercased() {
            directory = root
        } else {
            throw .missingDirectory(nested, task: "GLUE \(kind.folderName)")
        }
        return GLUETask(kind, directory: directory, skipMalformedRows: skipMalformedRows)
    }
}
