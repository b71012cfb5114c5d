#!/usr/bin/env bash
# Benchmarks of the llm demo on the simulator's cycle model (not a timed test): each case runs the EE program
# headless with a fixed prompt, seed 42, greedy sampling and a fixed number of positions, then reports from
# the program's `[llm-bench]` line and the simulator's JSON summary:
#   est. EE cycles per token (forward pass, disc waits included), est. tok/s at 294.912 MHz, time to first
#   token (from the start of generation: prompt positions and their disc reads), load time, soft-float
#   calls per token, and for streamed models the disc-bound efficiency (the drive model's time for the
#   bytes read during generation / the generation time).
#
#   examples/llm/bench.sh                  # demo model x {portable, r5900, r5900-fpu}, the rich Austen model
#                                          # (AUSTEN10.PLM) x the same, 15M synthetic Q8 (resident) x the same,
#                                          # 47 MB synthetic Q8 (streamed, > 32 MB)
#   CASES="demo big" examples/llm/bench.sh # a subset (demo, rich, 15m, big)
#   TIMINGS=calibrated examples/llm/bench.sh # one EE cycle model only (default: "simple calibrated")
#   KERNELS=r5900-fpu examples/llm/bench.sh  # some kernel sets only (default: "portable r5900 r5900-fpu";
#                                            # also r5900-fpu-spr, the Q8 rows streamed through the scratchpad)
#
# Each case runs under each of the simulator's EE cycle models (`--timing`, see tools/r5900/TIMING.md):
# `simple` (one cycle per instruction, the earlier estimate) and `calibrated` (dual issue, scoreboard,
# caches, branch prediction). With both, a second table compares them per case.
#
# The synthetic models are written by `llm-convert synth` into $OUT_DIR (not committed).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/h-llm}"
out="${OUT_DIR:-$CARGO_TARGET_DIR/llm-bench}"
cases="${CASES:-demo rich 15m big}"
timings="${TIMINGS:-simple calibrated}"
kernel_sets="${KERNELS:-portable r5900 r5900-fpu}"
soft_float="__addsf3,__subsf3,__mulsf3,__divsf3,__ltsf2,__gtsf2,__gesf2,__lesf2,__eqsf2,__nesf2,__unordsf2,__floatsisf,__fixsfsi,__floatunsisf,__fixunssfsi,expf,sqrtf,roundf"
mkdir -p "$out"
cargo hbuild -q --release -p llm-tools --bin llm-convert
# One build of the EE program, copied: later edits of the tree do not change a running benchmark, and its
# disc images are written next to the copy.
cargo build -q --release --example llm
cp "$CARGO_TARGET_DIR/mips-ps2-ee/release/examples/llm" "$out/llm"
convert="$CARGO_TARGET_DIR/$(rustc -vV | sed -n 's/^host: //p')/release/llm-convert"

synth() { # dir, extra args
    local dir="$1"; shift
    mkdir -p "$dir/MODEL"
    [[ -f "$dir/MODEL/SYNTH.PLM" ]] || "$convert" synth "$@" --quant q8 --quiet -o "$dir/MODEL/SYNTH.PLM" >&2
}

run_case() { # name, disc dir ("" = the example's own), program arguments... (once per cycle model)
    local base="$1" disc="$2"; shift 2
    local timing
    for timing in $timings; do
        local name="$base@$timing"
        local json="$out/$name.json"
        echo "running $name ..." >&2
        if [[ -n "$disc" ]]; then export PS2_DISC_DIR="$disc"; else unset PS2_DISC_DIR; fi
        PS2_SIM_ARGS="--json $json --max-seconds 900 --quiet --timing $timing --count-calls $soft_float" \
            cargo hrun -q --release -p ps2-run -- "$out/llm" interactive=0 "$@" > "$out/$name.log" 2> "$out/$name.err" \
            || { echo "bench: $name failed:" >&2; tail -n 5 "$out/$name.err" "$out/$name.log" >&2; return 1; }
        grep '^\[llm-bench\]' "$out/$name.log" | sed "s/^\[llm-bench\]/$name json=${json//\//\\/}/" >> "$out/results.txt"
    done
}

