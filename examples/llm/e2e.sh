#!/usr/bin/env bash
# End-to-end test of the llm demo: the EE program, run headless in the simulator from its disc image, against
# the host engine (`llm-generate`, greedy) on the same model, prompt and number of positions.
#
#   examples/llm/e2e.sh                     # portable kernels: text and token ids must equal the host's exactly
#   KERNELS=r5900-fpu examples/llm/e2e.sh   # the demo's default kernels: ids equal until a near-tie (below)
#   STEPS=48 PROMPT="Mr. Darcy said" examples/llm/e2e.sh
#   BUDGET_KIB=1500 examples/llm/e2e.sh     # weights streamed from the disc every token (the over-RAM path)
#   PAD=1 examples/llm/e2e.sh               # through the pad menu (a pad script selects preset 2, presses X)
#   SIM_ARGS="--cdvdfsv-read-reply zero" examples/llm/e2e.sh   # more simulator options
#
# Tolerance for the R5900 kernels (`r5900`, `r5900-fpu`: FPU arithmetic that rounds differently from the host's):
# the EE's greedy token ids must equal the host's at every position up to the first one where they differ, and
# there the host's two best logits must be closer than MARGIN_MAX (default 0.25 logits): a near-tie that a rounding
# difference can flip (measured flips: margins 0.0018 to 0.045, see the README). After that point the texts may part;
# the margin is printed. Portable kernels are
# bit-identical to the host by construction, so for them any difference fails.
# Either way at least MIN_TOKENS (default 8) tokens must be generated after the prompt, and
# `$OUT_DIR/screen-word.txt` receives a word that the host generated after the prompt and the EE printed too
# (`cargo xtask test` looks for it on the screenshot, so the screen must show generated text, not only the prompt).
#
# Exit status 0 when all holds. Needs examples/llm/disc/MODEL/AUSTEN.PLM (make_disc.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/h-llm}"
model=examples/llm/disc/MODEL/AUSTEN.PLM
prompt="${PROMPT:-It is a truth universally acknowledged}"
steps="${STEPS:-24}"
kernels="${KERNELS:-portable}"
min_tokens="${MIN_TOKENS:-8}"
margin_max="${MARGIN_MAX:-0.25}"
out="${OUT_DIR:-$CARGO_TARGET_DIR/llm-e2e}"
mkdir -p "$out"
[[ -f "$model" ]] || { echo "e2e: $model is missing (run examples/llm/make_disc.sh)" >&2; exit 1; }

cargo hrun -q --release -p llm-tools --bin llm-generate -- "$model" -p "$prompt" -n "$steps" -t 0 \
    --trace "$out/host.trace" > "$out/host.txt" 2> "$out/host.err"

# One build, copied so that the disc image is written next to the copy (no clash with other runs).
cargo build -q --release --example llm
cp "$CARGO_TARGET_DIR/mips-ps2-ee/release/examples/llm" "$out/llm"
rm -f "$out/ee.png"
sim_args="--json $out/ee.json --screenshot $out/ee.png --max-seconds 600 ${SIM_ARGS:-}"
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

# The settings come from the disc's LLM.CFG (the simulator's host: folder, the program's own, has none).
grep -qx 'settings: LLM.CFG from the disc' "$out/ee.log" \
    || { echo "e2e: FAIL: the EE did not say that it read LLM.CFG from the disc:" >&2; grep '^settings' "$out/ee.log" >&2; exit 1; }

# The story is what the EE printed between its markers (the host prints the same text and a new line).
sed -n '/^\[story\]$/,/^\[end of story\]$/p' "$out/ee.log" | sed '1d;$d' > "$out/ee.txt"
# The EE's token ids: "[llm-tokens] prompt=N id id ..." (the token chosen after each position).
grep '^\[llm-tokens\] ' "$out/ee.log" | tail -n 1 | cut -d' ' -f2- > "$out/ee.tokens" || true
[[ -s "$out/ee.tokens" ]] || { echo "e2e: FAIL: the EE printed no [llm-tokens] line" >&2; exit 1; }

