import Foundation
import FuzzTargets
#if FUZZING
import CLibFuzzer
#endif

/// The fuzzing executable. Built by scripts/fuzz.sh with `-D FUZZING -sanitize=fuzzer`, it hands
/// its arguments to libFuzzer's driver, which calls the target named by KDNAS_FUZZ_TARGET with the
/// inputs it mutates. In an ordinary build it replays files instead: `kdnas-fuzz TARGET FILE...`.
@main
struct FuzzEntry {
    static func main() {
        #if FUZZING
        let name = ProcessInfo.processInfo.environment["KDNAS_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else { fail("KDNAS_FUZZ_TARGET is '\(name)'; expected one of \(names)", 2) }
        selected = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in
            FuzzEntry.selected!.run(data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
            return 0
        })
        #else
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            fail("usage: kdnas-fuzz TARGET FILE...  (TARGET: \(names))", 2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { fail("\(path): cannot be read", 1) }
            target.run(Array(data))
            print("\(path): ok")
        }
        FuzzTarget.removeScratch()
        #endif
    }

    #if FUZZING
    /// The target libFuzzer's C callback runs (it cannot capture).
    nonisolated(unsafe) static var selected: FuzzTarget?
    #endif

    static let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")

    static func fail(_ message: String, _ status: Int32) -> Never {
        FileHandle.standardError.write(Data("kdnas-fuzz: \(message)\n".utf8))
        exit(status)
    }
}
