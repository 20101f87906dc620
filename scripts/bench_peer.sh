#!/usr/bin/env bash
# contrast against its PyTorch peer on the training-step workloads of spec/WORKLOADS.md, back to
# back in one session with the same settings, then a side-by-side table with ratios. A development
# aid: it needs Debian's /usr/bin/python3 with torch; `make bench` itself never runs Python.
# The peer is ../shared/peer/torch_ref.py (override with PEER=path); results go to --out as JSON.
#
#   scripts/bench_peer.sh                       # all workloads, 2 threads, 30 steps, default + tuned peer
#   scripts/bench_peer.sh --workload cifar-simclr --steps 20 --rounds 2 --no-tuned
set -euo pipefail
cd "$(dirname "$0")/.."

workload=all steps=30 threads=2 rounds=1 tuned=1 memory=1 build=build-bench out=build-bench/peer
PEER=${PEER:-../shared/peer/torch_ref.py}
PY=/usr/bin/python3
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    echo "options: --workload NAME|all  --steps N  --threads T  --rounds R (repeat the pair)"
    echo "         --no-tuned (skip channels-last + jemalloc)  --no-memory  --build DIR  --out DIR"
}
while [ $# -gt 0 ]; do
    case "$1" in
        --workload) workload=$2; shift 2 ;;
        --steps) steps=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --no-tuned) tuned=0; shift ;;
        --no-memory) memory=0; shift ;;
        --build) build=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench_peer.sh: unknown option '$1'" >&2; usage >&2; exit 1 ;;
    esac
done
[ -f "$PEER" ] || { echo "bench_peer.sh: peer not found at $PEER (set PEER=path/to/torch_ref.py)" >&2; exit 1; }
[ -x "$PY" ] && "$PY" -c 'import torch' 2>/dev/null ||
    { echo "bench_peer.sh: $PY cannot import torch: apt-get install python3-torch" >&2; exit 1; }
if [ "$tuned" = 1 ] && [ ! -f "$JEMALLOC" ]; then
    echo "bench_peer.sh: $JEMALLOC missing (apt-get install libjemalloc2): skipping the tuned peer" >&2
    tuned=0
fi

make BUILD="$build" "$build/bench/bench_workloads" >/dev/null
ours="$build/bench/bench_workloads"
mkdir -p "$out"

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, git $(git rev-parse --short HEAD)"
for r in $(seq 1 "$rounds"); do
    echo "== round $r: contrast   (load $(cut -d' ' -f1-3 /proc/loadavg))"
    mem_flag=$([ "$memory" = 1 ] && [ "$workload" = all ] && echo "" || echo "--no-memory")
    "$ours" --workload "$workload" --threads "$threads" --steps "$steps" $mem_flag --json "$out/contrast_$r.json"
    echo "== round $r: PyTorch default (NCHW)   (load $(cut -d' ' -f1-3 /proc/loadavg))"
    "$PY" "$PEER" --workload "$workload" --threads "$threads" --steps "$steps" --json "$out/torch_$r.json"
    if [ "$tuned" = 1 ]; then
        echo "== round $r: PyTorch tuned (channels-last + jemalloc)   (load $(cut -d' ' -f1-3 /proc/loadavg))"
        LD_PRELOAD=$JEMALLOC MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 \
            "$PY" "$PEER" --workload "$workload" --threads "$threads" --steps "$steps" --channels-last \
            --json "$out/torch_tuned_$r.json"
    fi
    if [ "$memory" = 1 ] && [ "$workload" = all ]; then
        # Same measurement as ours: 30 W3 steps, no warm-up, a fresh process. Python + torch alone
        # take a baseline of their own, so the peer also reports an empty `import torch`.
        peer_rss=$(/usr/bin/time -f %M "$PY" "$PEER" --workload cifar-simclr --threads "$threads" --steps 30 \
            --warmup 0 2>&1 >/dev/null | tail -1)
        base_rss=$(/usr/bin/time -f %M "$PY" -c 'import torch' 2>&1 | tail -1)
        echo "{\"w3_30_steps_peak_rss_kib\": $peer_rss, \"import_torch_rss_kib\": $base_rss}" >"$out/torch_memory_$r.json"
    fi
    echo "== round $r: side by side (load $(cut -d' ' -f1-3 /proc/loadavg))"
    "$PY" - "$out" "$r" <<'EOF'
import json, os, sys
out, r = sys.argv[1], sys.argv[2]
def load(name):
    p = os.path.join(out, f"{name}_{r}.json")
    return json.load(open(p)) if os.path.exists(p) else None
ours, torch_d, torch_t, mem = load("contrast"), load("torch"), load("torch_tuned"), load("torch_memory")
by = lambda d: {x["workload"]: x for x in d["results"]} if d else {}
o, d, t = by(ours), by(torch_d), by(torch_t)
print(f"{'workload':<18} {'contrast ms':>12} {'torch ms':>10} {'ratio':>6} {'tuned ms':>9} {'ratio':>6}"
      f" {'contrast GF/s':>13} {'loss ours / torch (first step)':>32}")
for name, x in o.items():
    ms = x["step_ms"]["median"]
    row = f"{name:<18} {ms:12.1f}"
    for peer in (d, t):
        p = peer.get(name)
        row += f" {p['step_ms']['median']:10.1f} {ms / p['step_ms']['median']:5.2f}x" if p else f" {'-':>10} {'-':>6}"
    p = d.get(name)
    loss = f"{x['loss_first']:.4f} / {p['loss_first']:.4f}" if p else f"{x['loss_first']:.4f}"
    print(row + f" {x['gflops_achieved']:13.1f} {loss:>32}")
print("ratio = contrast ms / PyTorch ms (below 1: contrast is faster)")
if ours and "w3_peak_rss_mib" in ours and mem:
    print(f"W3, 30 steps, peak RSS: contrast {ours['w3_peak_rss_mib']:.0f} MiB, "
          f"PyTorch {mem['w3_30_steps_peak_rss_kib'] / 1024:.0f} MiB "
          f"(of which `import torch` alone {mem['import_torch_rss_kib'] / 1024:.0f} MiB)")
EOF
done
