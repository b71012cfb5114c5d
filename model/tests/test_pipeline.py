"""Tests for the model pipeline: R data parsing, the reference forward pass
against an independent llama2.c-style (run.c) implementation, and the export
formats. Run: model/work/venv/bin/python -m pytest model/tests -q
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import export  # noqa: E402
import get_corpus  # noqa: E402
import llama  # noqa: E402

# ---------------------------------------------------------------- R serialization


def _int(n: int) -> bytes:
    return struct.pack(">i", n)


def _charsxp(s: str) -> bytes:
    raw = s.encode("utf-8")
    return _int(0x00040009) + _int(len(raw)) + raw


def _strsxp(items: list[str], attrs: bytes = b"") -> bytes:
    flags = 16 | ((1 << 9) if attrs else 0)
    return _int(flags) + _int(len(items)) + b"".join(_charsxp(s) for s in items) + attrs


def _names_attr(names: list[str]) -> bytes:
    # pairlist node with tag SYMSXP "names", value STRSXP, then NILVALUE
    return _int(2 | (1 << 10)) + _int(1) + _charsxp("names") + _strsxp(names) + _int(254)


def _serialized(body: bytes) -> bytes:
    return b"X\n" + _int(3) + _int(0x40201) + _int(0x30500) + _int(5) + b"UTF-8" + body


def test_r_reader_parses_character_vector_with_names():
    data = _serialized(_strsxp(["It is", "a truth"], _names_attr(["a", "b"])))
    assert get_corpus.unserialize(data) == {"a": "It is", "b": "a truth"}


def test_r_reader_na_string_and_plain_vector():
    body = _int(16) + _int(2) + _charsxp("x") + _int(0x00000009) + _int(-1)
    assert get_corpus.unserialize(_serialized(body)) == ["x", None]


def test_r_reader_rejects_truncated_and_foreign_data():
    with pytest.raises(get_corpus.CorpusError):
        get_corpus.unserialize(_serialized(_strsxp(["abc"]))[:-2])
    with pytest.raises(get_corpus.CorpusError):
        get_corpus.unserialize(b"RDX2\n" + b"\0" * 20)


def test_load_novels_reads_rdx_index_and_rdb_blobs(tmp_path):
    import gzip

    blobs, index_entries = b"", []
    for name, lines in (("emma", ["CHAPTER I", "Emma Woodhouse"]), ("persuasion", ["Chapter 1", "Sir"])):
        raw = _serialized(_strsxp(lines))
        blob = struct.pack(">I", len(raw)) + zlib.compress(raw)
        index_entries.append((name, len(blobs), len(blob)))
        blobs += blob
    offsets = b"".join(_int(13) + _int(2) + _int(off) + _int(n) for _, off, n in index_entries)
    variables = _int(19 | (1 << 9)) + _int(2) + offsets + _names_attr([e[0] for e in index_entries])
    index = _int(19 | (1 << 9)) + _int(1) + variables + _names_attr(["variables"])
    (tmp_path / "Rdata.rdx").write_bytes(gzip.compress(_serialized(index)))
    (tmp_path / "Rdata.rdb").write_bytes(blobs)
    assert get_corpus.load_novels(tmp_path) == {
        "emma": ["CHAPTER I", "Emma Woodhouse"], "persuasion": ["Chapter 1", "Sir"]}


def test_split_chapters_reflows_paragraphs_and_drops_front_matter():
    lines = ["EMMA", "", "By Jane Austen", "", "VOLUME I", "", "CHAPTER I", "", "Emma _Woodhouse_,",
             "handsome.", "", "Second para.", "", "CHAPTER II", "", "Next.", "", "FINIS", "THE END"]
    assert get_corpus.split_chapters(lines) == ["Emma Woodhouse, handsome.\nSecond para.", "Next.\nFINIS"]


# ---------------------------------------------------------------- reference model


def _runc_forward(p: dict, cfg: llama.Config, tokens: list[int]) -> np.ndarray:
    """Token-by-token port of llama2.c run.c `forward` (KV cache, loops), numpy float64."""
    d, hs, kv_dim = cfg.dim, cfg.head_size, cfg.kv_dim
    kv_mul = cfg.n_heads // cfg.n_kv_heads
    key_cache = np.zeros((cfg.n_layers, cfg.seq_len, kv_dim))
    value_cache = np.zeros((cfg.n_layers, cfg.seq_len, kv_dim))

    def rmsnorm(x, w):
        return w * (x / np.sqrt(np.mean(x * x) + 1e-5))

    out = []
    for pos, token in enumerate(tokens):
        x = p["tok_emb"][token].astype(np.float64)
        for l in range(cfg.n_layers):
            xb = rmsnorm(x, p["rms_att"][l])
            q, k, v = p["wq"][l] @ xb, p["wk"][l] @ xb, p["wv"][l] @ xb
            for i in range(0, d, 2):  # run.c: rotate pairs (i, i+1)
                head_dim = i % hs
                freq = 1.0 / 10000.0 ** (head_dim / hs)
                val = pos * freq
                fcr, fci = np.cos(val), np.sin(val)
                for vec in ((q, k) if i < kv_dim else (q,)):
                    v0, v1 = vec[i], vec[i + 1]
                    vec[i], vec[i + 1] = v0 * fcr - v1 * fci, v0 * fci + v1 * fcr
            key_cache[l, pos], value_cache[l, pos] = k, v
            att_out = np.zeros(d)
            for h in range(cfg.n_heads):
                qh = q[h * hs : (h + 1) * hs]
                kvh = (h // kv_mul) * hs
                scores = np.array([qh @ key_cache[l, t, kvh : kvh + hs] for t in range(pos + 1)]) / np.sqrt(hs)
                att = np.exp(scores - scores.max())
                att /= att.sum()
                att_out[h * hs : (h + 1) * hs] = att @ value_cache[l, : pos + 1, kvh : kvh + hs]
            x = x + p["wo"][l] @ att_out
            xb = rmsnorm(x, p["rms_ffn"][l])
            h1, h3 = p["w1"][l] @ xb, p["w3"][l] @ xb
            x = x + p["w2"][l] @ (h1 / (1 + np.exp(-h1)) * h3)
        out.append(p["tok_emb"] @ rmsnorm(x, p["rms_final"]))
    return np.array(out)


def _random_model(seed=0):
    cfg = llama.Config(dim=16, hidden_dim=24, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=40, seq_len=12)
    rng = np.random.default_rng(seed)
    params = {k: rng.normal(0, 0.3, s).astype(np.float32) for k, s in llama.param_shapes(cfg).items()}
    params["rms_att"] += 1.0  # non-trivial norm weights
    return cfg, params


def test_reference_forward_matches_runc_port():
    cfg, params = _random_model()
    tokens = [1, 5, 9, 33, 2, 7, 7, 12, 0, 39]
    expected = _runc_forward(params, cfg, tokens)
    got = np.asarray(llama.forward(params, np.asarray([tokens], np.int32), cfg))[0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_rope_pairs_are_adjacent_not_half_split():
    cfg = llama.Config(dim=8, hidden_dim=8, n_layers=1, n_heads=1, n_kv_heads=1, vocab_size=4, seq_len=4)
    x = np.zeros((1, 4, 1, 8), np.float32)
    x[0, :, 0, 0] = 1.0  # only element 0 set: adjacent pairing moves it into element 1 only
    cos, sin = llama.rope_tables(cfg, np.arange(4))
    y = np.asarray(llama.apply_rope(x, cos, sin))[0, :, 0]
    np.testing.assert_allclose(y[:, 1], np.sin(np.arange(4)), atol=1e-6)
    assert np.all(y[:, 2:] == 0)


def test_last_logits_rejects_overlong_context():
    cfg, params = _random_model()
    with pytest.raises(ValueError):
        llama.last_logits_fn(cfg)(params, list(range(cfg.seq_len + 1)))


# ---------------------------------------------------------------- export formats


def test_v0_round_trip_and_layout(tmp_path):
    cfg, params = _random_model(1)
    header = {f: getattr(cfg, f) for f in export.HEADER_FIELDS}
    path = tmp_path / "m.bin"
    size = export.write_v0(path, header, params)
    raw = path.read_bytes()
    assert struct.unpack("<7i", raw[:28]) == (16, 24, 2, 4, 2, 40, 12)
    # token embedding is first, row-major
    assert np.frombuffer(raw, "<f4", count=16, offset=28).tolist() == params["tok_emb"][0].tolist()
    # last float before the RoPE tables is the final norm's last weight
    rope_floats = cfg.seq_len * cfg.head_size
    assert np.frombuffer(raw, "<f4", offset=size - 4 * (rope_floats + 1), count=1)[0] == params["rms_final"][-1]
    back_header, back = export.read_v0(path)
    assert back_header == header
    for k in export.V0_ORDER:
        np.testing.assert_array_equal(back[k], params[k])


def test_read_v0_rejects_bad_files(tmp_path):
    cfg, params = _random_model(2)
    path = tmp_path / "m.bin"
    export.write_v0(path, {f: getattr(cfg, f) for f in export.HEADER_FIELDS}, params)
    (tmp_path / "short.bin").write_bytes(path.read_bytes()[:-4])
    with pytest.raises(export.CheckpointError):
        export.read_v0(tmp_path / "short.bin")
    (tmp_path / "tiny.bin").write_bytes(b"\0" * 10)
    with pytest.raises(export.CheckpointError):
        export.read_v0(tmp_path / "tiny.bin")


def test_tokenizer_bin_matches_sentencepiece(tmp_path):
    import sentencepiece as spm

    import train_tokenizer

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(["It is a truth universally acknowledged, that a single man."] * 50
                                + ["Emma Woodhouse, handsome, clever, and rich."] * 50) + "\n")
    train_tokenizer.train(corpus, tmp_path / "tok", vocab_size=300)
    n = train_tokenizer.export_llama2c(tmp_path / "tok.model", tmp_path / "tok.bin")
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "tok.model"))
    raw = (tmp_path / "tok.bin").read_bytes()
    at, pieces = 4, []
    for _ in range(n):
        score, length = struct.unpack_from("<fi", raw, at)
        pieces.append((score, raw[at + 8 : at + 8 + length].decode("utf-8")))
        at += 8 + length
    assert at == len(raw) and n == sp.vocab_size() == 300
    assert struct.unpack_from("<I", raw)[0] == max(len(t.encode()) for _, t in pieces)
    assert [t for _, t in pieces[:4]] == ["<unk>", "\n<s>\n", "\n</s>\n", "<0x00>"]
    assert pieces[13][1] == "<0x0A>"  # byte fallback: byte b is id b + 3, as llama2.c assumes
    for i in range(259, n):
        assert pieces[i] == (pytest.approx(sp.get_score(i)), sp.id_to_piece(i).replace("\u2581", " "))


# ---------------------------------------------------------------- shipped artefacts

MODEL_DIR = Path(__file__).resolve().parents[1]


def _shipped_model():
    header, params = export.read_v0(MODEL_DIR / "release" / "austen-v0-f32.bin")
    return llama.Config.from_dict(header), params


def test_shipped_greedy_fixture_agrees_with_runc_port():
    """The fixture came from the JAX pass; an independent run.c-style pass agrees."""
    import json

    cfg, params = _shipped_model()
    greedy = json.loads((MODEL_DIR / "reference" / "greedy.json").read_text())
    ids = greedy["prompt_ids"] + greedy["expected_ids"]
    logits = _runc_forward(params, cfg, ids[:-1])  # teacher-forced, KV cache
    start = len(greedy["prompt_ids"]) - 1
    assert [int(np.argmax(row)) for row in logits[start:]] == greedy["expected_ids"]


def test_shipped_val_snippet_fixture_agrees_with_runc_port():
    import json

    cfg, params = _shipped_model()
    snippet = json.loads((MODEL_DIR / "reference" / "val_snippet.json").read_text())["snippets"][0]
    ids = snippet["ids"]
    logits = _runc_forward(params, cfg, ids[:-1])
    logp = logits - logits.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    ce = -np.mean([logp[i, ids[i + 1]] for i in range(len(ids) - 1)])
    assert abs(ce - snippet["mean_ce_nats"]) < 1e-3


def _llama2c_encode(vocab: list[str], scores: list[float], text: str) -> list[int]:
    """Port of llama2.c run.c encode(): BOS, dummy-prefix space, codepoints with byte
    fallback (byte + 3), then repeatedly merge the adjacent pair with the best score."""
    lookup = {piece: i for i, piece in enumerate(vocab)}
    ids = [1, lookup[" "]] if text else [1]
    for ch in text:
        if ch in lookup:
            ids.append(lookup[ch])
        else:
            ids.extend(b + 3 for b in ch.encode("utf-8"))
    while True:
        best = None
        for i in range(len(ids) - 1):
            merged = lookup.get(vocab[ids[i]] + vocab[ids[i + 1]])
            if merged is not None and (best is None or scores[merged] > scores[best[1]]):
                best = (i, merged)
        if best is None:
            return ids
        ids[best[0] : best[0] + 2] = [best[1]]


def test_llama2c_style_encoding_of_the_prompt_matches_fixture():
    """The engine encodes prompts from tokenizer.bin the llama2.c way; it must give
    the SentencePiece ids recorded in greedy.json."""
    import json

    raw = (MODEL_DIR / "release" / "tokenizer.bin").read_bytes()
    at, vocab, scores = 4, [], []
    while at < len(raw):
        score, length = struct.unpack_from("<fi", raw, at)
        vocab.append(raw[at + 8 : at + 8 + length].decode("utf-8"))
        scores.append(score)
        at += 8 + length
    greedy = json.loads((MODEL_DIR / "reference" / "greedy.json").read_text())
    assert _llama2c_encode(vocab, scores, greedy["prompt"]) == greedy["prompt_ids"]
