# Sourced by the bench scripts: sets KDNAS to the kdnas binary to run, building the release one
# here unless KDNAS already names a binary (a copy built earlier, so a benchmark keeps one build
# while the tree moves on).
if [[ -z "${KDNAS:-}" ]]; then
    swift build -c release --product kdnas --quiet
    KDNAS=.build/release/kdnas
fi
