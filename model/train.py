#!/usr/bin/env python3
"""Train the Austen Llama model on CPU with JAX (fixed seeds, resumable, time-capped).

Data layout (the model sees the same shape of input at generation time):
* the token stream is, per chapter, `<s>` then each paragraph followed by a
  newline byte token `<0x0A>`; paragraphs are encoded one by one so every
  paragraph starts with SentencePiece's dummy-prefix space, as a prompt does;
* every training/validation window starts with `<s>` and continues from the
  start of a paragraph, so "BOS + prompt" at generation time is in-distribution.

Outputs in --out: `config.json`, `params.npz` (float32, names from llama.py),
`train_log.jsonl` (one JSON object per eval step: step, tokens, elapsed_s,
train_loss, val_loss, val_bpc, lr), `summary.json`, and `checkpoint.npz`.

`checkpoint.npz` (written every --checkpoint-every steps, at every eval, at the
time cap and on SIGTERM/SIGINT) holds the parameters, the optimizer state, the
step, the batch sampler's RNG state and the running train-loss sum. `--resume`
continues from it bit-exactly: the same batches, the same lr schedule and the
same parameters as a run that had never stopped. A resume refuses a checkpoint
whose shape, schedule, seed, tokenizer or training text differ from this run's.

The run is deterministic for a given --max-steps (seeded init and batch order);
--time-budget-min only stops early (this session's share; resume later) and
summary.json says so; --stop-after-steps replays the first N steps of a run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import sentencepiece as spm

import llama

HERE = Path(__file__).parent
CHECKPOINT = "checkpoint.npz"
# Arguments that define the run's trajectory; a resume must agree on all of them.
RUN_DEFINING_ARGS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "seq_len", "batch_size",
                     "lr", "min_lr_ratio", "warmup_steps", "weight_decay", "dropout", "max_steps", "seed")


def encode_stream(sp: spm.SentencePieceProcessor, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Token stream for chapters separated by blank lines, plus paragraph start offsets."""
    newline = sp.piece_to_id("<0x0A>")
    stream: list[int] = []
    starts: list[int] = []
    for chapter in text.split("\n\n"):
        paragraphs = [p for p in chapter.split("\n") if p.strip()]
        if not paragraphs:
            continue
        stream.append(sp.bos_id())
        for ids in sp.encode(paragraphs):
            starts.append(len(stream))
            stream.extend(ids)
            stream.append(newline)
    return np.asarray(stream, np.int32), np.asarray(starts, np.int64)


def piece_char_counts(sp: spm.SentencePieceProcessor) -> np.ndarray:
    """Characters of text each token id stands for (for bits per character).

    A normal piece counts its characters (`▁` is a space); a byte-fallback token
    counts 1 unless it is a UTF-8 continuation byte (0x80..0xBF), so a multi-byte
    character spelled in bytes counts once; control tokens count 0.
    """
    counts = np.zeros(sp.vocab_size(), np.int64)
    for i in range(sp.vocab_size()):
        if sp.is_control(i) or sp.is_unknown(i):
            continue
        if sp.is_byte(i):
            byte = int(sp.id_to_piece(i)[3:5], 16)
            counts[i] = 0 if 0x80 <= byte <= 0xBF else 1
        else:
            counts[i] = len(sp.id_to_piece(i))
    return counts


