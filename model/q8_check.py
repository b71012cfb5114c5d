#!/usr/bin/env python3
"""Estimate what weight-only Q8 does to the shipped model (informative, for the card).

Every weight matrix (embedding/classifier included; norms stay fp32) is rounded to
symmetric int8 with one scale per group, `scale = max|w|/127`, as llama2.c's Q8_0
does, then the JAX reference pass is rerun on the fixtures:
* teacher-forced: how many of the 32 greedy tokens of `greedy.json` stay argmax;
* free-running: the first step where greedy decoding departs from the fixture;
* the mean cross-entropy over the snippets of `val_snippet.json`.
Activations stay fp32 here; an engine that also quantises activations (runq.c)
will differ a little more.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import export
import llama

HERE = Path(__file__).parent


def quantize(w: np.ndarray, group: int | None) -> np.ndarray:
    """Round-trip through int8; group=None means one scale per row."""
    flat = w.reshape(-1, group or w.shape[-1])
    scale = np.abs(flat).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    return (np.round(flat / scale) * scale).reshape(w.shape).astype(np.float32)


def main() -> int:
    header, weights = export.read_v0(HERE / "release" / "austen-v0-f32.bin")
    cfg = llama.Config.from_dict(header)
    greedy = json.loads((HERE / "reference" / "greedy.json").read_text())
    snippets = json.loads((HERE / "reference" / "val_snippet.json").read_text())["snippets"]
    log_probs = jax.jit(lambda p, t: jax.nn.log_softmax(llama.forward(p, t, cfg), axis=-1))

    def run(params, ids: list[int]) -> np.ndarray:
        padded = np.zeros((1, cfg.seq_len), np.int32)
        padded[0, : len(ids)] = ids
        return np.asarray(log_probs(params, jnp.asarray(padded))[0, : len(ids)])

    for label, group in (("f32", 0), ("q8 group 64", 64), ("q8 group 32", 32), ("q8 per row", None)):
        params = {k: jnp.asarray(quantize(w, group) if w.ndim >= 2 and group != 0 else w)
                  for k, w in weights.items()}
        ids = greedy["prompt_ids"] + greedy["expected_ids"]
        start = len(greedy["prompt_ids"]) - 1
        forced = run(params, ids[:-1])[start:].argmax(axis=1).tolist()
        agree = sum(a == b for a, b in zip(forced, greedy["expected_ids"]))
        tokens = list(greedy["prompt_ids"])
        for _ in greedy["expected_ids"]:
            tokens.append(int(run(params, tokens)[-1].argmax()))
        free = tokens[len(greedy["prompt_ids"]) :]
        diverge = next((i for i, (a, b) in enumerate(zip(free, greedy["expected_ids"])) if a != b), None)
        ce = np.mean([-np.mean([lp[i, s["ids"][i + 1]] for i in range(len(s["ids"]) - 1)])
                      for s in snippets for lp in [run(params, s["ids"])]])
        print(f"{label}: teacher-forced agree {agree}/{len(forced)}, "
              f"free greedy diverges at {diverge}, snippet CE {ce:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
