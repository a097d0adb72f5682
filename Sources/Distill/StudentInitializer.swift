// Student initialisation inherited from the teacher, as structured pruning does (our choice,
// beyond the papers: shared/METHOD.md, "Student initialisation"): keep teacher layers chosen by a
// mapping, and slice hidden units and attention heads to the most important ones by weight norm,
// FFN units by their measured contribution (`UnitImportance`) or, without one, by weight norm.
import Models
import NN
import TensorCore

/// How a student's weights start.
public enum StudentInitialization: Sendable, Equatable {
    /// Normal(0, initializer_range), as transformers initialises a new model.
    case random
    /// Taken from the teacher: layers by `mapping`; FFN units by `importance` (measured on the task), or by
    /// weight norm without one; hidden units and heads by weight norm.
    case inherit(mapping: LayerMapping, importance: UnitImportance? = nil)
}

/// A student shape that cannot be cut from the teacher, naming the field.
public struct StudentShapeError: Error, CustomStringConvertible, Equatable {
    public let field: String
    public let student: Int
    public let teacher: Int
    public var description: String {
        "\(field): the student's \(student) is larger than the teacher's \(teacher); an inherited student can only be smaller"
    }
}

/// Builds students from a teacher.
public enum StudentInitializer {
    /// A student of `config` initialised as asked; `seed` draws the random weights.
    public static func make(_ config: BertConfig, from teacher: BertForSequenceClassification,
                            initialization: StudentInitialization, seed: UInt64) throws -> BertForSequenceClassification {
        // Every size checked before anything is allocated (a listed or configured shape may be anything).
        try config.validate()
        if case .inherit = initialization { try checkInheritable(config, from: teacher.config) }
        let student = BertForSequenceClassification(config, seed: seed)
        guard case .inherit(let mapping, let importance) = initialization else { return student }
        try inherit(into: student, from: teacher, mapping: mapping, importance: importance)
        return student
    }

    /// Throws the first size of `s` larger than the teacher's: an inherited student takes its units from the teacher's.
    public static func checkInheritable(_ s: BertConfig, from t: BertConfig) throws(StudentShapeError) {
        // Depth first: a deeper student would map some of its layers to teacher layer 0 (the embeddings), which has no weights to copy.
        for (field, a, b) in [("num_hidden_layers", s.numHiddenLayers, t.numHiddenLayers), ("hidden_size", s.hiddenSize, t.hiddenSize), ("intermediate_size", s.intermediateSize, t.intermediateSize),
                              ("vocab_size", s.vocabSize, t.vocabSize), ("max_position_embeddings", s.maxPositionEmbeddings, t.maxPositionEmbeddings),
                              ("type_vocab_size", s.typeVocabSize, t.typeVocabSize), ("num_labels", s.numLabels, t.numLabels)] where a > b {
            throw StudentShapeError(field: field, student: a, teacher: b)
        }
    }

