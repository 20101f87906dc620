#!/usr/bin/env bash
# A long fuzzing campaign: runs the libFuzzer harnesses of `make fuzz` side by side, each for
# SECONDS of wall time, and prints one line per harness (executions, coverage, crashes) plus where
# the logs are. `make fuzz` runs them one after the other, for CI; this is for the hours-long runs
# docs/RELIABILITY.md reports.
# Usage: scripts/fuzz_campaign.sh SECONDS [TARGET...]   (default: every target; run `make fuzz
# FUZZ_SECONDS=1` first to build the harnesses and the seeds)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz_campaign.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx idx_gz cifar image safetensors npy config checkpoint_meta metrics_csv)
out=build-fuzz/campaign
mkdir -p "$out" build-fuzz/tmp
for t in "${targets[@]}"; do
    [ -x build-fuzz/fuzz_$t ] || { echo "error: build-fuzz/fuzz_$t missing: run make fuzz FUZZ_SECONDS=1 first"; exit 1; }
    rm -rf "$out/crashes-$t" && mkdir -p "$out/crashes-$t" "build-fuzz/corpus/$t"
    cp build-fuzz/seeds/$t/* "build-fuzz/corpus/$t/"
    regress=$([ -d tests/fuzz_regressions/$t ] && echo tests/fuzz_regressions/$t || true)
    TMPDIR=build-fuzz/tmp build-fuzz/fuzz_$t -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/crashes-$t/" "build-fuzz/corpus/$t" $regress > "$out/$t.log" 2>&1 &
done
wait || true
status=0
for t in "${targets[@]}"; do
    log=$out/$t.log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    crashes=$(ls "$out/crashes-$t" | grep -c -E '^(crash|leak|timeout|oom)-' || true)
    reports=$(grep -c -E 'runtime error|ERROR: AddressSanitizer|ERROR: LeakSanitizer' "$log" || true)
    printf 'fuzz %-16s %5ss %10s execs %7s exec/s  cov %5s  crashes %s  sanitizer reports %s\n' \
        "$t" "$seconds" "${execs:-?}" "${speed:-?}" "${cov:-?}" "$crashes" "$reports"
    [ "$crashes" = 0 ] && [ "$reports" = 0 ] || status=1
done
echo "logs: $out/<target>.log, reproducers: $out/crashes-<target>/"
exit $status
