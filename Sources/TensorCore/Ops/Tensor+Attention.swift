import CKernels

/// Multi-head self-attention on packed projections, without permuting heads into place.
///
/// `qkv` [B, T, 3H] holds each token's query, key and value side by side (a linear layer with
/// the three weights stacked). Head h of batch b reads its [T, d] blocks in place, with a row
/// stride of 3H, so the products run on strided sgemm calls and no [B, heads, T, d] copy is made;
/// the context is written straight into [B, T, H]. Two ops, so that dropout and losses on the
/// probabilities (TinyBERT's attention maps) compose in between:
///
///     P = attentionProbabilities(qkv, heads, mask)      // softmax(QKᵀ/√d + mask), [B, heads, T, T]
///     O = attentionContext(dropout(P), qkv, heads)      // P·V, [B, T, H]
///
/// `queries: q` attends from the first q tokens only (every key and value still counts): P is
/// [B, heads, q, T] and O [B, q, H]. A classifier's last layer needs only its [CLS] row (q = 1).
extension Tensor {
    /// softmax(Q·Kᵀ/√d + mask) for every head: [B, heads, q, T].
    ///
    /// - Parameters:
    ///   - qkv: [B, T, 3H], queries in columns 0..<H, keys in H..<2H, values in 2H..<3H.
    ///   - heads: the head count; H must be a multiple of it.
    ///   - mask: an additive mask [B, 1, 1, T] (`additiveAttentionMask`), or nil.
    ///   - queries: the query rows, the first of each sequence (nil: all T).
    public static func attentionProbabilities(_ qkv: Tensor, heads: Int, mask: Tensor?, queries: Int? = nil) -> Tensor {
        let (b, t, h, d) = attentionShape(qkv, heads: heads, op: "attentionProbabilities")
        let q = queries ?? t
        precondition(q >= 1 && q <= t, ShapeError(op: "attentionProbabilities", shapes: [qkv.shape],
                                                   expected: "1 to \(t) query rows, got \(q)").description)
        precondition(mask == nil || mask!.shape == [b, 1, 1, t],
                     ShapeError(op: "attentionProbabilities", shapes: [qkv.shape, mask?.shape ?? []],
                                expected: "a mask [\(b), 1, 1, \(t)]").description)
        let alpha = 1 / Float(d).squareRoot()
        let out = Tensor(shape: [b, heads, q, t], storage: TensorStorage(count: b * heads * q * t, zeroed: false))
        let x = SendablePointer(qkv.data), p = SendablePointer(out.data), m = mask.map { SendablePointer($0.data) }
        Parallel.forChunks(b * heads, grain: 1) { first, last in
            for item in first..<last {
                let (batch, head) = (item / heads, item % heads)
                let query = x.base + batch * t * 3 * h + head * d, k = query + h
                let scores = p.base + item * q * t
                // S = alpha · Q·Kᵀ  [q, T]
                BLAS.block(query, k, scores, m: q, n: t, k: d, lda: 3 * h, ldb: 3 * h, ldc: t,
                           transposeA: false, transposeB: true, alpha: alpha, beta: 0)
                kd_masked_softmax_rows(scores, m.map { $0.base + batch * t }, 1, q, t)  // the mask added in the same pass
            }
        }
        let probabilities = out.storage  // not `out`: its node must not own it
        return out.recording("attention probabilities", [qkv]) { g in
            // dS = P ⊙ (dP − Σ dP⊙P); dQ = alpha · dS·K; dK = alpha · dSᵀ·Q
            let dS = softmaxBackward(g, probabilities: probabilities, columns: t)
            let dx = SendablePointer(qkv.gradPointer()), ds = SendablePointer(dS.data)
            Parallel.forChunks(b * heads, grain: 1) { first, last in
                for item in first..<last {
                    let (batch, head) = (item / heads, item % heads)
                    let offset = batch * t * 3 * h + head * d
                    let query = x.base + offset, k = query + h, dq = dx.base + offset, dk = dq + h
                    let grad = ds.base + item * q * t
                    // dQ [q, d] = alpha · dS [q, T] · K;  dK [T, d] = alpha · dSᵀ · Q [q, d]
                    BLAS.block(grad, k, dq, m: q, n: d, k: t, lda: t, ldb: 3 * h, ldc: 3 * h,
                               transposeA: false, transposeB: false, alpha: alpha, beta: 1)
                    BLAS.block(grad, query, dk, m: t, n: d, k: q, lda: t, ldb: 3 * h, ldc: 3 * h,
                               transposeA: true, transposeB: false, alpha: alpha, beta: 1)
                }
            }
        }
    }