    /// Copies the teacher's most important units into `student`, layer by layer.
    static func inherit(into student: BertForSequenceClassification, from teacher: BertForSequenceClassification,
                        mapping: LayerMapping, importance: UnitImportance?) throws {
        let s = student.config, t = teacher.config
        try checkInheritable(s, from: t)
        // Measured on this teacher (`UnitImportance.measure`), never read from a file.
        precondition(importance.map { $0.feedForward.count == t.numHiddenLayers && $0.feedForward.allSatisfy { $0.count == t.intermediateSize } } ?? true,
                     "StudentInitializer: unit importance of another teacher's shape")
        // Hidden units: the largest columns of the word embeddings, kept in their original order.
        let hidden = topUnits(columnNorms(teacher.bert.embeddings.word_embeddings.weight), count: s.hiddenSize)
        let e = student.bert.embeddings, te = teacher.bert.embeddings
        copy(te.word_embeddings.weight, into: e.word_embeddings.weight, rows: nil, columns: hidden)
        copy(te.position_embeddings.weight, into: e.position_embeddings.weight, rows: Array(0..<s.maxPositionEmbeddings), columns: hidden)
        copy(te.token_type_embeddings.weight, into: e.token_type_embeddings.weight, rows: Array(0..<s.typeVocabSize), columns: hidden)
        copyNorm(te.LayerNorm, into: e.LayerNorm, units: hidden)

        for (index, layer) in student.bert.layers.enumerated() {
            let sourceIndex = mapping.teacherLayers(forStudentLayer: index + 1, studentLayers: s.numHiddenLayers,
                                                    teacherLayers: t.numHiddenLayers).last! - 1
            let source = teacher.bert.layers[sourceIndex]
            let attention = attentionUnits(source, teacher: t, student: s)
            let a = layer.attentionSelf, ta = source.attentionSelf
            for (to, from) in [(a.query, ta.query), (a.key, ta.key), (a.value, ta.value)] {
                copy(from.weight, into: to.weight, rows: attention, columns: hidden)
                copy(from.bias!, into: to.bias!, rows: attention, columns: nil)
            }
            copy(source.attentionOutput.dense.weight, into: layer.attentionOutput.dense.weight, rows: hidden, columns: attention)
            copy(source.attentionOutput.dense.bias!, into: layer.attentionOutput.dense.bias!, rows: hidden, columns: nil)
            copyNorm(source.attentionOutput.LayerNorm, into: layer.attentionOutput.LayerNorm, units: hidden)
            // FFN units: the most important measured, else the largest rows of the intermediate projection.
            let ffn = topUnits(importance?.feedForward[sourceIndex] ?? rowNorms(source.intermediate.weight), count: s.intermediateSize)
            copy(source.intermediate.weight, into: layer.intermediate.weight, rows: ffn, columns: hidden)
            copy(source.intermediate.bias!, into: layer.intermediate.bias!, rows: ffn, columns: nil)
            copy(source.output.dense.weight, into: layer.output.dense.weight, rows: hidden, columns: ffn)
            copy(source.output.dense.bias!, into: layer.output.dense.bias!, rows: hidden, columns: nil)
            copyNorm(source.output.LayerNorm, into: layer.output.LayerNorm, units: hidden)
        }
        copy(teacher.bert.pooler.weight, into: student.bert.pooler.weight, rows: hidden, columns: hidden)
        copy(teacher.bert.pooler.bias!, into: student.bert.pooler.bias!, rows: hidden, columns: nil)
        copy(teacher.classifier.weight, into: student.classifier.weight, rows: Array(0..<s.numLabels), columns: hidden)
        copy(teacher.classifier.bias!, into: student.classifier.bias!, rows: Array(0..<s.numLabels), columns: nil)
    }

    /// The teacher's attention units the student keeps: whole heads (largest by the norm of their
    /// query, key and value rows) when the head sizes agree, else the largest single units.
    static func attentionUnits(_ layer: BertLayer, teacher t: BertConfig, student s: BertConfig) -> [Int] {
        let a = layer.attentionSelf
        let norms = zip(zip(rowNorms(a.query.weight), rowNorms(a.key.weight)), rowNorms(a.value.weight)).map { $0.0 + $0.1 + $1 }
        guard s.headSize == t.headSize else { return topUnits(norms, count: s.hiddenSize) }
        let d = t.headSize
        let headNorms = (0..<t.numAttentionHeads).map { h in norms[(h * d)..<((h + 1) * d)].reduce(0, +) }
        return topUnits(headNorms, count: s.numAttentionHeads).flatMap { h in (h * d)..<((h + 1) * d) }
    }

    /// Indices of the `count` largest values, in increasing index order (ties: the lower index).
    static func topUnits(_ importance: [Double], count: Int) -> [Int] {
        importance.indices.sorted { importance[$0] != importance[$1] ? importance[$0] > importance[$1] : $0 < $1 }
            .prefix(count).sorted()
    }

    /// Squared L2 norm of each row of a [rows, columns] matrix.
    static func rowNorms(_ m: Tensor) -> [Double] {
        let columns = m.shape[1]
        return (0..<m.shape[0]).map { r in (0..<columns).reduce(0.0) { $0 + Double(m.data[r * columns + $1] * m.data[r * columns + $1]) } }
    }

    /// Squared L2 norm of each column of a [rows, columns] matrix.
    static func columnNorms(_ m: Tensor) -> [Double] {
        let (rows, columns) = (m.shape[0], m.shape[1])
        var norms = [Double](repeating: 0, count: columns)
        for r in 0..<rows { for c in 0..<columns { norms[c] += Double(m.data[r * columns + c] * m.data[r * columns + c]) } }
        return norms
    }

    /// Copies `source[rows, columns]` into `destination` (a vector when `columns` is nil; all rows when `rows` is nil).
    static func copy(_ source: Tensor, into destination: Tensor, rows: [Int]?, columns: [Int]?) {
        guard let columns else {
            for (i, r) in (rows ?? Array(0..<destination.count)).enumerated() { destination.data[i] = source.data[r] }
            return
        }
        let width = source.shape[1]
        for (i, r) in (rows ?? Array(0..<destination.shape[0])).enumerated() {
            for (j, c) in columns.enumerated() { destination.data[i * columns.count + j] = source.data[r * width + c] }
        }
    }

    static func copyNorm(_ source: NN.LayerNorm, into destination: NN.LayerNorm, units: [Int]) {
        copy(source.weight, into: destination.weight, rows: units, columns: nil)
        copy(source.bias, into: destination.bias, rows: units, columns: nil)
    }
}
