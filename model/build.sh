#!/usr/bin/env bash
# Rebuild one of the Austen models from scratch: corpus -> tokenizer -> training
# (resumable) -> llama2.c v0 export -> reference fixtures.
#
# Usage: model/build.sh quick|rich [bench]
#   quick  dim 192, 5 layers, 2.4 M parameters, 1000 steps -> release/, reference/
#   rich   dim 384, 6 layers, 10.5 M parameters, 800 steps, dropout 0.2 -> release-rich/, reference-rich/
#   bench  only time a few training steps of that shape (prints s/step), write nothing
#
# Training checkpoints to work/<name>/train/ and stops after TIME_BUDGET_MIN minutes
# (default 42; 0 = no limit). Running the same command again resumes bit-exactly
# from the checkpoint; the export and fixture steps run only once training has
# reached the end of its schedule, so a partial run never replaces release files.
#
# Environment:
#   TIME_BUDGET_MIN   minutes of training in this invocation (default 42, 0 = until done)
#   TRAIN_THREADS=1   run XLA on one thread pinned to the last core (polite on a shared machine)
#   FRESH=1           discard work/<name>/train and start from step 0
#   TRAIN_ARGS="..."  extra train.py options, e.g. "--max-steps 20 --warmup-steps 5 --eval-every 10"
#   MODEL_WORK_DIR, MODEL_RELEASE_DIR, MODEL_REFERENCE_DIR redirect the outputs (so a
#   smoke run need not overwrite the shipped files).
set -euo pipefail
cd "$(dirname "$0")"

NAME="${1:-}"
MODE="${2:-train}"
case "$NAME" in
    quick)
        SHAPE=(--dim 192 --hidden-dim 512 --n-layers 5 --n-heads 6 --n-kv-heads 3 --seq-len 128
               --batch-size 32 --lr 2e-3 --warmup-steps 100 --max-steps 1000 --seed 1811)
        DEFAULT_RELEASE=release
        DEFAULT_REFERENCE=reference
        CHECKPOINT_NAME=austen-v0-f32.bin
        ;;
    rich)
        SHAPE=(--dim 384 --hidden-dim 1024 --n-layers 6 --n-heads 6 --n-kv-heads 3 --seq-len 128
               --batch-size 32 --lr 1e-3 --warmup-steps 100 --max-steps 800 --dropout 0.2 --seed 1811)
        DEFAULT_RELEASE=release-rich
        DEFAULT_REFERENCE=reference-rich
        CHECKPOINT_NAME=austen-rich-v0-f32.bin
        ;;
    *)
        echo "usage: model/build.sh quick|rich [bench]   (got '${NAME}')" >&2
        exit 2
        ;;
esac
case "$MODE" in
    train | bench) ;;
    *) echo "build.sh: unknown mode '$MODE' (expected 'bench' or nothing)" >&2; exit 2 ;;
esac

WORK="${MODEL_WORK_DIR:-work}"
RELEASE="${MODEL_RELEASE_DIR:-$DEFAULT_RELEASE}"
REFERENCE="${MODEL_REFERENCE_DIR:-$DEFAULT_REFERENCE}"
TRAIN="$WORK/$NAME/train"
VENV=work/venv
mkdir -p "$WORK/$NAME" work

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet -r requirements.txt
PY=("$VENV/bin/python")
if [ "${TRAIN_THREADS:-}" = 1 ]; then
    export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    if command -v taskset >/dev/null; then
        PY=(taskset -c "$(($(nproc) - 1))" "$VENV/bin/python")
    fi
fi

# 1. corpus: apt-get download r-cran-janeaustenr, parse Rdata.rdb, split by chapter.
"${PY[@]}" get_corpus.py --out "$WORK/corpus"

# 2. tokenizer: SentencePiece BPE, 2048 pieces, byte fallback; llama2.c tokenizer.bin too.
"${PY[@]}" train_tokenizer.py --corpus "$WORK/corpus/train.txt" --out "$WORK/tokenizer"

COMMON=(--corpus "$WORK/corpus" --tokenizer "$WORK/tokenizer/tokenizer.model" --out "$TRAIN" "${SHAPE[@]}")
if [ "$MODE" = bench ]; then
    # shellcheck disable=SC2086
    "${PY[@]}" train.py "${COMMON[@]}" --bench 5 ${TRAIN_ARGS:-}
    exit 0
fi

# 3. training (fixed seeds; resumes from work/<name>/train/checkpoint.npz if present).
if [ "${FRESH:-}" = 1 ]; then
    rm -rf "$TRAIN" "$WORK/$NAME/train_stdout.log"
fi
RESUME=()
if [ -f "$TRAIN/checkpoint.npz" ]; then
    RESUME=(--resume)
fi
# shellcheck disable=SC2086
"${PY[@]}" train.py "${COMMON[@]}" --time-budget-min "${TIME_BUDGET_MIN:-42}" "${RESUME[@]}" ${TRAIN_ARGS:-} \
    2>&1 | tee -a "$WORK/$NAME/train_stdout.log"

if ! "${PY[@]}" -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["complete"] else 1)' \
        "$TRAIN/summary.json"; then
    steps=$("${PY[@]}" -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s["steps"], s["target_steps"], sep="/")' \
        "$TRAIN/summary.json")
    echo "build.sh: training stopped at step $steps; run 'model/build.sh $NAME' again to resume" \
         "(release files left as they were)"
    exit 0
fi

# 4. export and reference fixtures.
mkdir -p "$RELEASE"
"${PY[@]}" export.py --train-dir "$TRAIN" --out "$RELEASE/$CHECKPOINT_NAME"
cp "$WORK/tokenizer/tokenizer.model" "$WORK/tokenizer/tokenizer.bin" "$RELEASE/"
cp "$TRAIN/train_log.jsonl" "$TRAIN/summary.json" "$TRAIN/config.json" "$RELEASE/"
cp "$WORK/corpus/manifest.json" "$RELEASE/corpus_manifest.json"
cp "$WORK/$NAME/train_stdout.log" "$RELEASE/train_stdout.log"
"${PY[@]}" make_reference.py --checkpoint "$RELEASE/$CHECKPOINT_NAME" --tokenizer "$RELEASE/tokenizer.model" \
    --val-text "$WORK/corpus/val.txt" --out "$REFERENCE"
echo "build.sh: done; see $RELEASE/ and $REFERENCE/"