rm -f "$out/results.txt"
for case in $cases; do
    case "$case" in
        demo)
            for kernels in $kernel_sets; do
                run_case "demo-$kernels" "" steps=48 temperature=0 seed=42 "kernels=$kernels"
            done ;;
        rich)
            for kernels in $kernel_sets; do
                run_case "rich-$kernels" "" steps=48 temperature=0 seed=42 'model=MODEL\AUSTEN10.PLM' "kernels=$kernels"
            done ;;
        15m)
            synth "$out/synth15m"
            for kernels in $kernel_sets; do
                run_case "synth15m-$kernels" "$out/synth15m" 'model=MODEL\SYNTH.PLM' prompt=Once steps=12 temperature=0 "kernels=$kernels"
            done ;;
        big)
            synth "$out/synth47m" --dim 512 --hidden-dim 1376 --layers 8 --heads 8 --kv-heads 8 --vocab 32000 --seq-len 64
            run_case "synth47m-streamed-r5900-fpu" "$out/synth47m" 'model=MODEL\SYNTH.PLM' prompt=A steps=4 temperature=0 kernels=r5900-fpu ;;
        *) echo "bench: unknown case $case (demo, rich, 15m, big)" >&2; exit 2 ;;
    esac
done

python3 - "$out/results.txt" <<'PY'
import json, sys
CLOCK = 294.912e6
rows = []
for line in open(sys.argv[1]):
    name, *fields = line.split()
    f = dict(kv.split("=", 1) for kv in fields)
    sim = json.load(open(f["json"]))
    num = lambda k: int(f[k])
    positions = num("positions")
    per_token = num("forward_cycles") / positions
    calls = sum((sim.get("calls") or {}).values())
    streamed = num("streamed_bytes_per_token")
    efficiency = "-"
    # Read per generated position: equal to the plan's streamed bytes when every token streams.
    read_per_token = num("generation_disc_bytes") / positions / 1e6
    if streamed and num("generation_disc_bytes"):
        drive_rate = sim["disc_bytes_read"] / sim["disc_seconds"]
        drive_min = num("generation_disc_bytes") / drive_rate
        efficiency = f"{100 * drive_min / (num('forward_cycles') / CLOCK):.0f} %"
    rows.append((name, f"{per_token / 1e6:.1f} M", f"{CLOCK / per_token:.2f}", f"{per_token / CLOCK:.2f}",
                 f"{num('first_token_cycles') / CLOCK:.2f}", f"{num('load_cycles') / CLOCK:.2f}",
                 f"{num('resident_bytes') / 1e6:.1f}/{streamed / 1e6:.1f}", f"{read_per_token:.1f}", f"{calls / positions / 1e3:.0f} k", efficiency))
header = ("case", "cycles/token", "tok/s", "s/token", "first token s", "load s", "resident/streamed MB", "disc MB read/token", "soft-float calls/token", "disc-bound eff.")
print("| " + " | ".join(header) + " |")
print("|" + "---|" * len(header))
for row in rows:
    print("| " + " | ".join(row) + " |")

# Old (simple) vs calibrated model per case, with the calibrated model's counters per token.
per_case = {}
for line in open(sys.argv[1]):
    name, *fields = line.split()
    f = dict(kv.split("=", 1) for kv in fields)
    base, _, timing = name.partition("@")
    sim = json.load(open(f["json"]))
    per_case.setdefault(base, {})[timing] = (int(f["forward_cycles"]) / int(f["positions"]), sim.get("timing") or {}, sim)
pairs = [(b, t) for b, t in per_case.items() if "simple" in t and "calibrated" in t]
if pairs:
    print()
    header = ("case", "simple cycles/token", "calibrated cycles/token", "calibrated/simple", "simple tok/s", "calibrated tok/s",
              "dual-issued share", "mispredicts/1k instr", "I$ misses/1k instr", "dep. stall share", "mem. stall share")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for base, t in pairs:
        simple, calibrated = t["simple"][0], t["calibrated"][0]
        counters, sim = t["calibrated"][1], t["calibrated"][2]
        # The counters cover the whole run (load and prompt included), so they are given as shares of all
        # cycles and per 1000 instructions of the run.
        total_cycles, instructions = sim["cycles"], sim["instructions"]
        print("| " + " | ".join((
            base, f"{simple / 1e6:.2f} M", f"{calibrated / 1e6:.2f} M", f"{calibrated / simple:.3f}",
            f"{CLOCK / simple:.2f}", f"{CLOCK / calibrated:.2f}",
            f"{counters.get('dual_issued', 0) / instructions:.1%}",
            f"{1e3 * counters.get('mispredicts', 0) / instructions:.2f}",
            f"{1e3 * counters.get('icache_misses', 0) / instructions:.3f}",
            f"{counters.get('dependency_stall_cycles', 0) / total_cycles:.1%}",
            f"{counters.get('memory_stall_cycles', 0) / total_cycles:.1%}")) + " |")
PY
