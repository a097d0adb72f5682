#!/usr/bin/env bash
# The main job, from a fresh clone: installs what is missing, builds kdnas, and runs it.
#
# Usage: scripts/main.sh
#
# Today the engine is what exists: the job reports the compute set-up and measures it. As the
# search lands, this becomes the whole KD-NAS pipeline on the bundled rotten-tomatoes task.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/install-system.sh
echo "main: building kdnas (release)"
swift build -c release --product kdnas --quiet
.build/release/kdnas info
