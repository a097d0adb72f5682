// Distillation losses (Udagawa et al. 2023, arXiv 2310.08797; MiniLMv2, Wang et al. 2021,
// arXiv 2012.15828; TinyBERT, Jiao et al. 2020). Definitions: shared/METHOD.md. Each is written
// from engine ops, so its gradient is the ops' gradients; the tests check value and gradient
// against a PyTorch reference and by finite differences.
import TensorCore

/// The distillation losses, as functions of student and teacher tensors.
public enum DistillationLosses {
    /// Output distribution: (1−λ)·CE(student, labels) + λ·τ²·KL(softmax(t/τ) ‖ softmax(s/τ)).
    ///
    /// - Parameters: student, teacher: logits [B, C]; labels: class indices [B].
    public static func outputDistribution(student: Tensor, teacher: Tensor, labels: [Int], temperature: Float, lambda: Float) -> Tensor {
        let kl = Tensor.klDivergence(student: student, teacher: teacher, temperature: temperature)
        return Tensor.crossEntropy(student, labels: labels) * (1 - lambda) + kl * (lambda * temperature * temperature)
    }

    /// Output distribution for regression: (1−λ)·MSE(student, labels) + λ·MSE(student, teacher).
    ///
    /// - Parameters: student, teacher: [B, 1]; labels: [B].
    public static func outputRegression(student: Tensor, teacher: Tensor, labels: [Float], lambda: Float) -> Tensor {
        let s = student.reshaped([labels.count])
        return Tensor.meanSquaredError(s, Tensor(labels, shape: [labels.count])) * (1 - lambda)
            + Tensor.meanSquaredError(s, teacher.reshaped([labels.count]).detached()) * lambda
    }

    /// Hidden states: Σ over attended tokens of ‖W·h_S − h_T‖² / (tokens · width).
    ///
    /// - Parameters:
    ///   - student: [B, T, Hs] (before projection).
    ///   - teacher: [B, T, Ht'] (the mapped teacher layers, concatenated).
    ///   - projection: W [Ht', Hs], applied as h_S·Wᵀ.
    ///   - mask: [B, T] of 1 (token) and 0 (padding).
    public static func hiddenStates(student: Tensor, teacher: Tensor, projection: Tensor, mask: Tensor) -> Tensor {
        let projected = student.matmul(projection, transposeB: true)                  // [B, T, Ht']
        let difference = projected - teacher.detached()
        let weights = mask.reshaped([mask.shape[0], mask.shape[1], 1])                 // [B, T, 1]
        let tokens = Swift.max(mask.sum().item, 1)
        return (difference * difference * weights).sum() * (1 / (tokens * Float(teacher.shape[2])))
    }

    /// MiniLMv2 self-attention relations: for each of query, key and value, the KL divergence from
    /// the teacher's relation distributions softmax(X·Xᵀ/√d_r) to the student's, with X re-split
    /// into `heads` relation heads, padded keys masked, averaged over heads and attended queries.
    ///
    /// - Parameters:
    ///   - student, teacher: (query, key, value) projections [B, T, H] of one layer each (widths may differ).
    ///   - heads: relation heads R (must divide both widths).
    ///   - mask: [B, T] of 1 (token) and 0 (padding).
    public static func attentionRelations(student: (Tensor, Tensor, Tensor), teacher: (Tensor, Tensor, Tensor),
                                          heads: Int, mask: Tensor) -> Tensor {
        attentionRelations(packedStudent: Tensor.concatenate([student.0, student.1, student.2], axis: 2),
                           packedTeacher: Tensor.concatenate([teacher.0, teacher.1, teacher.2], axis: 2), heads: heads, mask: mask)
    }

    /// The same loss from packed projections [B, T, 3H] (query, key and value side by side, as a
    /// layer computes them): the three relations are 3R heads of one product, one softmax and one sum.
    public static func attentionRelations(packedStudent student: Tensor, packedTeacher teacher: Tensor, heads: Int, mask: Tensor) -> Tensor {
        let bias = Tensor.additiveAttentionMask(mask)                                   // [B, 1, 1, T]
        let queries = mask.reshaped([mask.shape[0], 1, mask.shape[1], 1])              // [B, 1, T, 1]
        let count = Swift.max(mask.sum().item, 1) * Float(heads)
        func relations(_ x: Tensor) -> Tensor {                                         // log-probabilities [B, 3R, T, T]
            let (b, t, h) = (x.shape[0], x.shape[1], x.shape[2] / 3)
            precondition(x.shape[2] == 3 * h && h % heads == 0,
                         "attentionRelations: width \(x.shape[2]) is not 3 × a multiple of \(heads) relation heads")
            let split = x.reshaped([b, t, 3 * heads, h / heads]).permuted([0, 2, 1, 3])  // [B, 3R, T, d_r]
            return (split.matmul(split, transposeB: true, alpha: 1 / Float(h / heads).squareRoot()) + bias).logSoftmax()
        }
        let logS = relations(student), logT = Autograd.noGrad { relations(teacher.detached()) }
        let pointwise = logT.exp() * (logT - logS)                                     // [B, 3R, T, T]
        return (pointwise.sum(axis: -1, keepDims: true) * queries).sum() * (1 / count)
    }

    /// Attention maps (TinyBERT): mean squared error between attention probabilities [B, heads, T, T].
    public static func attentionMaps(student: Tensor, teacher: Tensor) -> Tensor {
        Tensor.meanSquaredError(student, teacher.detached())
    }
}
