#!/usr/bin/env bash
# Rebuild the shipped Austen model from scratch: corpus -> tokenizer -> training
# -> llama2.c v0 export -> reference fixtures. Everything scratch lives in
# model/work/ (git-ignored); the results are copied to model/release/ and
# model/reference/. Usage: model/build.sh   (env TRAIN_ARGS="..." passes extra
# options to train.py, e.g. TRAIN_ARGS="--max-steps 20 --warmup-steps 5" for a smoke run;
# MODEL_WORK_DIR, MODEL_RELEASE_DIR, MODEL_REFERENCE_DIR redirect the outputs so a
# smoke run need not overwrite the shipped files).
set -euo pipefail
cd "$(dirname "$0")"

WORK="${MODEL_WORK_DIR:-work}"
RELEASE="${MODEL_RELEASE_DIR:-release}"
REFERENCE="${MODEL_REFERENCE_DIR:-reference}"
VENV=work/venv
mkdir -p "$WORK" work

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet -r requirements.txt
PY="$VENV/bin/python"

# 1. corpus: apt-get download r-cran-janeaustenr, parse Rdata.rdb, split by chapter.
"$PY" get_corpus.py --out "$WORK/corpus"

# 2. tokenizer: SentencePiece BPE, 2048 pieces, byte fallback; llama2.c tokenizer.bin too.
"$PY" train_tokenizer.py --corpus "$WORK/corpus/train.txt" --out "$WORK/tokenizer"

# 3. training (fixed seeds, time-capped; see README.md).
# shellcheck disable=SC2086
"$PY" train.py --corpus "$WORK/corpus" --tokenizer "$WORK/tokenizer/tokenizer.model" \
    --out "$WORK/train" ${TRAIN_ARGS:-} 2>&1 | tee "$WORK/train_stdout.log"

# 4. export and reference fixtures.
mkdir -p "$RELEASE"
"$PY" export.py --train-dir "$WORK/train" --out "$RELEASE/austen-v0-f32.bin"
cp "$WORK/tokenizer/tokenizer.model" "$WORK/tokenizer/tokenizer.bin" "$RELEASE/"
cp "$WORK/train/train_log.jsonl" "$WORK/train/summary.json" "$WORK/train/config.json" "$RELEASE/"
cp "$WORK/corpus/manifest.json" "$RELEASE/corpus_manifest.json"
cp "$WORK/train_stdout.log" "$RELEASE/train_stdout.log"
"$PY" make_reference.py --checkpoint "$RELEASE/austen-v0-f32.bin" --tokenizer "$RELEASE/tokenizer.model" \
    --val-text "$WORK/corpus/val.txt" --out "$REFERENCE"
echo "build.sh: done; see $RELEASE/ and $REFERENCE/"
