#!/usr/bin/env bash
# End-to-end test of the llm demo: the EE program, run headless in the simulator from its disc image,
# must print exactly the text the host engine (`llm-generate`, greedy) prints for the same model, prompt
# and number of positions. Also checks that the screenshot was written.
#
#   examples/llm/e2e.sh                     # portable kernels (bit-identical to the host by construction)
#   KERNELS=r5900 examples/llm/e2e.sh       # the R5900 kernels (FPU softmax/rmsnorm: may legitimately differ)
#   STEPS=48 PROMPT="Mr. Darcy said" examples/llm/e2e.sh
#   BUDGET_KIB=1500 examples/llm/e2e.sh     # weights streamed from the disc every token (the over-RAM path)
#   PAD=1 examples/llm/e2e.sh               # through the pad menu (a pad script selects preset 2, presses X)
#
# Exit status 0 when the texts are equal. Needs examples/llm/disc/MODEL/AUSTEN.PLM (make_disc.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/h-llm}"
model=examples/llm/disc/MODEL/AUSTEN.PLM
prompt="${PROMPT:-It is a truth universally acknowledged}"
steps="${STEPS:-24}"
kernels="${KERNELS:-portable}"
out="${OUT_DIR:-$CARGO_TARGET_DIR/llm-e2e}"
mkdir -p "$out"
[[ -f "$model" ]] || { echo "e2e: $model is missing (run examples/llm/make_disc.sh)" >&2; exit 1; }

cargo hrun -q --release -p llm-tools --bin llm-generate -- "$model" -p "$prompt" -n "$steps" -t 0 \
    > "$out/host.txt" 2> "$out/host.err"

# One build, copied so that the disc image is written next to the copy (no clash with other runs).
cargo build -q --release --example llm
cp "$CARGO_TARGET_DIR/mips-ps2-ee/release/examples/llm" "$out/llm"
rm -f "$out/ee.png"
sim_args="--json $out/ee.json --screenshot $out/ee.png --max-seconds 600"
if [[ -n "${PAD:-}" ]]; then
    # Through the pad menu: the prompt is the second preset; DOWN selects it, X tells it.
    printf '0 0 -\n400 0 DOWN\n410 0 -\n430 0 CROSS\n440 0 -\n' > "$out/e2e.pad"
    sim_args="$sim_args --pad-script $out/e2e.pad"
    ee_args=(interactive=1 stories=1 "prompt=(the wrong preset)" "prompt2=$prompt")
else
    ee_args=(interactive=0 "prompt=$prompt")
fi
# BUDGET_KIB caps the weights' RAM so that the model streams from the disc every token.
[[ -n "${BUDGET_KIB:-}" ]] && ee_args+=("budget_kib=$BUDGET_KIB")
PS2_SIM_ARGS="$sim_args" cargo hrun -q --release -p ps2-run -- "$out/llm" "${ee_args[@]}" "steps=$steps" temperature=0 \
    "kernels=$kernels" > "$out/ee.log" 2> "$out/ee.err" \
    || { echo "e2e: the EE run failed:" >&2; tail -n 20 "$out/ee.err" "$out/ee.log" >&2; exit 1; }

# The story is what the EE printed between its markers (the host prints the same text and a new line).
sed -n '/^\[story\]$/,/^\[end of story\]$/p' "$out/ee.log" | sed '1d;$d' > "$out/ee.txt"
if ! cmp -s "$out/host.txt" "$out/ee.txt"; then
    echo "e2e: FAIL: the EE's text differs from the host's ($kernels kernels)" >&2
    diff "$out/host.txt" "$out/ee.txt" >&2 || true
    exit 1
fi
[[ -s "$out/ee.png" ]] || { echo "e2e: FAIL: no screenshot written" >&2; exit 1; }
echo "e2e: ok: $(wc -c < "$out/ee.txt") bytes of text identical on the EE ($kernels kernels) and the host; $(grep -o '^[0-9]* tokens.*' "$out/ee.log")"
