#!/usr/bin/env bash
# Regenerates the demo's disc contents: examples/llm/disc/MODEL/AUSTEN.PLM, the shipped Austen model
# converted to the engine's PLLM format with Q8 weights (group 64), and MODEL/AUSTENQ4.PLM, the same weights
# with Q4 weights (group 64: smaller and faster, lower quality), from the llama2.c checkpoint and the
# SentencePiece tokenizer that model/build.sh produces.
#
#   examples/llm/make_disc.sh [CHECKPOINT [TOKENIZER]]
#
# Defaults: model/release/austen-v0-f32.bin and model/release/tokenizer.model (falling back to
# model/work/tokenizer/tokenizer.model). QUANT=q4|f32 picks another storage format for AUSTEN.PLM.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
checkpoint="${1:-model/release/austen-v0-f32.bin}"
tokenizer="${2:-}"
if [[ -z "$tokenizer" ]]; then
    for candidate in model/release/tokenizer.model model/work/tokenizer/tokenizer.model; do
        if [[ -f "$candidate" ]]; then tokenizer="$candidate"; break; fi
    done
fi
[[ -f "$checkpoint" ]] || { echo "make_disc.sh: no checkpoint at $checkpoint (run model/build.sh)" >&2; exit 1; }
[[ -n "$tokenizer" && -f "$tokenizer" ]] || { echo "make_disc.sh: no tokenizer.model found (pass it as the 2nd argument)" >&2; exit 1; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/h-llm}"
mkdir -p examples/llm/disc/MODEL
cargo hrun -q --release -p llm-tools --bin llm-convert -- llama2c "$checkpoint" --tokenizer "$tokenizer" \
    --quant "${QUANT:-q8}" --group-size 64 --quiet -o examples/llm/disc/MODEL/AUSTEN.PLM
cargo hrun -q --release -p llm-tools --bin llm-convert -- llama2c "$checkpoint" --tokenizer "$tokenizer" \
    --quant q4 --group-size 64 --quiet -o examples/llm/disc/MODEL/AUSTENQ4.PLM
