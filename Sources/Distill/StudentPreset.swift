import Foundation
import Models

/// Student shapes by name, relative to the teacher, or from a config.json.
public enum StudentPreset {
    /// The names `config(_:teacher:)` knows.
    public static let names = ["half", "L<n> (n teacher-wide layers)", "small (4 layers, hidden 256, 4 heads, FFN 1024)",
                               "tiny (2 layers, hidden 128, 2 heads, FFN 512)"]

    /// The student config named `spec` (a preset, or a path to a config.json), with the teacher's
    /// vocabulary, positions and labels.
    public static func config(_ spec: String, teacher: BertConfig) throws -> BertConfig {
        var student = teacher
        switch spec.lowercased() {
        case "half":
            student.numHiddenLayers = max(1, teacher.numHiddenLayers / 2)
        case "small":
            (student.numHiddenLayers, student.hiddenSize, student.numAttentionHeads, student.intermediateSize) = (4, 256, 4, 1024)
        case "tiny":
            (student.numHiddenLayers, student.hiddenSize, student.numAttentionHeads, student.intermediateSize) = (2, 128, 2, 512)
        case let name where name.hasPrefix("l") && Int(name.dropFirst()) != nil:
            student.numHiddenLayers = Int(name.dropFirst())!
        default:
            let url = URL(fileURLWithPath: spec)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw DistillationError.invalid("--student \(spec)", "a preset (\(names.joined(separator: ", "))) or a config.json file")
            }
            student = try BertConfig(contentsOf: url)
            (student.vocabSize, student.typeVocabSize, student.id2label, student.problemType) =
                (teacher.vocabSize, teacher.typeVocabSize, teacher.id2label, teacher.problemType)
            student.maxPositionEmbeddings = min(student.maxPositionEmbeddings, teacher.maxPositionEmbeddings)
        }
        try student.validate()
        return student
    }
}
