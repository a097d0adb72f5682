/// Embedding lookup with a scatter-add backward, and the additive attention mask.
extension Tensor {
    /// Rows of `weight` [V, D] at `ids`, shaped `shape + [D]` (`shape` defaults to [ids.count]);
    /// updates an optimiser held back for those rows are applied first (`PendingRowUpdates`).
    ///
    /// The backward adds each output row's gradient into row `ids[i]` of the weight's gradient,
    /// except for `paddingIndex`, whose row gets no gradient (as `nn.Embedding(padding_idx:)`);
    /// threads own column ranges and walk the ids in order, so repeated ids add up the same way
    /// for any thread count.
    public static func embedding(_ weight: Tensor, ids: [Int], shape idsShape: [Int]? = nil, paddingIndex: Int? = nil) -> Tensor {
        precondition(weight.rank == 2, ShapeError(op: "embedding", shapes: [weight.shape], expected: "a weight of rank 2 [vocab, dim]").description)
        let vocab = weight.shape[0], dim = weight.shape[1]
        let idsShape = idsShape ?? [ids.count]
        precondition(idsShape.reduce(1, *) == ids.count, "embedding: \(ids.count) ids do not fill shape \(idsShape)")
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocab }) {
            preconditionFailure("embedding: id \(bad) outside the vocabulary 0..<\(vocab)")
        }
        weight.storage.pendingRows?.applyPending(rows: ids)
        let out = Tensor(shape: idsShape + [dim], storage: TensorStorage(count: ids.count * dim, zeroed: false))
        let w = SendablePointer(weight.data), o = SendablePointer(out.data)
        ids.withUnsafeBufferPointer { ids in
            let idp = SendablePointer(ids.baseAddress ?? UnsafePointer(bitPattern: 8)!)
            Parallel.forChunks(ids.count, grain: Swift.max(1, Kernels.grain / Swift.max(dim, 1))) { first, last in
                for i in first..<last { (o.base + i * dim).update(from: w.base + idp.base[i] * dim, count: dim) }
            }
        }
        return out.recording("embedding", [weight]) { g in
            let dw = SendablePointer(weight.gradPointer()), gp = SendablePointer(g.data)
            ids.withUnsafeBufferPointer { ids in
                let idp = SendablePointer(ids.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                let total = ids.count
                Parallel.forChunks(dim, grain: Swift.max(1, Kernels.grain / Swift.max(total, 1))) { first, last in
                    for i in 0..<total where idp.base[i] != paddingIndex {
                        let row = dw.base + idp.base[i] * dim, gr = gp.base + i * dim
                        for j in first..<last { row[j] += gr[j] }
                    }
                }
            }
        }
    }

    /// The additive attention mask [B, 1, 1, T] for a padding mask [B, T] of 1 (attend) and 0 (padding).
    ///
    /// 0 where attended and the most negative float where padded, as transformers builds it;
    /// added to attention scores [B, H, T, T] it sends padded keys to zero probability.
    public static func additiveAttentionMask(_ mask: Tensor) -> Tensor {
        precondition(mask.rank == 2, ShapeError(op: "additiveAttentionMask", shapes: [mask.shape], expected: "a padding mask [batch, length]").description)
        let out = mask.mapped { $0 == 0 ? -Float.greatestFiniteMagnitude : 0 }
        return out.reshapedView([mask.shape[0], 1, 1, mask.shape[1]])
    }
}
