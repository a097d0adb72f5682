import Foundation
import KDNASCommand
import TensorCore

// OpenBLAS picks its kernels when it is loaded, before main: where it fell back to generic ones on a
// processor it does not know, start again with the core the processor's flags call for.
if let core = Engine.blasCoreReplacement {
    setenv("OPENBLAS_CORETYPE", core, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)  // returns only if it failed: then go on as we are
}

do {
    KDNAS.main(try KDNAS.arguments(CommandLine.arguments))
} catch {
    KDNAS.exit(withError: error)
}
