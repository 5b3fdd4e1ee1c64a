#!/usr/bin/env bash
# Fuzzes Clearance's input readers with libFuzzer (issue 6).
#
#   fuzz/run.sh [-t SECONDS] [--save] [TARGET...]
#
# Builds `clearance-fuzz` with `-sanitize=fuzzer,address -DFUZZING` into `.build-fuzz/`, then runs
# each target (default: all) for SECONDS (default 60; use 600+ for the long run the README quotes).
# Seeds are read from `fuzz/corpus/<target>/` (kept in the repository, never written by a run);
# inputs that find new coverage go to `.build-fuzz/corpus/<target>/`; `--save` merges those back
# into the seed corpus (minimised). A crash is written to `fuzz/crashes/<target>/` and the script
# exits 1: replay it with `swift run clearance-fuzz TARGET FILE`, fix, and keep the file there —
# `swift test` replays every file in `fuzz/crashes/` and `fuzz/corpus/`.
# Final figures (executions, coverage, corpus size) go to `.build-fuzz/results.tsv`.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=60
SAVE=0
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t) SECONDS_PER_TARGET="$2"; shift 2 ;;
    --save) SAVE=1; shift ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
swift build --product clearance-fuzz --scratch-path .build-fuzz -c debug \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING >&2
BIN=.build-fuzz/debug/clearance-fuzz
if [ ${#TARGETS[@]} -eq 0 ]; then
  for d in fuzz/corpus/*/; do TARGETS+=("$(basename "$d")"); done
fi
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0
RESULTS=.build-fuzz/results.tsv
[ -f "$RESULTS" ] || printf 'date\ttarget\tseconds\texecutions\texec_per_sec\tcoverage\tfeatures\tcorpus\tcrashes\n' > "$RESULTS"
STATUS=0
for t in "${TARGETS[@]}"; do
  work=.build-fuzz/corpus/$t
  crashes=fuzz/crashes/$t
  mkdir -p "$work" "$crashes" "fuzz/corpus/$t"
  log=.build-fuzz/$t.log
  stamp=.build-fuzz/$t.start; touch "$stamp"
  echo "== $t: ${SECONDS_PER_TARGET}s" >&2
  set +e
  CLEARANCE_FUZZ_TARGET=$t "$BIN" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 \
    -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/" \
    "$work" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo 0)
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo 0)
  corp=$(echo "$last" | grep -o 'corp: [0-9]*' | grep -o '[0-9]*' || echo 0)
  ncrash=$(find "$crashes" -type f -newer "$stamp" \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$SECONDS_PER_TARGET" "$execs" "$rate" "$cov" "$ft" "$corp" "$ncrash" >> "$RESULTS"
  echo "   executions=$execs exec/s=$rate cov=$cov ft=$ft corpus=$corp exit=$rc" >&2
  if [ $rc -ne 0 ]; then
    echo "   CRASH: see $log and $crashes/" >&2
    grep -E 'fuzz invariant|Fatal error|ERROR: AddressSanitizer|==ERROR' "$log" | head -3 >&2 || true
    STATUS=1
  fi
  if [ $SAVE -eq 1 ]; then
    CLEARANCE_FUZZ_TARGET=$t "$BIN" -merge=1 -max_len=65536 "fuzz/corpus/$t" "$work" >/dev/null 2>&1 || true
  fi
done
column -t -s $'\t' "$RESULTS" | tail -n $(( ${#TARGETS[@]} + 1 )) >&2
exit $STATUS
