import Models

/// Which losses a distillation mixes, and their settings (shared/METHOD.md).
public struct DistillationRecipe: Codable, Sendable, Equatable {
    /// A loss term.
    public enum Loss: String, Codable, CaseIterable, Sendable {
        /// Cross-entropy on the gold labels only (no teacher): the baseline.
        case ce
        /// Output distribution: (1−λ)·CE + λ·τ²·KL.
        case od
        /// Hidden states through learned projections, layers matched by `mapping`.
        case hs
        /// MiniLMv2 query/key/value relations of one teacher layer and the student's last.
        case mha
        /// Attention-probability MSE of mapped layers (equal head counts).
        case att
    }

    public var losses: [Loss] = [.od]
    /// Weight of each term in the sum (by the loss's raw value).
    public var weights: [String: Float] = [:]
    /// τ of the output distribution.
    public var temperature: Float = 2
    /// λ of the output distribution: the share of the KL term.
    public var lambda: Float = 0.5
    /// Layer mapping of the hidden-state and attention-map losses.
    public var mapping: LayerMapping = .uniform
    /// Whether the embedding outputs are matched too (student 0 ↔ teacher 0).
    public var includeEmbeddings = false
    /// MiniLMv2 relation heads R (must divide both hidden sizes).
    public var relationHeads = 4
    /// The teacher layer of the relation loss; nil: L_T − 1 (upper middle), or L_T for a 1-layer teacher.
    public var relationTeacherLayer: Int?

    public init() {}

    /// The weight of `loss` (1 unless set).
    public func weight(_ loss: Loss) -> Float { weights[loss.rawValue] ?? 1 }

    /// Throws the first setting that cannot work for this teacher and student.
    public func validate(teacher: BertConfig, student: BertConfig) throws(DistillationError) {
        guard !losses.isEmpty else { throw .invalid("--losses", "at least one of ce, od, hs, mha, att") }
        if losses.contains(.ce) && losses.count > 1 { throw .invalid("--losses", "ce alone (it is the no-teacher baseline), or teacher losses") }
        if losses.contains(.mha) {
            guard relationHeads > 0, teacher.hiddenSize % relationHeads == 0, student.hiddenSize % relationHeads == 0 else {
                throw .invalid("--relation-heads", "a divisor of both hidden sizes (\(teacher.hiddenSize), \(student.hiddenSize))")
            }
            if let layer = relationTeacherLayer, !(1...teacher.numHiddenLayers).contains(layer) {
                throw .invalid("--relation-layer", "a teacher layer in 1...\(teacher.numHiddenLayers)")
            }
        }
        if losses.contains(.att), teacher.numAttentionHeads != student.numAttentionHeads {
            throw .invalid("--losses att", "equal head counts (teacher \(teacher.numAttentionHeads), student \(student.numAttentionHeads))")
        }
        if losses.contains(.od) {
            // A NaN or infinite τ passed `temperature <= 0` and made every loss NaN.
            guard (0...1).contains(lambda) else { throw .invalid("--lambda \(lambda)", "λ in [0, 1]") }
            guard temperature > 0, temperature.isFinite else { throw .invalid("--temperature \(temperature)", "a positive, finite τ") }
        }
        guard teacher.numLabels == student.numLabels else {
            throw .invalid("student num_labels", "the teacher's \(teacher.numLabels)")
        }
    }

    /// The teacher layer of the relation loss.
    public func relationLayer(teacherLayers: Int) -> Int { relationTeacherLayer ?? max(1, teacherLayers - 1) }
}

/// A distillation that cannot run as asked: the option and what was expected.
public enum DistillationError: Error, CustomStringConvertible, Equatable {
    case invalid(String, String)

    public var description: String {
        switch self {
        case .invalid(let option, let expected): "\(option): expected \(expected)"
        }
    }
}
