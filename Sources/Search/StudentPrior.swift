import Models

/// What ranks the students of one latency band before their full distillation, beside their proxy score.
///
/// - **Whole inheritance.** A student with the teacher's head size and activation starts as a sub-network of the
///   teacher: whole teacher heads and the non-linearity its weights were trained with. One of another head size
///   inherits single attention units regrouped into heads of another width, and one of another activation feeds
///   the teacher's FFN weights through another function: neither computes what the teacher computed at first.
///   On the 3× band of 2026-12-07 night, the four largest whole-inheriting shapes reached 97.4–98.0% of the
///   teacher (seed 42), L2-H384-A4-F1536 95.1% against 98.0% for the same size with the teacher's 12 heads
///   (bench/results/band-ceiling-3x-2026-12-07-night-zen3.md). In three main jobs that ranked by size first,
///   the 3× finalist was whole twice (97.9%, 98.0%) and L2-H384-A4-F1536 once (96.3%); L3-H384-F1536 with
///   A6-silu and A8-relu was −0.5 and +0.1 points from the whole one of the same runs
///   (bench/results/main-job-2026-12-07-late-zen5.md).
/// - **Depth.** A one-layer student counts its word embeddings (most of its parameters) as size, yet distils worst
///   of its band: in the small student's band of 2026-12-07 late, L1-H384-A12-F1536 (13.8M parameters) reached
///   0.7935 on test over two seeds, where L2-H384-A12-F192 (13.5M) reached 0.8196 and L3-H288-A9-F192 (10.4M)
///   0.8233 (bench/results/band-ceiling-small-2026-12-07-late-zen5.md). `FinalistPlan` takes one last.
/// - **Parameters.** Within a latency band, the student with more parameters distils better: parameter count
///   ranked fully distilled students at Kendall τ 0.93 within bands, against 0.78 for the best proxy score
///   (bench/proxy_fidelity.sh, README).
public struct StudentPrior: Sendable {
    /// Students within this share of the largest one's parameter count count as its size: L3-H384-F768 and
    /// L2-H384-F1536 differ by 2,688 parameters (biases) of 15.6M.
    public static let sizeTolerance = 0.01

    var vocabulary, positions, tokenTypes, labels: Int
    /// The teacher's head size (hidden / heads) and activation; nil: no student is told apart by them.
    var headSize: Int?
    var activation: BertConfig.Activation?

    /// The prior of students of `teacher`: its vocabulary, positions and labels size them, its heads and activation
    /// are what a student inherits whole.
    public init(teacher: BertConfig) {
        self.init(vocabulary: teacher.vocabSize, positions: teacher.maxPositionEmbeddings, tokenTypes: teacher.typeVocabSize,
                  labels: teacher.numLabels, headSize: teacher.headSize, activation: teacher.hiddenAct)
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
}
