#!/usr/bin/env bash
# Rebuild the shipped Austen model from scratch: corpus -> tokenizer -> training
# -> llama2.c v0 export -> reference fixtures. Everything scratch lives in
# model/work/ (git-ignored); the results are copied to model/release/ and
# model/reference/. Usage: model/build.sh   (env TRAIN_ARGS="..." passes extra
# options to train.py, e.g. TRAIN_ARGS="--max-steps 50" for a smoke run).
set -euo pipefail
cd "$(dirname "$0")"

WORK=work
VENV=$WORK/venv
mkdir -p "$WORK"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet -r requirements.txt
PY="$VENV/bin/python"

# 1. corpus: apt-get download r-cran-janeaustenr, parse Rdata.rdb, split by chapter.
"$PY" get_corpus.py --out "$WORK/corpus"

# 2. tokenizer: SentencePiece BPE, 2048 pieces, byte fallback; llama2.c tokenizer.bin too.
"$PY" train_tokenizer.py --corpus "$WORK/corpus/train.txt" --out "$WORK/tokenizer"

# 3. training (fixed seeds; 2 CPU threads are plenty and leave room for others).
# shellcheck disable=SC2086
"$PY" train.py --corpus "$WORK/corpus" --tokenizer "$WORK/tokenizer/tokenizer.model" \
    --out "$WORK/train" ${TRAIN_ARGS:-}

# 4. export and reference fixtures.
mkdir -p release
"$PY" export.py --train-dir "$WORK/train" --out release/austen-v0-f32.bin
cp "$WORK/tokenizer/tokenizer.model" "$WORK/tokenizer/tokenizer.bin" release/
cp "$WORK/train/train_log.jsonl" "$WORK/train/summary.json" "$WORK/train/config.json" release/
cp "$WORK/corpus/manifest.json" release/corpus_manifest.json
"$PY" make_reference.py --checkpoint release/austen-v0-f32.bin --tokenizer release/tokenizer.model \
    --val-text "$WORK/corpus/val.txt" --out reference
echo "build.sh: done; see release/ and reference/"
