/// Linear warm-up from 0 to the peak learning rate, then linear decay to 0 at the last step,
/// as transformers' `get_linear_schedule_with_warmup`.
public struct LinearSchedule: Sendable, Equatable {
    /// The learning rate at the end of warm-up.
    public let peak: Float
    /// Steps of warm-up.
    public let warmupSteps: Int
    /// All steps of the run.
    public let totalSteps: Int

    /// A schedule of `totalSteps` whose first `warmupSteps` warm up to `peak`.
    public init(peak: Float, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = max(1, totalSteps)
    }

    /// The learning rate for `step` (0-based: the rate of the first update is `rate(0)`).
    public func rate(_ step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step) / Float(max(1, warmupSteps)) }
        return peak * max(0, Float(totalSteps - step) / Float(max(1, totalSteps - warmupSteps)))
    }
}
