#!/usr/bin/env bash
# Regenerates the demo's disc contents from the llama2.c checkpoints and the SentencePiece tokenizer that
# model/build.sh produces, in the engine's PLLM format:
#   MODEL/AUSTEN.PLM    the "quick" Austen model (2.4M parameters), Q8 weights in groups of 32
#   MODEL/AUSTEN10.PLM  the "rich" Austen model (10.5M parameters, model/release-rich), Q8, groups of 32
#   MODEL/AUSTENQ4.PLM  the quick model with Q4 weights (groups of 64: smaller, lower quality)
# Groups of 32 are what the R5900 kernels' fastest Q8 routine takes (MMI products, VU0 scales).
#
#   examples/llm/make_disc.sh [CHECKPOINT [TOKENIZER]]
#
# Defaults: model/release/austen-v0-f32.bin and model/release/tokenizer.model (falling back to
# model/work/tokenizer/tokenizer.model). QUANT=q4|f32 picks another storage format for AUSTEN.PLM.
# RICH_CHECKPOINT overrides model/release-rich/austen-rich-v0-f32.bin (same tokenizer).
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
    --quant "${QUANT:-q8}" --group-size 32 --quiet -o examples/llm/disc/MODEL/AUSTEN.PLM
cargo hrun -q --release -p llm-tools --bin llm-convert -- llama2c "$checkpoint" --tokenizer "$tokenizer" \
    --quant q4 --group-size 64 --quiet -o examples/llm/disc/MODEL/AUSTENQ4.PLM
rich="${RICH_CHECKPOINT:-model/release-rich/austen-rich-v0-f32.bin}"
[[ -f "$rich" ]] || { echo "make_disc.sh: no rich checkpoint at $rich (run model/build.sh rich)" >&2; exit 1; }
cargo hrun -q --release -p llm-tools --bin llm-convert -- llama2c "$rich" --tokenizer "$tokenizer" \
    --quant q8 --group-size 32 --quiet -o examples/llm/disc/MODEL/AUSTEN10.PLM
