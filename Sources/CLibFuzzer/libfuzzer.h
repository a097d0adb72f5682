// libFuzzer's driver (compiler-rt, linked by `-sanitize=fuzzer`): runs the fuzzing loop with the
// command-line options in argv, calling `callback` with each input. Declared here because
// libFuzzer ships no header; only kdnas-fuzz's FUZZING build calls it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
