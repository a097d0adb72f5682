// Layer mappings for hidden-state distillation, as compared by Udagawa et al. (EMNLP Industry
// 2023, arXiv 2310.08797): which teacher layers each student layer learns from.

/// Which teacher layers each student layer is distilled from.
///
/// Layers are numbered from 1 (0 is the embedding output). With `L_T` teacher and `L_S` student
/// layers, student layer i maps to:
/// - `last`: L_T − L_S + i (the top of the teacher);
/// - `uniform`: ⌊i·L_T/L_S⌋ (evenly spaced);
/// - `uniformLast`: its uniform and its last-mapped layer, concatenated;
/// - `uniformConsecutive`: the k = ⌈L_T/L_S⌉ consecutive layers ending at min(k·i, L_T), concatenated.
public enum LayerMapping: String, CaseIterable, Codable, Sendable {
    case last
    case uniform
    case uniformLast = "uniform+last"
    case uniformConsecutive = "uniform-consecutive"

    /// The teacher layers (1-based; 0 = embeddings) student layer `i` (1-based) learns from.
    public func teacherLayers(forStudentLayer i: Int, studentLayers: Int, teacherLayers: Int) -> [Int] {
        precondition((1...studentLayers).contains(i) && teacherLayers > 0,
                     "LayerMapping: student layer \(i) of \(studentLayers), teacher of \(teacherLayers) layers")
        let last = Swift.max(0, teacherLayers - studentLayers + i)
        let uniform = i * teacherLayers / studentLayers
        switch self {
        case .last: return [last]
        case .uniform: return [uniform]
        case .uniformLast: return [uniform, last]
        case .uniformConsecutive:
            let k = (teacherLayers + studentLayers - 1) / studentLayers
            let end = Swift.min(k * i, teacherLayers)
            return Array(Swift.max(1, end - k + 1)...end)
        }
    }

    /// The whole table: for each student layer 1…L_S (and the embeddings, 0 ↔ 0, when
    /// `includeEmbeddings`), the pair (student layer, teacher layers).
    public func table(studentLayers: Int, teacherLayers: Int, includeEmbeddings: Bool = false) -> [(student: Int, teacher: [Int])] {
        (includeEmbeddings ? [(0, [0])] : [])
            + (1...studentLayers).map { ($0, self.teacherLayers(forStudentLayer: $0, studentLayers: studentLayers, teacherLayers: teacherLayers)) }
    }
}
