#!/usr/bin/env python3
"""Export trained parameters as a llama2.c v0 ("legacy") fp32 checkpoint.

Layout (little-endian), as read by llama2.c `run.c`:
  header: 7 x i32 = dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
          (vocab_size positive = classifier shared with the token embedding)
  f32:    token_embedding[V*d], rms_att[L*d], wq[L*d*d], wk[L*kv*d], wv[L*kv*d],
          wo[L*d*d], rms_ffn[L*d], w1[L*h*d], w2[L*d*h], w3[L*h*d], rms_final[d],
          freq_cis_real[seq*hs/2], freq_cis_imag[seq*hs/2]
Matrices are row-major (out, in). The RoPE tables are written for completeness
(run.c skips them); they hold cos/sin of pos / 10000^(2p/head_size).

`read_v0` parses such a file back; `make_reference.py` computes the reference
outputs from the file written here, so they describe exactly the shipped weights.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
V0_ORDER = ("tok_emb", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3", "rms_final")
HEADER_FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len")


class CheckpointError(Exception):
    """Raised for a checkpoint file whose size or header does not add up."""


def expected_shapes(cfg: dict) -> dict[str, tuple[int, ...]]:
    L, d, h = cfg["n_layers"], cfg["dim"], cfg["hidden_dim"]
    kv = cfg["n_kv_heads"] * (d // cfg["n_heads"])
    return {
        "tok_emb": (cfg["vocab_size"], d), "rms_att": (L, d), "wq": (L, d, d), "wk": (L, kv, d),
        "wv": (L, kv, d), "wo": (L, d, d), "rms_ffn": (L, d), "w1": (L, h, d), "w2": (L, d, h),
        "w3": (L, h, d), "rms_final": (d,),
    }


def rope_tables(cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    head_size = cfg["dim"] // cfg["n_heads"]
    pair = np.arange(head_size // 2, dtype=np.float64)
    freq = 1.0 / (10000.0 ** (2.0 * pair / head_size))
    angle = np.arange(cfg["seq_len"], dtype=np.float64)[:, None] * freq[None, :]
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


def write_v0(path: Path, cfg: dict, params: dict[str, np.ndarray]) -> int:
    """Write the checkpoint; returns its size in bytes."""
    shapes = expected_shapes(cfg)
    for name, shape in shapes.items():
        if params[name].shape != shape:
            raise CheckpointError(f"{name}: shape {params[name].shape}, expected {shape}")
    with path.open("wb") as f:
        f.write(struct.pack("<7i", *(cfg[k] for k in HEADER_FIELDS)))
        for name in V0_ORDER:
            f.write(np.ascontiguousarray(params[name], dtype="<f4").tobytes())
        for table in rope_tables(cfg):
            f.write(table.astype("<f4").tobytes())
    return path.stat().st_size


def read_v0(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Parse a v0 checkpoint with a shared classifier back into (config, params)."""
    raw = path.read_bytes()
    if len(raw) < 28:
        raise CheckpointError(f"{path}: too short for a v0 header")
    cfg = dict(zip(HEADER_FIELDS, struct.unpack("<7i", raw[:28])))
    if cfg["vocab_size"] <= 0:
        raise CheckpointError("unshared classifier (negative vocab_size) is not used by this project")
    if min(cfg.values()) <= 0 or cfg["dim"] % cfg["n_heads"] or cfg["n_heads"] % cfg["n_kv_heads"]:
        raise CheckpointError(f"inconsistent header {cfg}")
    shapes = expected_shapes(cfg)
    head_size = cfg["dim"] // cfg["n_heads"]
    n_floats = sum(int(np.prod(s)) for s in shapes.values()) + cfg["seq_len"] * head_size
    if len(raw) != 28 + 4 * n_floats:
        raise CheckpointError(f"{path}: {len(raw)} bytes, header implies {28 + 4 * n_floats}")
    data = np.frombuffer(raw, dtype="<f4", offset=28)
    params, at = {}, 0
    for name in V0_ORDER:
        n = int(np.prod(shapes[name]))
        params[name] = data[at : at + n].reshape(shapes[name]).astype(np.float32)
        at += n
    return cfg, params


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-dir", type=Path, default=HERE / "work" / "train")
    parser.add_argument("--out", type=Path, default=HERE / "austen.bin")
    args = parser.parse_args()
    try:
        cfg = json.loads((args.train_dir / "config.json").read_text())
        with np.load(args.train_dir / "params.npz") as npz:
            params = {k: npz[k] for k in npz.files}
        size = write_v0(args.out, cfg, params)
        back_cfg, back = read_v0(args.out)
    except (OSError, KeyError, CheckpointError, json.JSONDecodeError) as err:
        print(f"export: error: {err}", file=sys.stderr)
        return 1
    if back_cfg != {k: cfg[k] for k in HEADER_FIELDS} or any(
        not np.array_equal(back[k], params[k]) for k in V0_ORDER
    ):
        print("export: error: read-back of the written checkpoint differs", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({size:,} bytes), header {back_cfg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