def stream_char_counts(sp: spm.SentencePieceProcessor, stream: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Characters of the source text each stream position covers.

    The dummy-prefix space SentencePiece puts before each paragraph is not in the
    text, so a paragraph's first token counts one character less when it begins
    with `▁`. Per paragraph the counts add up to its length plus its newline.
    """
    chars = piece_char_counts(sp)[stream]
    for s in starts:
        if sp.id_to_piece(int(stream[s])).startswith("\u2581"):
            chars[s] -= 1
    return chars


def windows(stream: np.ndarray, starts: np.ndarray, seq_len: int, bos: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs `[<s>] + stream[s : s+T-1]` and targets `stream[s : s+T]` for each start s."""
    inputs = np.empty((len(starts), seq_len), np.int32)
    targets = np.empty((len(starts), seq_len), np.int32)
    for row, s in enumerate(starts):
        chunk = stream[s : s + seq_len]
        inputs[row, 0] = bos
        inputs[row, 1:] = chunk[:-1]
        targets[row] = chunk
    return inputs, targets


def valid_starts(starts: np.ndarray, stream_len: int, seq_len: int) -> np.ndarray:
    return starts[starts + seq_len <= stream_len]


def non_overlapping(starts: np.ndarray, seq_len: int) -> np.ndarray:
    """Greedy pick of paragraph starts at least seq_len apart (deterministic val set)."""
    picked, last = [], -seq_len
    for s in starts:
        if s >= last + seq_len:
            picked.append(s)
            last = s
    return np.asarray(picked, np.int64)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_identity(args: argparse.Namespace) -> dict:
    """What a checkpoint must agree on to be resumed by this run."""
    identity = {k: getattr(args, k) for k in RUN_DEFINING_ARGS}
    identity["tokenizer_sha256"] = file_sha256(args.tokenizer)
    identity["train_text_sha256"] = file_sha256(args.corpus / "train.txt")
    return identity


class CheckpointMismatch(Exception):
    """Raised when --resume finds a checkpoint from a different run."""


def save_checkpoint(path: Path, params: dict, opt_state, meta: dict) -> None:
    """Write params, optimizer-state leaves and JSON metadata to one file, atomically."""
    arrays = {f"param/{k}": np.asarray(v) for k, v in params.items()}
    for i, leaf in enumerate(jax.tree_util.tree_leaves(opt_state)):
        arrays[f"opt/{i}"] = np.asarray(leaf)
    arrays["meta"] = np.asarray(json.dumps(meta))
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def load_checkpoint(path: Path, params_template: dict, opt_state_template) -> tuple[dict, object, dict]:
    """Read a checkpoint written by save_checkpoint; templates give names, shapes and dtypes."""
    with np.load(path) as npz:
        meta = json.loads(str(npz["meta"]))
        params = {}
        for name, ref in params_template.items():
            key = f"param/{name}"
            if key not in npz.files or npz[key].shape != ref.shape:
                raise CheckpointMismatch(f"{path}: parameter {name} missing or of another shape")
            params[name] = jnp.asarray(npz[key], dtype=ref.dtype)
        ref_leaves, treedef = jax.tree_util.tree_flatten(opt_state_template)
        n_opt = sum(1 for k in npz.files if k.startswith("opt/"))
        if n_opt != len(ref_leaves):
            raise CheckpointMismatch(f"{path}: {n_opt} optimizer-state arrays, this optimizer has {len(ref_leaves)}")
        leaves = []
        for i, ref in enumerate(ref_leaves):
            leaf = npz[f"opt/{i}"]
            if leaf.shape != np.shape(ref) or leaf.dtype != np.asarray(ref).dtype:
                raise CheckpointMismatch(f"{path}: optimizer-state array {i} has shape {leaf.shape} "
                                         f"{leaf.dtype}, expected {np.shape(ref)} {np.asarray(ref).dtype}")
            leaves.append(jnp.asarray(leaf))
    return params, jax.tree_util.tree_unflatten(treedef, leaves), meta


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=HERE / "work" / "corpus")
    parser.add_argument("--tokenizer", type=Path, default=HERE / "work" / "tokenizer" / "tokenizer.model")
    parser.add_argument("--out", type=Path, default=HERE / "work" / "train")
    parser.add_argument("--dim", type=int, default=192)
    parser.add_argument("--hidden-dim", type=int, default=512)
    parser.add_argument("--n-layers", type=int, default=5)
    parser.add_argument("--n-heads", type=int, default=6)
    parser.add_argument("--n-kv-heads", type=int, default=3)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--min-lr-ratio", type=float, default=0.1)
    parser.add_argument("--warmup-steps", type=int, default=100)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--dropout", type=float, default=0.0,
                        help="dropout rate on attention probabilities and residual branches while training")
    parser.add_argument("--max-steps", type=int, default=1500)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--checkpoint-every", type=int, default=50,
                        help="also checkpoint every N steps between evals (0 = only at evals and stops)")
    parser.add_argument("--time-budget-min", type=float, default=42.0,
                        help="stop (checkpointed) after this many minutes of this invocation; 0 = no limit")
    parser.add_argument("--stop-after-steps", type=int, default=0,
                        help="stop after N steps while keeping the --max-steps lr schedule "
                             "(replays the steps of a time-capped run); 0 = run to --max-steps")
    parser.add_argument("--resume", action="store_true",
                        help=f"continue from --out/{CHECKPOINT} (bit-exact; same data order and schedule)")
    parser.add_argument("--seed", type=int, default=1811)
    parser.add_argument("--bench", type=int, default=0, help="only time N steps, write nothing")
    args = parser.parse_args(argv)

    if min(args.max_steps, args.batch_size, args.eval_every, args.seq_len) < 1:
        parser.error("--max-steps, --batch-size, --eval-every, --seq-len must be >= 1")
    if min(args.warmup_steps, args.stop_after_steps, args.checkpoint_every) < 0:
        parser.error("--warmup-steps, --stop-after-steps and --checkpoint-every must be >= 0")
    if not 0.0 <= args.dropout < 1.0:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    if args.warmup_steps >= args.max_steps:
        parser.error(f"--warmup-steps ({args.warmup_steps}) must be below --max-steps ({args.max_steps})")
    if not args.tokenizer.is_file():
        parser.error(f"{args.tokenizer} not found: run train_tokenizer.py first")
    for split in ("train.txt", "val.txt"):
        if not (args.corpus / split).is_file():
            parser.error(f"{args.corpus / split} not found: run get_corpus.py first")
    if args.resume and not args.bench and not (args.out / CHECKPOINT).is_file():
        parser.error(f"--resume: no {args.out / CHECKPOINT}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sp = spm.SentencePieceProcessor(model_file=str(args.tokenizer))
    cfg = llama.Config(
        dim=args.dim, hidden_dim=args.hidden_dim, n_layers=args.n_layers, n_heads=args.n_heads,
        n_kv_heads=args.n_kv_heads, vocab_size=sp.vocab_size(), seq_len=args.seq_len,
    )
    try:
        cfg.validate()
    except ValueError as err:
        print(f"train: error: {err}", file=sys.stderr)
        return 2

    train_stream, train_starts = encode_stream(sp, (args.corpus / "train.txt").read_text("utf-8"))
    val_stream, val_para_starts = encode_stream(sp, (args.corpus / "val.txt").read_text("utf-8"))
    val_chars = stream_char_counts(sp, val_stream, val_para_starts)
    train_starts = valid_starts(train_starts, len(train_stream), cfg.seq_len)
    val_starts = non_overlapping(valid_starts(val_para_starts, len(val_stream), cfg.seq_len), cfg.seq_len)
    val_x, val_y = windows(val_stream, val_starts, cfg.seq_len, sp.bos_id())
    val_n_chars = int(sum(val_chars[s : s + cfg.seq_len].sum() for s in val_starts))
    print(f"params {llama.count_params(cfg):,}; train tokens {len(train_stream):,}; "
          f"val tokens {len(val_stream):,} ({len(val_x)} eval windows, {val_n_chars:,} characters)", flush=True)

    schedule = optax.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=args.lr, warmup_steps=args.warmup_steps,
        decay_steps=args.max_steps, end_value=args.lr * args.min_lr_ratio,
    )
    decay_mask = lambda p: {k: v.ndim >= 2 for k, v in p.items()}  # no decay on norms
    optimizer = optax.chain(
        optax.clip_by_global_norm(1.0),
        optax.adamw(schedule, b1=0.9, b2=0.95, weight_decay=args.weight_decay, mask=decay_mask),
    )
    params = llama.init_params(cfg, jax.random.PRNGKey(args.seed))
    opt_state = optimizer.init(params)

    # Dropout masks come from a key derived from the seed and the step, so a resumed run draws the same ones.
    dropout_base = jax.random.PRNGKey(args.seed + 1)

    def loss_fn(p, x, y, key):
        if args.dropout > 0.0:
            return llama.cross_entropy(llama.forward(p, x, cfg, dropout=args.dropout, key=key), y)
        return llama.cross_entropy(llama.forward(p, x, cfg), y)

    @jax.jit
    def train_step(p, state, x, y, step):
        key = jax.random.fold_in(dropout_base, step)
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y, key)
        updates, state = optimizer.update(grads, state, p)
        return optax.apply_updates(p, updates), state, loss

    @jax.jit
    def eval_nats(p, x, y):
        """Summed next-token cross-entropy (nats) over a batch of windows."""
        logp = jax.nn.log_softmax(llama.forward(p, x, cfg), axis=-1)
        return -jnp.sum(jnp.take_along_axis(logp, y[..., None], axis=-1))

    def evaluate(p) -> tuple[float, float]:
        """(mean nats per token, bits per character) over the held-out windows."""
        chunk = 16
        nats = sum(float(eval_nats(p, val_x[i : i + chunk], val_y[i : i + chunk]))
                   for i in range(0, len(val_x), chunk))
        return nats / val_y.size, nats / val_n_chars / math.log(2)

    rng = np.random.default_rng(args.seed)

    def batch():
        picks = rng.choice(train_starts, size=args.batch_size, replace=True)
        return windows(train_stream, picks, cfg.seq_len, sp.bos_id())

    if args.bench:
        x, y = batch()
        params, opt_state, loss = train_step(params, opt_state, x, y, 0)
        loss.block_until_ready()
        t0 = time.time()
        for _ in range(args.bench):
            x, y = batch()
            params, opt_state, loss = train_step(params, opt_state, x, y, 0)
        loss.block_until_ready()
        dt = (time.time() - t0) / args.bench
        print(f"bench: {dt:.2f} s/step, {args.batch_size*cfg.seq_len/dt:.0f} tok/s, "
              f"params {llama.count_params(cfg):,}, loss {float(loss):.3f}")
        return 0

    identity = run_identity(args)
    step, running, n_running, elapsed_before = 0, 0.0, 0, 0.0
    ckpt_path = args.out / CHECKPOINT
    log_path = args.out / "train_log.jsonl"
    if args.resume:
        try:
            params, opt_state, meta = load_checkpoint(ckpt_path, params, opt_state)
            if meta["identity"] != identity:
                diff = sorted(k for k in identity if meta["identity"].get(k) != identity[k])
                raise CheckpointMismatch(f"{ckpt_path} belongs to another run (differs in: {', '.join(diff)})")
        except (CheckpointMismatch, OSError, KeyError, ValueError) as err:
            print(f"train: error: cannot resume: {err}", file=sys.stderr)
            return 2
        step, running, n_running = meta["step"], meta["running"], meta["n_running"]
        elapsed_before = meta["elapsed_s"]
        rng.bit_generator.state = meta["rng_state"]
        # Keep only log rows up to the checkpoint (rows after it will be written again).
        kept = [line for line in (log_path.read_text().splitlines() if log_path.is_file() else [])
                if line.strip() and json.loads(line)["step"] <= step]
        log_path.write_text("".join(line + "\n" for line in kept))
        print(f"resumed at step {step}/{args.max_steps} from {ckpt_path}", flush=True)
    else:
        args.out.mkdir(parents=True, exist_ok=True)
        log_path.write_text("")
    (args.out / "config.json").write_text(cfg.to_json() + "\n")
    log = log_path.open("a")

    t_start = time.time()
    deadline = t_start + 60 * args.time_budget_min if args.time_budget_min > 0 else float("inf")
    last_step = min(args.max_steps, args.stop_after_steps) if args.stop_after_steps > 0 else args.max_steps
    stop_signal: list[int] = []

    def on_signal(signum, _frame):
        stop_signal.append(signum)

    old_handlers = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}

    def elapsed() -> float:
        return round(elapsed_before + time.time() - t_start, 1)

    def checkpoint() -> None:
        meta = {"identity": identity, "step": step, "running": running, "n_running": n_running,
                "elapsed_s": elapsed(), "rng_state": rng.bit_generator.state}
        save_checkpoint(ckpt_path, params, opt_state, meta)

    def write_outputs(val: float, bpc: float, stopped_early: bool) -> None:
        np.savez(args.out / "params.npz", **{k: np.asarray(v) for k, v in params.items()})
        summary = {"steps": step, "max_steps": args.max_steps, "target_steps": last_step,
                   "complete": step >= last_step, "stopped_early": stopped_early,
                   "val_loss": val, "val_bpc": bpc, "elapsed_s": elapsed(),
                   "tokens_seen": step * args.batch_size * cfg.seq_len,
                   "params": llama.count_params(cfg), "config": json.loads(cfg.to_json()),
                   "args": {k: str(v) for k, v in vars(args).items()}}
        (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")

    try:
        while step < last_step:
            x, y = batch()
            params, opt_state, loss = train_step(params, opt_state, x, y, step)
            step += 1
            running += float(loss)
            n_running += 1
            must_stop = time.time() > deadline or bool(stop_signal)
            if step % args.eval_every == 0 or step == last_step or must_stop or step == 1:
                val, bpc = evaluate(params)
                record = {"step": step, "tokens": step * args.batch_size * cfg.seq_len, "elapsed_s": elapsed(),
                          "train_loss": round(running / n_running, 4), "val_loss": round(val, 4),
                          "val_bpc": round(bpc, 4), "lr": float(schedule(step))}
                log.write(json.dumps(record) + "\n")
                log.flush()
                print(json.dumps(record), flush=True)
                running, n_running = 0.0, 0
                checkpoint()
                write_outputs(val, bpc, stopped_early=must_stop and step < last_step)
            elif args.checkpoint_every and step % args.checkpoint_every == 0:
                checkpoint()
            if must_stop and step < last_step:
                why = f"signal {stop_signal[0]}" if stop_signal else "time budget"
                print(f"{why}: stopped at step {step}/{last_step}; continue with --resume", flush=True)
                break
    finally:
        log.close()
        for s, handler in old_handlers.items():
            signal.signal(s, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