# Compare the ids position by position with the host's trace ("pos next top1 top2 margin").
verdict="$(awk -v kernels="$kernels" -v margin_max="$margin_max" -v min_tokens="$min_tokens" '
    NR == FNR { next_id[$1] = $2; margin[$1] = $5; host_n = FNR; next }
    {
        prompt = substr($1, 8) + 0; ee_n = NF - 1
        for (i = 2; i <= NF; i++) ee[i - 2] = $i
    }
    END {
        generated = ee_n - (prompt - 1)
        host_generated = host_n - (prompt - 1)
        if (generated < min_tokens) { printf "FAIL: the EE generated %d token(s), fewer than %d\n", generated, min_tokens; exit }
        if (host_generated < min_tokens) { printf "FAIL: the host generated %d token(s), fewer than %d\n", host_generated, min_tokens; exit }
        n = ee_n < host_n ? ee_n : host_n
        for (pos = 0; pos < n; pos++) {
            if (ee[pos] == next_id[pos]) continue
            if (pos < prompt - 1) { printf "FAIL: prompt token %d differs (EE %s, host %s)\n", pos + 1, ee[pos], next_id[pos]; exit }
            step = pos - (prompt - 1) + 1
            if (kernels == "portable") { printf "FAIL: generated token %d differs (EE %s, host %s) with the bit-identical portable kernels\n", step, ee[pos], next_id[pos]; exit }
            if (margin[pos] + 0 >= margin_max + 0) {
                printf "FAIL: generated token %d differs (EE %s, host %s) where the host margin %s is not a near-tie (< %s)\n", step, ee[pos], next_id[pos], margin[pos], margin_max; exit
            }
            printf "ok: %d of %d generated tokens equal; token %d differs (EE %s, host %s) at a near-tie: host top-2 margin %s < %s\n", step - 1, generated, step, ee[pos], next_id[pos], margin[pos], margin_max
            exit
        }
        if (ee_n != host_n) { printf "FAIL: the EE chose %d tokens, the host %d, with no difference before\n", ee_n, host_n; exit }
        min_margin = ""
        for (pos = prompt - 1; pos < n; pos++) if (min_margin == "" || margin[pos] + 0 < min_margin + 0) min_margin = margin[pos]
        printf "ok: all %d generated tokens equal (smallest host top-2 margin %s)\n", generated, min_margin
    }' "$out/host.trace" "$out/ee.tokens")"
echo "e2e: $kernels kernels: $verdict"
[[ "$verdict" == ok:* ]] || exit 1

if [[ "$kernels" == portable ]] && ! cmp -s "$out/host.txt" "$out/ee.txt"; then
    echo "e2e: FAIL: the EE's text differs from the host's ($kernels kernels)" >&2
    diff "$out/host.txt" "$out/ee.txt" >&2 || true
    exit 1
fi

# A word (4+ letters) that the host generated after the prompt and the EE printed as well: the texts' common
# prefix, less the prompt, less a possibly cut last word.
host_text="$(cat "$out/host.txt")"; ee_text="$(cat "$out/ee.txt")"
common=0
while (( common < ${#host_text} && common < ${#ee_text} )) && [[ "${host_text:common:1}" == "${ee_text:common:1}" ]]; do
    common=$((common + 1))
done
common_text="${host_text:0:common}"
(( common < ${#host_text} )) && common_text="${common_text% *}"
generated_text="${common_text#*"$prompt"}"
# Not a word that the screen shows anyway (the settings and status lines around the story).
sed '/^\[story\]$/,/^\[end of story\]$/d' "$out/ee.log" | grep -oE '[A-Za-z]+' | sort -u > "$out/other-words.txt" || true
word="$(grep -oE '[A-Za-z]{4,}' <<< "$generated_text" | grep -vxF -f "$out/other-words.txt" | head -n 1 || true)"
[[ -n "$word" ]] || { echo "e2e: FAIL: no word of 4+ letters generated after the prompt: '$generated_text'" >&2; exit 1; }
echo "$word" > "$out/screen-word.txt"

[[ -s "$out/ee.png" ]] || { echo "e2e: FAIL: no screenshot written" >&2; exit 1; }
echo "e2e: ok: $kernels kernels, $(wc -c < "$out/ee.txt") bytes of EE text, screen word '$word'; $(grep -o '^[0-9]* tokens.*' "$out/ee.log")"
