import Dispatch

/// Where a training step's time goes: each op family's forward and backward time, and the step's
/// named phases (forward, backward, clipping, optimiser, ...), for `kdnas throughput --profile`.
///
///     let profiler = OpProfiler()
///     OpProfiler.$current.withValue(profiler) {
///         let loss = profiler.phase("forward") { model.loss(batch) }
///         profiler.phase("backward") { loss.backward() }
///         profiler.phase("optimizer") { optimizer.update(lr: 1e-4) }
///     }
///     profiler.rows(steps: 1)   // ops within each phase, each phase's remainder as "(other)"
///
/// While a profiler is current, an op that records its gradient node charges the time since the
/// previous mark to its family's forward time: its own work plus the glue since the previous op
/// (views and bookkeeping that record nothing). `backward()` times each node's closure. Whatever a
/// phase spends outside its ops (the backward pass's tape and frees, say) is its "(other)" row, so
/// the rows sum to the phases and the phases to the step. Ops outside every phase are not charged,
/// and a phase inside another is part of the outer one. It costs one or two clock reads per op;
/// with no profiler current, one task-local read.
///
/// One thread: the one running the step (the engine's parallel kernels record no ops). Hence
/// `@unchecked Sendable`, which the task-local requires; a child task would inherit it and race.
public final class OpProfiler: @unchecked Sendable {
    /// The profiler ops charge, if any (per task, as `Autograd.noGrad` is).
    @TaskLocal public static var current: OpProfiler?

    /// One row: an op family (or a phase's remainder) within a phase.
    public struct Row: Equatable, Sendable {
        public var phase: String
        public var op: String
        public var milliseconds: Double
        public var calls: Int
    }

    private struct Tally {
        var nanoseconds: UInt64 = 0
        var calls = 0

        mutating func add(_ interval: UInt64) {
            nanoseconds += interval
            calls += 1
        }
    }

    private var phaseOrder: [String] = []
    private var phaseTotals: [String: Tally] = [:]
    private var ops: [String: [String: Tally]] = [:]
    private var currentPhase: String?
    private var mark: UInt64 = 0

    public init() {}

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Runs `body` as the phase `name` (phases of the same name add up, in first-seen order); inside
    /// another phase, `body` is simply part of that one.
    public func phase<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        guard currentPhase == nil else { return try body() }
        currentPhase = name
        let start = Self.now()
        mark = start
        defer {
            if phaseTotals[name] == nil { phaseOrder.append(name) }
            phaseTotals[name, default: Tally()].add(Self.now() - start)
            currentPhase = nil
        }
        return try body()
    }

    func chargeForward(_ op: StaticString) {
        let end = Self.now()
        charge(op, end - mark)
        mark = end
    }

    func chargeBackward(_ op: StaticString, since start: UInt64) {
        let end = Self.now()
        charge(op, end - start)
        mark = end
    }

    private func charge(_ op: StaticString, _ nanoseconds: UInt64) {
        guard let phase = currentPhase else { return }
        ops[phase, default: [:]][op.description, default: Tally()].add(nanoseconds)
    }

    /// The rows per step over `steps` profiled steps: each phase's op families by time, then the
    /// phase's remainder "(other)", phases in the order they first ran. The rows sum to `total(steps:)`.
    public func rows(steps: Int) -> [Row] {
        let scale = 1 / (1e6 * Double(max(steps, 1)))
        var rows: [Row] = []
        for phase in phaseOrder {
            let total = phaseTotals[phase]!
            let members = (ops[phase] ?? [:]).sorted { $0.value.nanoseconds != $1.value.nanoseconds
                ? $0.value.nanoseconds > $1.value.nanoseconds : $0.key < $1.key }.map { ($0.key, $0.value) }
            let charged = members.reduce(UInt64(0)) { $0 + $1.1.nanoseconds }
            for (op, tally) in members {
                rows.append(Row(phase: phase, op: op, milliseconds: Double(tally.nanoseconds) * scale, calls: tally.calls / max(steps, 1)))
            }
            // Ops charge disjoint intervals inside the phase, so the remainder is never negative.
            let other = total.nanoseconds > charged ? total.nanoseconds - charged : 0
            rows.append(Row(phase: phase, op: members.isEmpty ? "(all)" : "(other)", milliseconds: Double(other) * scale,
                            calls: members.isEmpty ? total.calls / max(steps, 1) : 0))
        }
        return rows
    }

    /// Milliseconds per step in the phases, over `steps` profiled steps.
    public func total(steps: Int) -> Double {
        Double(phaseTotals.values.reduce(UInt64(0)) { $0 + $1.nanoseconds }) / (1e6 * Double(max(steps, 1)))
    }
}
