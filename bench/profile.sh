#!/usr/bin/env bash
# Instruction-count profiles (valgrind's callgrind: exact and repeatable, even on a busy machine) of the
# hot paths, on a small seeded workload. Profile before optimising; compare the totals after.
#
#   bench/profile.sh [--subscribers N] [--requests M] [--only inprocess|check|audit]
#
# Writes .build-bench/profile/callgrind.<what>.out and prints the top functions by inclusive count
# (demangled). Open the .out files with callgrind_annotate or kcachegrind for the full picture.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSCRIBERS=100 REQUESTS=3000 ONLY=all
while [ $# -gt 0 ]; do
  case "$1" in
    --subscribers) SUBSCRIBERS=$2; shift ;;
    --requests) REQUESTS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench/profile.sh: unknown flag \`$1\`" >&2; exit 64 ;;
  esac
  shift
done
command -v valgrind >/dev/null || { echo "bench/profile.sh: valgrind is not installed (apt-get install -y valgrind)" >&2; exit 69; }
swift build -c release --product clearance >&2
swift build -c release --product clearance-bench >&2
BIN=$(swift build -c release --show-bin-path)
OUT=.build-bench/profile
W=$OUT/workload-$SUBSCRIBERS-$REQUESTS
mkdir -p "$OUT"
[ -f "$W/manifest.json" ] || "$BIN/clearance-bench" generate --subscribers "$SUBSCRIBERS" --requests "$REQUESTS" --seed 42 --out "$W" >&2

top() {  # $1 = callgrind file: total, then the 40 heaviest functions by inclusive instructions
  echo "== $1: $(callgrind_annotate "$1" 2>/dev/null | sed -n 's/^\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p') instructions for $REQUESTS requests"
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,42p' \
    | (command -v swift-demangle >/dev/null && swift-demangle --simplified || swift demangle --simplified) | cut -c1-200
}
run() {  # $1 = name, rest = command
  local name=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$name.out" "$@" > /dev/null 2> "$OUT/$name.valgrind.log" || true
  top "$OUT/callgrind.$name.out"
}
if [ "$ONLY" = all ] || [ "$ONLY" = inprocess ]; then
  run inprocess "$BIN/clearance-bench" inprocess --dir "$W" --policies Policies
fi
if [ "$ONLY" = all ] || [ "$ONLY" = check ]; then
  run check "$BIN/clearance" check --batch "$W/requests.jsonl" --agreements "$W/agreements.json" --policies Policies
fi
if [ "$ONLY" = all ] || [ "$ONLY" = audit ]; then
  run audit "$BIN/clearance" audit "$W/usage.jsonl" --agreements "$W/agreements.json" --policies Policies --format json -o "$OUT/audit.json" --no-progress
fi
