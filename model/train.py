#!/usr/bin/env python3
"""Train the Austen Llama model on CPU with JAX (fixed seeds, time-capped).

Data layout (the model sees the same shape of input at generation time):
* the token stream is, per chapter, `<s>` then each paragraph followed by a
  newline byte token `<0x0A>`; paragraphs are encoded one by one so every
  paragraph starts with SentencePiece's dummy-prefix space, as a prompt does;
* every training/validation window starts with `<s>` and continues from the
  start of a paragraph, so "BOS + prompt" at generation time is in-distribution.

Outputs in --out: `config.json`, `params.npz` (float32, names from llama.py),
`train_log.jsonl` (one JSON object per eval step: step, tokens, elapsed_s,
train_loss, val_loss, lr) and `summary.json`.

The run is deterministic for a given --max-steps (seeded init and batch order);
--time-budget-min only stops early as a safety net and summary.json says so;
--stop-after-steps replays the first N steps of such a capped run.
"""

from __future__ import annotations

import argparse
import json
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


def main() -> int:
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
    parser.add_argument("--max-steps", type=int, default=1500)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--time-budget-min", type=float, default=42.0, help="0 = no time limit")
    parser.add_argument("--stop-after-steps", type=int, default=0,
                        help="stop after N steps while keeping the --max-steps lr schedule "
                             "(replays the steps of a time-capped run); 0 = run to --max-steps")
    parser.add_argument("--seed", type=int, default=1811)
    parser.add_argument("--bench", type=int, default=0, help="only time N steps, write nothing")
    args = parser.parse_args()

    if min(args.max_steps, args.batch_size, args.eval_every, args.seq_len) < 1:
        parser.error("--max-steps, --batch-size, --eval-every, --seq-len must be >= 1")
    if min(args.warmup_steps, args.stop_after_steps) < 0:
        parser.error("--warmup-steps and --stop-after-steps must be >= 0")
    if args.warmup_steps >= args.max_steps:
        parser.error(f"--warmup-steps ({args.warmup_steps}) must be below --max-steps ({args.max_steps})")
    if not args.tokenizer.is_file():
        parser.error(f"{args.tokenizer} not found: run train_tokenizer.py first")
    for split in ("train.txt", "val.txt"):
        if not (args.corpus / split).is_file():
            parser.error(f"{args.corpus / split} not found: run get_corpus.py first")

    sp = spm.SentencePieceProcessor(model_file=str(args.tokenizer))
    cfg = llama.Config(
        dim=args.dim, hidden_dim=args.hidden_dim, n_layers=args.n_layers, n_heads=args.n_heads,
        n_kv_heads=args.n_kv_heads, vocab_size=sp.vocab_size(), seq_len=args.seq_len,
    )
    try:
        cfg.validate()
    except ValueError as err:
        parser.error(str(err))

    train_stream, train_starts = encode_stream(sp, (args.corpus / "train.txt").read_text("utf-8"))
    val_stream, val_starts = encode_stream(sp, (args.corpus / "val.txt").read_text("utf-8"))
    train_starts = valid_starts(train_starts, len(train_stream), cfg.seq_len)
    val_starts = non_overlapping(valid_starts(val_starts, len(val_stream), cfg.seq_len), cfg.seq_len)
    val_x, val_y = windows(val_stream, val_starts, cfg.seq_len, sp.bos_id())
    print(f"params {llama.count_params(cfg):,}; train tokens {len(train_stream):,}; "
          f"val tokens {len(val_stream):,} ({len(val_x)} eval windows)", flush=True)

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

    def loss_fn(p, x, y):
        return llama.cross_entropy(llama.forward(p, x, cfg), y)

    @jax.jit
    def train_step(p, state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y)
        updates, state = optimizer.update(grads, state, p)
        return optax.apply_updates(p, updates), state, loss

    eval_loss = jax.jit(loss_fn)

    def evaluate(p) -> float:
        # Equal-size chunks so every window has the same weight in the mean.
        chunk = 16
        losses = [float(eval_loss(p, val_x[i : i + chunk], val_y[i : i + chunk])) * len(val_x[i : i + chunk])
                  for i in range(0, len(val_x), chunk)]
        return sum(losses) / len(val_x)

    rng = np.random.default_rng(args.seed)

    def batch():
        picks = rng.choice(train_starts, size=args.batch_size, replace=True)
        return windows(train_stream, picks, cfg.seq_len, sp.bos_id())

    if args.bench:
        x, y = batch()
        params, opt_state, loss = train_step(params, opt_state, x, y)
        loss.block_until_ready()
        t0 = time.time()
        for _ in range(args.bench):
            x, y = batch()
            params, opt_state, loss = train_step(params, opt_state, x, y)
        loss.block_until_ready()
        dt = (time.time() - t0) / args.bench
        print(f"bench: {dt*1000:.0f} ms/step, {args.batch_size*cfg.seq_len/dt:.0f} tok/s, loss {float(loss):.3f}")
        return 0

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "config.json").write_text(cfg.to_json() + "\n")
    log_path = args.out / "train_log.jsonl"
    log = log_path.open("w")
    t_start = time.time()
    deadline = t_start + 60 * args.time_budget_min if args.time_budget_min > 0 else float("inf")
    last_step = min(args.max_steps, args.stop_after_steps) if args.stop_after_steps > 0 else args.max_steps
    running, n_running, stopped_early = 0.0, 0, False
    step = 0

    def save(step_done: int, val: float) -> None:
        np.savez(args.out / "params.npz", **{k: np.asarray(v) for k, v in params.items()})
        summary = {"steps": step_done, "max_steps": args.max_steps, "stopped_early": stopped_early,
                   "val_loss": val, "elapsed_s": round(time.time() - t_start, 1),
                   "tokens_seen": step_done * args.batch_size * cfg.seq_len,
                   "params": llama.count_params(cfg), "config": json.loads(cfg.to_json()),
                   "args": {k: str(v) for k, v in vars(args).items()}}
        (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")

    while step < last_step:
        x, y = batch()
        params, opt_state, loss = train_step(params, opt_state, x, y)
        step += 1
        running += float(loss)
        n_running += 1
        out_of_time = time.time() > deadline
        if step % args.eval_every == 0 or step == last_step or out_of_time or step == 1:
            val = evaluate(params)
            record = {"step": step, "tokens": step * args.batch_size * cfg.seq_len,
                      "elapsed_s": round(time.time() - t_start, 1),
                      "train_loss": round(running / n_running, 4), "val_loss": round(val, 4),
                      "lr": float(schedule(step))}
            log.write(json.dumps(record) + "\n")
            log.flush()
            print(json.dumps(record), flush=True)
            running, n_running = 0.0, 0
            stopped_early = out_of_time and step < args.max_steps
            save(step, val)
            if out_of_time:
                print(f"time budget reached at step {step}/{args.max_steps}", flush=True)
                break
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
