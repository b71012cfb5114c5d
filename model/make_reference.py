#!/usr/bin/env python3
"""Record reference outputs of the shipped checkpoint for the engine's tests.

Everything is computed by the JAX reference forward pass (llama.py) from the
exported llama2.c v0 file itself, never from the Rust engine:

* `greedy.json`: BOS + SentencePiece ids of the prompt, the 32 argmax ids that
  follow, their pieces, the decoded text, and per step the gap between the best
  and second-best logit plus the top-5 (id, logit) pairs (a quantised engine
  may legitimately flip near-ties, so its test can teacher-force and compare
  only where the margin is clear);
* `val_snippet.json`: held-out validation windows (each `seq_len` ids starting
  with BOS) and the mean next-token cross-entropy (nats) over the seq_len-1
  predictions of each, plus the mean over all;
* `samples.json`: informative samples at temperature 0.8 (llama2.c sampler:
  top-p 0.9, xorshift64* RNG) for the model card.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import sentencepiece as spm

import export
import llama
from train import encode_stream, non_overlapping, valid_starts

HERE = Path(__file__).parent
PROMPT = "It is a truth universally"


class XorShift:
    """llama2.c's random_u32 / random_f32 (xorshift64*)."""

    MASK = (1 << 64) - 1

    def __init__(self, seed: int):
        self.state = seed & self.MASK

    def u32(self) -> int:
        s = self.state
        s ^= s >> 12
        s ^= (s << 25) & self.MASK
        s ^= s >> 27
        self.state = s
        return ((s * 0x2545F4914F6CDD1D) & self.MASK) >> 32

    def f32(self) -> float:
        return (self.u32() >> 8) / 16777216.0


def sample_topp(logits: np.ndarray, temperature: float, topp: float, rng: XorShift) -> int:
    """llama2.c `sample` with 0 < topp < 1."""
    probs = np.exp((logits - logits.max()) / temperature)
    probs /= probs.sum()
    coin = rng.f32()
    cutoff = (1.0 - topp) / (len(probs) - 1)
    candidates = [i for i in np.argsort(-probs, kind="stable") if probs[i] >= cutoff]
    cumulative, last = 0.0, len(candidates) - 1
    for j, i in enumerate(candidates):
        cumulative += probs[i]
        if cumulative > topp:
            last = j
            break
    r, cdf = coin * cumulative, 0.0
    for i in candidates[: last + 1]:
        cdf += probs[i]
        if r < cdf:
            return int(i)
    return int(candidates[last])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=HERE / "release" / "austen-v0-f32.bin")
    parser.add_argument("--tokenizer", type=Path, default=HERE / "release" / "tokenizer.model")
    parser.add_argument("--val-text", type=Path, default=HERE / "work" / "corpus" / "val.txt")
    parser.add_argument("--out", type=Path, default=HERE / "reference")
    parser.add_argument("--n-new", type=int, default=32)
    parser.add_argument("--n-snippets", type=int, default=4)
    args = parser.parse_args()

    try:
        header, np_params = export.read_v0(args.checkpoint)
    except (OSError, export.CheckpointError) as err:
        print(f"make_reference: error: {err}", file=sys.stderr)
        return 1
    cfg = llama.Config.from_dict(header)
    params = {k: jnp.asarray(v) for k, v in np_params.items()}
    sp = spm.SentencePieceProcessor(model_file=str(args.tokenizer))
    if sp.vocab_size() != cfg.vocab_size:
        print("make_reference: error: tokenizer and checkpoint vocab sizes differ", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    last_logits = llama.last_logits_fn(cfg)

    # Greedy continuation with per-step margins.
    prompt_ids = [sp.bos_id()] + sp.encode(PROMPT)
    tokens, margins, top5 = list(prompt_ids), [], []
    for _ in range(args.n_new):
        logits = last_logits(params, tokens)
        order = np.argsort(-logits, kind="stable")[:5]
        margins.append(round(float(logits[order[0]] - logits[order[1]]), 4))
        top5.append([[int(i), round(float(logits[i]), 5)] for i in order])
        tokens.append(int(order[0]))
    generated = tokens[len(prompt_ids) :]
    greedy = {
        "prompt": PROMPT,
        "prompt_ids": prompt_ids,
        "expected_ids": generated,
        "expected_pieces": [sp.id_to_piece(i) for i in generated],
        "completion_text": sp.decode(generated),
        "full_text": sp.decode(prompt_ids[1:] + generated),
        "top1_top2_logit_margin": margins,
        "top5_id_logit_per_step": top5,
        "sampling": "temperature 0 (argmax), no top-p, BOS prepended, prompt encoded by SentencePiece",
        "checkpoint": args.checkpoint.name,
    }
    (args.out / "greedy.json").write_text(json.dumps(greedy, indent=1, ensure_ascii=False) + "\n")
    print("greedy:", greedy["full_text"])

    # Held-out windows: evenly spaced among the non-overlapping validation windows.
    stream, starts = encode_stream(sp, args.val_text.read_text("utf-8"))
    starts = non_overlapping(valid_starts(starts, len(stream), cfg.seq_len), cfg.seq_len)
    chosen = starts[np.linspace(0, len(starts) - 1, args.n_snippets).round().astype(int)]
    fwd = llama.jax.jit(lambda p, t: llama.jax.nn.log_softmax(llama.forward(p, t, cfg), axis=-1))
    snippets = []
    for s in chosen:
        ids = [sp.bos_id()] + stream[s : s + cfg.seq_len - 1].tolist()
        logp = np.asarray(fwd(params, jnp.asarray([ids], jnp.int32))[0])
        ce = float(-np.mean([logp[i, ids[i + 1]] for i in range(len(ids) - 1)]))
        snippets.append({"ids": ids, "text": sp.decode(ids[1:]), "mean_ce_nats": round(ce, 6)})
    val = {
        "description": "each snippet: ids[0] is BOS; mean_ce_nats averages -log p(ids[i+1] | ids[..=i]) "
                       "over i = 0..len-2, computed by the JAX reference in float32",
        "snippets": snippets,
        "mean_ce_nats": round(float(np.mean([s["mean_ce_nats"] for s in snippets])), 6),
        "suggested_tolerance_nats": {"f32": 1e-3, "q8": 0.05},
    }
    (args.out / "val_snippet.json").write_text(json.dumps(val, indent=1, ensure_ascii=False) + "\n")
    print("val snippet CE:", [s["mean_ce_nats"] for s in snippets], "mean", val["mean_ce_nats"])

    # Temperature 0.8 samples for the model card (informative, not a test oracle).
    samples = []
    for seed in (1, 2, 3):
        rng, toks = XorShift(seed), list(prompt_ids)
        for _ in range(48):
            nxt = sample_topp(last_logits(params, toks), 0.8, 0.9, rng)
            if nxt == sp.bos_id():
                break
            toks.append(nxt)
        samples.append({"seed": seed, "text": sp.decode(toks[1:])})
        print(f"T=0.8 seed {seed}:", samples[-1]["text"])
    (args.out / "samples.json").write_text(
        json.dumps({"temperature": 0.8, "topp": 0.9, "samples": samples}, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
