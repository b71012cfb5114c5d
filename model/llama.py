"""Llama-architecture model in JAX, numerically matching llama2.c's `run.c`.

This is the reference forward pass: the Rust engine must reproduce it. Choices
that the engine depends on, all as in llama2.c:

* RMSNorm: `x * rsqrt(mean(x^2) + 1e-5) * weight`;
* RoPE on ADJACENT pairs `(2p, 2p+1)` of each head, angle `pos / 10000^(2p/head_size)`;
* grouped-query attention: query head `h` reads key/value head `h // (n_heads / n_kv_heads)`;
* SwiGLU FFN: `w2(silu(w1 x) * w3 x)`;
* classifier tied to the token embedding;
* all weight matrices stored `(out, in)` so `y = W @ x` (PyTorch `.weight` layout).

Per-layer weights are stacked along a leading layer axis so the forward pass is a
`lax.scan` (one compiled block instead of `n_layers` copies).
"""

from __future__ import annotations

import dataclasses
import json
import math

import jax
import jax.numpy as jnp
import numpy as np

RMS_EPS = 1e-5
ROPE_THETA = 10000.0

# Order of per-layer tensors; also the llama2.c v0 file order (see export.py).
LAYER_KEYS = ("rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3")


@dataclasses.dataclass(frozen=True)
class Config:
    """Model shape; the fields mirror the llama2.c v0 header."""

    dim: int = 192
    hidden_dim: int = 512
    n_layers: int = 5
    n_heads: int = 6
    n_kv_heads: int = 3
    vocab_size: int = 2048
    seq_len: int = 128

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.n_kv_heads * self.head_size

    def validate(self) -> None:
        if self.dim % self.n_heads or self.head_size % 2:
            raise ValueError("dim must split into n_heads heads of even size")
        if self.n_heads % self.n_kv_heads:
            raise ValueError("n_heads must be a multiple of n_kv_heads")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @staticmethod
    def from_dict(d: dict) -> "Config":
        return Config(**{f.name: int(d[f.name]) for f in dataclasses.fields(Config)})


def param_shapes(cfg: Config) -> dict[str, tuple[int, ...]]:
    """Shapes of all parameters; matrices are (out, in)."""
    L, d, h, kv = cfg.n_layers, cfg.dim, cfg.hidden_dim, cfg.kv_dim
    return {
        "tok_emb": (cfg.vocab_size, d),
        "rms_att": (L, d),
        "wq": (L, d, d),
        "wk": (L, kv, d),
        "wv": (L, kv, d),
        "wo": (L, d, d),
        "rms_ffn": (L, d),
        "w1": (L, h, d),
        "w2": (L, d, h),
        "w3": (L, h, d),
        "rms_final": (d,),
    }


def count_params(cfg: Config) -> int:
    return sum(math.prod(s) for s in param_shapes(cfg).values())


def init_params(cfg: Config, key: jax.Array) -> dict[str, jax.Array]:
    """GPT-2/llama2.c style init: N(0, 0.02), residual outputs scaled by 1/sqrt(2L)."""
    params = {}
    keys = jax.random.split(key, len(param_shapes(cfg)))
    for k, (name, shape) in zip(keys, param_shapes(cfg).items()):
        if name.startswith("rms"):
            params[name] = jnp.ones(shape, jnp.float32)
        else:
            std = 0.02 / math.sqrt(2 * cfg.n_layers) if name in ("wo", "w2") else 0.02
            params[name] = std * jax.random.normal(k, shape, jnp.float32)
    return params


def rms_norm(x: jax.Array, weight: jax.Array) -> jax.Array:
    return x * jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + RMS_EPS) * weight


