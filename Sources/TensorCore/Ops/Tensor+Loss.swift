import Foundation

/// Losses: cross-entropy over integer labels, mean squared error, KL divergence at a temperature.
extension Tensor {
    /// Mean cross-entropy of `logits` [N, C] against `labels` [N], skipping `ignoreIndex`.
    ///
    /// Like PyTorch's `cross_entropy(reduction="mean")`: NaN when every label is ignored.
    public static func crossEntropy(_ logits: Tensor, labels: [Int], ignoreIndex: Int = -100) -> Tensor {
        let (rows, columns) = logits.rowsAndColumns
        precondition(logits.rank == 2 && labels.count == rows,
                     ShapeError(op: "crossEntropy", shapes: [logits.shape, [labels.count]], expected: "logits [N, C] and N labels").description)
        if let bad = labels.first(where: { $0 != ignoreIndex && ($0 < 0 || $0 >= columns) }) {
            preconditionFailure("crossEntropy: label \(bad) outside 0..<\(columns)")
        }
        let logProbabilities = TensorStorage(count: logits.count, zeroed: false)
        let x = SendablePointer(logits.data), lp = SendablePointer(logProbabilities.pointer)
        forEachRow(rows, columns: columns) { row in
            logSoftmaxRow(x.base + row * columns, lp.base + row * columns, columns)
        }
        let counted = labels.filter { $0 != ignoreIndex }.count
        var total: Double = 0
        for (row, label) in labels.enumerated() where label != ignoreIndex {
            total -= Double(lp.base[row * columns + label])
        }
        let out = Tensor.scalar(Float(total / Double(counted)))
        return out.recording("cross entropy", [logits]) { g in
            let lp = SendablePointer(logProbabilities.pointer)
            // d/dz = (softmax(z) − onehot) / counted for each counted row.
            let scale = g.item / Float(counted)
            let dx = Tensor.zeros(logits.shape)
            let d = SendablePointer(dx.data)
            labels.withUnsafeBufferPointer { labels in
                let lab = SendablePointer(labels.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                forEachRow(rows, columns: columns) { row in
                    guard lab.base[row] != ignoreIndex else { return }
                    let lr = lp.base + row * columns, dr = d.base + row * columns
                    for j in 0..<columns { dr[j] = Foundation.exp(lr[j]) * scale }
                    dr[lab.base[row]] -= scale
                }
            }
            logits.accumulateGrad(dx, owned: true)
        }
    }

    /// Mean squared error between equal-shaped tensors.
    public static func meanSquaredError(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, ShapeError(op: "meanSquaredError", shapes: [a.shape, b.shape], expected: "equal shapes").description)
        let difference = a.detached() - b.detached()
        let squares = difference.mapped { $0 * $0 }
        let out = Tensor.scalar(squares.sum().item / Float(Swift.max(a.count, 1)))
        return out.recording("mse", [a, b]) { g in
            let scale = 2 * g.item / Float(a.count)
            if a.requiresGrad { a.accumulateGrad(difference.mapped { $0 * scale }, owned: true) }
            if b.requiresGrad { b.accumulateGrad(difference.mapped { -$0 * scale }, owned: true) }
        }
    }

    /// KL(softmax(teacher/τ) ‖ softmax(student/τ)), summed over the last axis and averaged over rows.
    ///
    /// PyTorch's `kl_div(log_softmax(s/τ), log_softmax(t/τ), log_target=True, reduction="batchmean")`
    /// for 2-D logits; the τ² factor of distillation is the caller's. Gradients reach both inputs.
    public static func klDivergence(student: Tensor, teacher: Tensor, temperature: Float = 1) -> Tensor {
        precondition(student.shape == teacher.shape,
                     ShapeError(op: "klDivergence", shapes: [student.shape, teacher.shape], expected: "equal shapes").description)
        let (rows, columns) = student.rowsAndColumns
        let logS = TensorStorage(count: student.count, zeroed: false), logT = TensorStorage(count: student.count, zeroed: false)
        let perRow = TensorStorage(count: rows, zeroed: false)
        let s = SendablePointer(student.data), t = SendablePointer(teacher.data)
        let ls = SendablePointer(logS.pointer), lt = SendablePointer(logT.pointer), kl = SendablePointer(perRow.pointer)
        let inverse = 1 / temperature
        forEachRow(rows, columns: columns) { row in
            let o = row * columns
            for j in 0..<columns {
                ls.base[o + j] = s.base[o + j] * inverse
                lt.base[o + j] = t.base[o + j] * inverse
            }
            logSoftmaxRow(ls.base + o, ls.base + o, columns)
            logSoftmaxRow(lt.base + o, lt.base + o, columns)
            var sum: Float = 0
            for j in 0..<columns { sum += Foundation.exp(lt.base[o + j]) * (lt.base[o + j] - ls.base[o + j]) }
            kl.base[row] = sum
        }
        var total: Double = 0
        for row in 0..<rows { total += Double(kl.base[row]) }
        let out = Tensor.scalar(Float(total / Double(rows)))
        return out.recording("kl divergence", [student, teacher]) { g in
            let ls = SendablePointer(logS.pointer), lt = SendablePointer(logT.pointer), kl = SendablePointer(perRow.pointer)
            let scale = g.item / (temperature * Float(rows))
            if student.requiresGrad {  // (p_S − p_T) / (τ·N)
                let dx = student.emptyLike()
                Kernels.zip(ls.base, lt.base, into: dx.data, count: student.count) {
                    (Foundation.exp($0) - Foundation.exp($1)) * scale
                }
                student.accumulateGrad(dx, owned: true)
            }
            if teacher.requiresGrad {  // p_T · (log p_T − log p_S − KL_row) / (τ·N)
                let dx = teacher.emptyLike()
                let d = SendablePointer(dx.data)
                forEachRow(rows, columns: columns) { row in
                    let o = row * columns
                    for j in 0..<columns {
                        d.base[o + j] = Foundation.exp(lt.base[o + j]) * (lt.base[o + j] - ls.base[o + j] - kl.base[row]) * scale
                    }
                }
                teacher.accumulateGrad(dx, owned: true)
            }
        }
    }
}
