import Foundation

/// The recipe's options as the command line writes them, parsed once for every command.
extension DistillationRecipe {
    /// "od,mha" → [.od, .mha] (case and spaces ignored).
    public static func losses(_ text: String) throws(DistillationError) -> [Loss] {
        var losses: [Loss] = []
        for name in text.split(separator: ",") {
            guard let loss = Loss(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw .invalid("--losses", "a comma-separated list of \(Loss.allCases.map(\.rawValue).joined(separator: ", ")) (got \(name))")
            }
            losses.append(loss)
        }
        guard !losses.isEmpty else { throw .invalid("--losses", "at least one of \(Loss.allCases.map(\.rawValue).joined(separator: ", "))") }
        return losses
    }

    /// A layer mapping by name, for `option` (--mapping, --inherit-mapping).
    public static func mapping(_ text: String, option: String = "--mapping") throws(DistillationError) -> LayerMapping {
        guard let mapping = LayerMapping(rawValue: text.lowercased()) else {
            throw .invalid("\(option) \(text)", LayerMapping.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return mapping
    }
}