def rope_tables(cfg: Config, positions: jax.Array) -> tuple[jax.Array, jax.Array]:
    """cos/sin of shape (T, head_size/2) for pair p: angle = pos / theta^(2p/head_size)."""
    pair = jnp.arange(cfg.head_size // 2, dtype=jnp.float32)
    freq = 1.0 / (ROPE_THETA ** (2.0 * pair / cfg.head_size))
    angle = positions.astype(jnp.float32)[:, None] * freq[None, :]
    return jnp.cos(angle), jnp.sin(angle)


def apply_rope(x: jax.Array, cos: jax.Array, sin: jax.Array) -> jax.Array:
    """Rotate adjacent pairs; x is (B, T, heads, head_size)."""
    x_pairs = x.reshape(*x.shape[:-1], -1, 2)
    x0, x1 = x_pairs[..., 0], x_pairs[..., 1]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return jnp.stack([x0 * c - x1 * s, x0 * s + x1 * c], axis=-1).reshape(x.shape)


def dropout_mask(key: jax.Array | None, rate: float, shape: tuple[int, ...]) -> jax.Array | float:
    """Inverted-dropout multiplier: 0 with probability `rate`, else 1/(1-rate); 1.0 when off."""
    if key is None or rate <= 0.0:
        return 1.0
    keep = jax.random.bernoulli(key, 1.0 - rate, shape)
    return keep.astype(jnp.float32) / (1.0 - rate)


def forward(params: dict[str, jax.Array], tokens: jax.Array, cfg: Config,
            dropout: float = 0.0, key: jax.Array | None = None) -> jax.Array:
    """Logits (B, T, vocab) for token ids (B, T), causal attention from position 0.

    With `dropout > 0` and a `key` (training only), the attention probabilities and each residual branch
    (attention and feed-forward outputs) are dropped at that rate; without them this is the reference forward
    pass the engine must reproduce.
    """
    B, T = tokens.shape
    hs, nh, nkv = cfg.head_size, cfg.n_heads, cfg.n_kv_heads
    cos, sin = rope_tables(cfg, jnp.arange(T))
    causal = jnp.tril(jnp.ones((T, T), bool))
    x = params["tok_emb"][tokens]

    def block(x, layer_and_key):
        layer, layer_key = layer_and_key
        k_att, k_out, k_ffn = jax.random.split(layer_key, 3) if key is not None else (None, None, None)
        h = rms_norm(x, layer["rms_att"])
        q = (h @ layer["wq"].T).reshape(B, T, nh, hs)
        k = (h @ layer["wk"].T).reshape(B, T, nkv, hs)
        v = (h @ layer["wv"].T).reshape(B, T, nkv, hs)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        group = nh // nkv
        q = q.reshape(B, T, nkv, group, hs)
        scores = jnp.einsum("bqkgd,bskd->bkgqs", q, k) / math.sqrt(hs)
        scores = jnp.where(causal, scores, -1e30)
        att = jax.nn.softmax(scores, axis=-1) * dropout_mask(k_att, dropout, scores.shape)
        out = jnp.einsum("bkgqs,bskd->bqkgd", att, v).reshape(B, T, cfg.dim)
        x = x + (out @ layer["wo"].T) * dropout_mask(k_out, dropout, x.shape)
        h = rms_norm(x, layer["rms_ffn"])
        ffn = (jax.nn.silu(h @ layer["w1"].T) * (h @ layer["w3"].T)) @ layer["w2"].T
        return x + ffn * dropout_mask(k_ffn, dropout, x.shape), None

    layers = {k: params[k] for k in LAYER_KEYS}
    # One key per layer for the scan (unused placeholders without dropout).
    layer_keys = jax.random.split(key, cfg.n_layers) if key is not None else jnp.zeros((cfg.n_layers, 2), jnp.uint32)
    x, _ = jax.lax.scan(block, x, (layers, layer_keys))
    x = rms_norm(x, params["rms_final"])
    return x @ params["tok_emb"].T


def cross_entropy(logits: jax.Array, targets: jax.Array) -> jax.Array:
    """Mean next-token cross-entropy in nats."""
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, targets[..., None], axis=-1))


def last_logits_fn(cfg: Config):
    """Jitted `(params, ids) -> logits of the last id`, for up to seq_len ids.

    Inputs are right-padded to seq_len so there is a single compilation; the
    causal mask makes the padding invisible to the real positions.
    """
    fwd = jax.jit(lambda p, t: forward(p, t, cfg))

    def last_logits(params, ids: list[int]) -> np.ndarray:
        if not 1 <= len(ids) <= cfg.seq_len:
            raise ValueError(f"need 1..{cfg.seq_len} tokens, got {len(ids)}")
        padded = np.zeros((1, cfg.seq_len), np.int32)
        padded[0, : len(ids)] = ids
        return np.asarray(fwd(params, jnp.asarray(padded))[0, len(ids) - 1])

    return last_logits

