import Models
import NN
import Tasks
import TensorCore

/// The loss of a student against cached teacher outputs, with the projections it trains.
public final class Distiller {
    public let recipe: DistillationRecipe
    public let student: BertForSequenceClassification
    let teacherConfig: BertConfig
    /// (student layer, teacher layers) pairs of the hidden-state loss.
    let hiddenPairs: [(student: Int, teacher: [Int])]
    /// One projection W [H_T·k, H_S] per hidden pair.
    let projections: [Tensor]

    /// A distiller of `student` from a teacher of `teacherConfig`; projections drawn from `seed`.
    public init(student: BertForSequenceClassification, teacherConfig: BertConfig, recipe: DistillationRecipe, seed: UInt64) throws {
        try recipe.validate(teacher: teacherConfig, student: student.config)
        self.recipe = recipe
        self.student = student
        self.teacherConfig = teacherConfig
        let uses = Set(recipe.losses)
        hiddenPairs = uses.contains(.hs)
            ? recipe.mapping.table(studentLayers: student.config.numHiddenLayers, teacherLayers: teacherConfig.numHiddenLayers,
                                   includeEmbeddings: recipe.includeEmbeddings)
            : []
        projections = hiddenPairs.enumerated().map { i, pair in
            Tensor.normal([teacherConfig.hiddenSize * pair.teacher.count, student.config.hiddenSize], std: 0.02,
                          seed: seed &+ 7919 &* UInt64(i + 1), requiresGrad: true)
        }
    }

    /// The student's parameters and the projections: everything the trainer updates.
    public var parameters: [(name: String, tensor: Tensor)] {
        student.namedParameters + projections.enumerated().map { ("distill.projection.\($0.offset).weight", $0.element) }
    }

    /// What the teacher cache must keep for this recipe.
    public var teacherRequest: TeacherRequest {
        let uses = Set(recipe.losses)
        return TeacherRequest(
            hiddenLayers: Array(Set(hiddenPairs.flatMap(\.teacher))).sorted(),
            queryKeyValueLayer: uses.contains(.mha) ? recipe.relationLayer(teacherLayers: teacherConfig.numHiddenLayers) : nil,
            attentionLayers: uses.contains(.att) ? attentionPairs.map(\.teacher).sorted() : [])
    }

    /// (student layer, teacher layer) pairs of the attention-map loss: each student layer's last mapped teacher layer.
    var attentionPairs: [(student: Int, teacher: Int)] {
        recipe.mapping.table(studentLayers: student.config.numHiddenLayers, teacherLayers: teacherConfig.numHiddenLayers)
            .map { ($0.student, max(1, $0.teacher.last!)) }
    }

    /// The weighted sum of the recipe's losses on `batch`.
    public func loss(_ batch: Batch, teacher: TeacherOutputs?, context: ForwardContext) -> Tensor {
        let uses = Set(recipe.losses)
        var capture: BertCapture = []
        if uses.contains(.hs) { capture.insert(.hiddenStates) }
        if uses.contains(.mha) { capture.insert(.queryKeyValue) }
        if uses.contains(.att) { capture.insert(.attentions) }
        let (logits, outputs) = student(batch.tokens, capture: capture, firstTokenOnly: true, context: context)
        let labels = batch.labels!
        if uses.contains(.ce) { return student.loss(logits, labels: labels) }
        guard let teacher else { preconditionFailure("Distiller: teacher outputs are needed for \(recipe.losses)") }
        let mask = Tensor(batch.tokens.attentionMask.map(Float.init), shape: [batch.tokens.batch, batch.tokens.length])
        var terms: [Tensor] = []
        if uses.contains(.od) {
            let term = student.config.isRegression
                ? DistillationLosses.outputRegression(student: logits, teacher: teacher.logits, labels: labels, lambda: recipe.lambda)
                : DistillationLosses.outputDistribution(student: logits, teacher: teacher.logits, labels: labels.map { Int($0) },
                                                        temperature: recipe.temperature, lambda: recipe.lambda)
            terms.append(term * recipe.weight(.od))
        }
        if uses.contains(.hs) {
            var sum: Tensor?
            for (pair, projection) in zip(hiddenPairs, projections) {
                let target = pair.teacher.count == 1 ? teacher.hiddenStates[pair.teacher[0]]!
                    : Tensor.concatenate(pair.teacher.map { teacher.hiddenStates[$0]! }, axis: 2)
                let term = DistillationLosses.hiddenStates(student: outputs.hiddenStates[pair.student], teacher: target,
                                                           projection: projection, mask: mask)
                sum = sum.map { $0 + term } ?? term
            }
            terms.append(sum! * (recipe.weight(.hs) / Float(hiddenPairs.count)))
        }
        if uses.contains(.mha), let relations = teacher.queryKeyValue, let last = outputs.packedQueryKeyValue.last {
            terms.append(DistillationLosses.attentionRelations(packedStudent: last, packedTeacher: relations, heads: recipe.relationHeads, mask: mask)
                         * recipe.weight(.mha))
        }
        if uses.contains(.att) {
            var sum: Tensor?
            for pair in attentionPairs {
                let term = DistillationLosses.attentionMaps(student: outputs.attentions[pair.student - 1], teacher: teacher.attentions[pair.teacher]!)
                sum = sum.map { $0 + term } ?? term
            }
            terms.append(sum! * (recipe.weight(.att) / Float(attentionPairs.count)))
        }
        return terms.dropFirst().reduce(terms[0], +)
    }
}

extension Distiller {
    /// Throws unless `teacher` (read from `path`) predicts what `task` labels: as many outputs as its
    /// classes, or one for a regression. A teacher of another task would train the student on
    /// distributions over the wrong classes, silently.
    public static func checkTeacher(_ teacher: BertConfig, path: String, fits task: TaskDefinition) throws(DistillationError) {
        guard teacher.numLabels == task.numLabels else {
            throw .invalid("\(path): teacher num_labels \(teacher.numLabels)",
                           "the \(task.numLabels) label\(task.numLabels == 1 ? "" : "s") of task \(task.name) (fine-tune the teacher on it with kdnas finetune)")
        }
    }
}
