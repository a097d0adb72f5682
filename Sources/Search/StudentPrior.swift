import Models

/// What ranks the students of one latency band before their full distillation, beside their proxy score.
///
/// - **Parameters.** Within a latency band, the student with more parameters distils better: parameter count
///   ranked fully distilled students at Kendall τ 0.93 within bands, against 0.78 for the best proxy score
///   (bench/proxy_fidelity.sh, README).
/// - **Whole inheritance.** A student with the teacher's head size and activation inherits whole teacher heads
///   and the non-linearity its weights were trained with; one of another head size starts from regrouped
///   heads. Students of one size differ only there: on the 3× band of 2026-12-07 night, the four largest
///   whole-inheriting shapes reached 97.4–98.0% of the teacher (seed 42), L2-H384-A4-F1536 95.1% against
///   98.0% for the same size with the teacher's 12 heads (bench/results/band-ceiling-3x-2026-12-07-night-zen3.md).
public struct StudentPrior: Sendable {
    var vocabulary, positions, tokenTypes, labels: Int
    /// The teacher's head size (hidden / heads) and activation; nil: no student is told apart by them.
    var headSize: Int?
    var activation: BertConfig.Activation?

    /// The prior of students of `teacher`: its vocabulary, positions and labels size them, its heads and activation
    /// are what a student inherits whole.
    public init(teacher: BertConfig) {
        self.init(vocabulary: teacher.vocabSize, positions: teacher.maxPositionEmbeddings, tokenTypes: teacher.typeVocabSize,
                  labels: teacher.numLabels, headSize: teacher.hiddenSize / max(1, teacher.numAttentionHeads), activation: teacher.hiddenAct)
    }

    init(vocabulary: Int, positions: Int, tokenTypes: Int, labels: Int, headSize: Int? = nil, activation: BertConfig.Activation? = nil) {
        (self.vocabulary, self.positions, self.tokenTypes, self.labels, self.headSize, self.activation) =
            (vocabulary, positions, tokenTypes, labels, headSize, activation)
    }

    /// The parameters of a classifier of `architecture`'s shape.
    public func parameters(_ architecture: StudentArchitecture) -> Int {
        architecture.parameterCount(vocabulary: vocabulary, positions: positions, tokenTypes: tokenTypes, labels: labels)
    }

    /// Whether `architecture` has the teacher's head size and activation.
    public func inheritsWhole(_ architecture: StudentArchitecture) -> Bool {
        guard let headSize, let activation else { return false }
        return architecture.heads > 0 && architecture.hiddenSize == headSize * architecture.heads && architecture.activation == activation
    }

    /// Whether `a` ranks below `b`: fewer parameters, or as many and `b` alone inherits the teacher whole.
    /// Nil when the prior cannot tell them apart.
    func ranksBelow(_ a: StudentArchitecture, _ b: StudentArchitecture) -> Bool? {
        let (pa, pb) = (parameters(a), parameters(b))
        if pa != pb { return pa < pb }
        let (wa, wb) = (inheritsWhole(a), inheritsWhole(b))
        return wa == wb ? nil : wb
    }
}
