import Foundation

/// A small scatter/line plot rendered as inline SVG: axes with ticks, labelled series, a legend.
/// Enough for a report that must open anywhere without scripts or network.
public struct SVGPlot {
    public enum Marker: String { case circle, square, diamond, none }

    public struct Series {
        public var label: String
        public var points: [(x: Double, y: Double)]
        public var color: String
        public var marker: Marker = .circle
        public var connected = false
        public var size = 4.0

        public init(label: String, points: [(x: Double, y: Double)], color: String, marker: Marker = .circle, connected: Bool = false, size: Double = 4) {
            (self.label, self.points, self.color, self.marker, self.connected, self.size) = (label, points, color, marker, connected, size)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    /// A dashed diagonal y = x (predicted against measured).
    public var diagonal = false
    /// A dashed vertical line (a latency target) and its label.
    public var verticalLine: (x: Double, label: String)?
    public var width = 640.0, height = 400.0

    public init(title: String, xLabel: String, yLabel: String) {
        (self.title, self.xLabel, self.yLabel) = (title, xLabel, yLabel)
    }

    public func render() -> String {
        let all = series.flatMap(\.points) + (verticalLine.map { [($0.x, series.flatMap(\.points).first?.y ?? 0)] } ?? [])
        let (left, right, top, bottom) = (64.0, 170.0, 36.0, 48.0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        var (xs, ys) = (all.map(\.x), all.map(\.y))
        if diagonal { (xs, ys) = (xs + ys, ys + xs) }
        let xRange = Self.niceRange(xs), yRange = Self.niceRange(ys)
        func px(_ x: Double) -> Double { left + (x - xRange.low) / (xRange.high - xRange.low) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - yRange.low) / (yRange.high - yRange.low) * plotHeight }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="11" role="img" aria-label="\(Self.escape(title))">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="20" font-size="14" font-weight="bold">\(Self.escape(title))</text>
            <rect x="\(left)" y="\(top)" width="\(plotWidth)" height="\(plotHeight)" fill="none" stroke="#999"/>

            """
        for tick in Self.ticks(xRange) {
            let x = Self.f(px(tick))
            svg += "<line x1=\"\(x)\" y1=\"\(Self.f(top))\" x2=\"\(x)\" y2=\"\(Self.f(top + plotHeight))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(x)\" y=\"\(Self.f(top + plotHeight + 14))\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        for tick in Self.ticks(yRange) {
            let y = Self.f(py(tick))
            svg += "<line x1=\"\(Self.f(left))\" y1=\"\(y)\" x2=\"\(Self.f(left + plotWidth))\" y2=\"\(y)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(Self.f(left - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.label(tick))</text>\n"
        }
        svg += "<text x=\"\(Self.f(left + plotWidth / 2))\" y=\"\(Self.f(height - 10))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(16 \(Self.f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        if diagonal {
            let low = max(xRange.low, yRange.low), high = min(xRange.high, yRange.high)
            svg += "<line x1=\"\(Self.f(px(low)))\" y1=\"\(Self.f(py(low)))\" x2=\"\(Self.f(px(high)))\" y2=\"\(Self.f(py(high)))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
        }
        if let line = verticalLine {
            let x = Self.f(px(line.x))
            svg += "<line x1=\"\(x)\" y1=\"\(Self.f(top))\" x2=\"\(x)\" y2=\"\(Self.f(top + plotHeight))\" stroke=\"#c0392b\" stroke-dasharray=\"5 4\"/>"
            svg += "<text x=\"\(x)\" y=\"\(Self.f(top - 4))\" text-anchor=\"middle\" fill=\"#c0392b\">\(Self.escape(line.label))</text>\n"
        }
        for item in series {
            if item.connected, item.points.count > 1 {
                let path = item.points.map { "\(Self.f(px($0.x))),\(Self.f(py($0.y)))" }.joined(separator: " ")
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"1.5\"/>\n"
            }
            for point in item.points { svg += Self.marker(item.marker, x: px(point.x), y: py(point.y), size: item.size, color: item.color) }
        }
        for (index, item) in series.enumerated() {
            let y = top + 8 + Double(index) * 18
            let x = left + plotWidth + 14
            svg += Self.marker(item.marker == .none ? .circle : item.marker, x: x, y: y, size: 4, color: item.color)
            svg += "<text x=\"\(Self.f(x + 10))\" y=\"\(Self.f(y))\" dominant-baseline=\"middle\">\(Self.escape(item.label))</text>\n"
        }
        return svg + "</svg>"
    }

    static func marker(_ marker: Marker, x: Double, y: Double, size: Double, color: String) -> String {
        switch marker {
        case .none: return ""
        case .circle: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(size))\" fill=\"\(color)\" fill-opacity=\"0.75\"/>\n"
        case .square: return "<rect x=\"\(f(x - size))\" y=\"\(f(y - size))\" width=\"\(f(2 * size))\" height=\"\(f(2 * size))\" fill=\"\(color)\"/>\n"
        case .diamond:
            let s = size * 1.4
            return "<polygon points=\"\(f(x)),\(f(y - s)) \(f(x + s)),\(f(y)) \(f(x)),\(f(y + s)) \(f(x - s)),\(f(y))\" fill=\"\(color)\"/>\n"
        }
    }

    /// A range covering `values` with a margin, never empty.
    static func niceRange(_ values: [Double]) -> (low: Double, high: Double) {
        let finite = values.filter(\.isFinite)
        guard var low = finite.min(), var high = finite.max() else { return (0, 1) }
        if high - low < 1e-9 { (low, high) = (low - max(abs(low) * 0.05, 0.5), high + max(abs(high) * 0.05, 0.5)) }
        let margin = (high - low) * 0.06
        return (low - margin, high + margin)
    }

    /// About five round tick values inside `range`.
    static func ticks(_ range: (low: Double, high: Double)) -> [Double] {
        let span = range.high - range.low
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var tick = ceil(range.low / step) * step
        var ticks: [Double] = []
        while tick <= range.high + 1e-12 {
            ticks.append(tick)
            tick += step
        }
        return ticks
    }

    static func label(_ value: Double) -> String {
        let value = abs(value) < 1e-12 ? 0 : value  // no "-0"
        let magnitude = abs(value)
        if magnitude >= 100 || value == value.rounded() { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3f", value)
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