    /// The attention-weighted values P·V of every head, merged: [B, q, H].
    ///
    /// - Parameters:
    ///   - probabilities: [B, heads, q, T], from `attentionProbabilities` (dropout applied or not).
    ///   - qkv: the same packed projections; only the values (columns 2H..<3H) are read.
    public static func attentionContext(_ probabilities: Tensor, _ qkv: Tensor, heads: Int) -> Tensor {
        let (b, t, h, d) = attentionShape(qkv, heads: heads, op: "attentionContext")
        let q = probabilities.rank == 4 ? probabilities.shape[2] : 0
        precondition(probabilities.shape == [b, heads, q, t] && q >= 1 && q <= t,
                     ShapeError(op: "attentionContext", shapes: [probabilities.shape, qkv.shape],
                                expected: "probabilities [\(b), \(heads), q, \(t)] with 1 ≤ q ≤ \(t)").description)
        let out = Tensor(shape: [b, q, h], storage: TensorStorage(count: b * q * h, zeroed: false))
        let x = SendablePointer(qkv.data), p = SendablePointer(probabilities.data), o = SendablePointer(out.data)
        Parallel.forChunks(b * heads, grain: 1) { first, last in
            for item in first..<last {
                let (batch, head) = (item / heads, item % heads)
                let v = x.base + batch * t * 3 * h + 2 * h + head * d
                // O_bh [q, d] = P_bh [q, T] · V_bh [T, d], written into columns head·d of [B, q, H]
                BLAS.block(p.base + item * q * t, v, o.base + batch * q * h + head * d, m: q, n: d, k: t,
                           lda: t, ldb: 3 * h, ldc: h, transposeA: false, transposeB: false, alpha: 1, beta: 0)
            }
        }
        return out.recording("attention context", [probabilities, qkv]) { g in
            let gp = SendablePointer(g.data)
            let dp = probabilities.requiresGrad ? SendablePointer(probabilities.gradPointer()) : nil
            let dx = qkv.requiresGrad ? SendablePointer(qkv.gradPointer()) : nil
            Parallel.forChunks(b * heads, grain: 1) { first, last in
                for item in first..<last {
                    let (batch, head) = (item / heads, item % heads)
                    let offset = batch * t * 3 * h + 2 * h + head * d
                    let dO = gp.base + batch * q * h + head * d
                    if let dp {  // dP [q, T] = dO [q, d] · Vᵀ
                        BLAS.block(dO, x.base + offset, dp.base + item * q * t, m: q, n: t, k: d, lda: h, ldb: 3 * h, ldc: t,
                                   transposeA: false, transposeB: true, alpha: 1, beta: 1)
                    }
                    if let dx {  // dV [T, d] = Pᵀ · dO, P [q, T]
                        BLAS.block(p.base + item * q * t, dO, dx.base + offset, m: t, n: d, k: q, lda: t, ldb: h, ldc: 3 * h,
                                   transposeA: true, transposeB: false, alpha: 1, beta: 1)
                    }
                }
            }
        }
    }

    /// (batch, length, hidden, head size) of packed projections, trapping with the op's name when malformed.
    static func attentionShape(_ qkv: Tensor, heads: Int, op: String) -> (Int, Int, Int, Int) {
        precondition(qkv.rank == 3 && qkv.shape[2] % 3 == 0 && heads > 0 && (qkv.shape[2] / 3) % heads == 0,
                     ShapeError(op: op, shapes: [qkv.shape], expected: "packed projections [B, T, 3H] with H a multiple of \(heads) heads").description)
        let h = qkv.shape[2] / 3
        return (qkv.shape[0], qkv.shape[1], h, h / heads)
    }
}
