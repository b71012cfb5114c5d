"""train.py checkpoints: a run stopped and resumed (by step count, by the time cap)
ends bit-identical to a run that never stopped; a resume refuses another run's
checkpoint; the bits-per-character bookkeeping counts the held-out text exactly.
Run: model/work/venv/bin/python -m pytest model/tests -q
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import train  # noqa: E402

PARAGRAPHS = [
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife.",
    "Emma Woodhouse, handsome, clever, and rich, with a comfortable home and happy disposition.",
    "\u201cMy dear Mr. Bennet,\u201d said his lady to him one day, \u201chave you heard that "
    "Netherfield Park is let at last?\u201d",
    "Sir Walter Elliot, of Kellynch Hall, in Somersetshire, was a man who, for his own amusement, "
    "never took up any book but the Baronetage; caf\u00e9 na\u00efve \u2014 r\u00f4le.",
]
TINY = ["--dim", "16", "--hidden-dim", "32", "--n-layers", "1", "--n-heads", "2", "--n-kv-heads", "1",
        "--seq-len", "16", "--batch-size", "4", "--lr", "1e-2", "--warmup-steps", "2", "--max-steps", "12",
        "--eval-every", "4", "--checkpoint-every", "3", "--time-budget-min", "0"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    import train_tokenizer

    root = tmp_path_factory.mktemp("corpus")
    chapters = ["\n".join(PARAGRAPHS[i:] + PARAGRAPHS[:i]) for i in range(len(PARAGRAPHS))] * 5
    (root / "train.txt").write_text("\n\n".join(chapters) + "\n", encoding="utf-8")
    # The last paragraph has characters the tokenizer never saw: byte fallback.
    val = chapters[:3] + ["\u00c6sop\u2019s f\u0153tus \u017fhall \U0001d11e.\nThe end."]
    (root / "val.txt").write_text("\n\n".join(val) + "\n", encoding="utf-8")
    train_tokenizer.train(root / "train.txt", root / "tok", vocab_size=320)
    return root


def _run(corpus: Path, out: Path, *extra: str) -> int:
    return train.main(["--corpus", str(corpus), "--tokenizer", str(corpus / "tok.model"),
                       "--out", str(out), *TINY, *extra])


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


def _log(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        del row["elapsed_s"]
    return rows


@pytest.mark.parametrize("dropout", ["0", "0.2"])
def test_stopped_and_resumed_run_is_bit_identical_to_a_straight_run(corpus, tmp_path, dropout):
    straight, pieces = tmp_path / "straight", tmp_path / "pieces"
    assert _run(corpus, straight, "--dropout", dropout) == 0

    # Stop after 5 steps (between checkpoint-every and eval boundaries), then stop
    # by the time cap after one more step, then resume to the end. With dropout the masks
    # depend on the step alone, so the pieced run draws the same ones.
    assert _run(corpus, pieces, "--dropout", dropout, "--stop-after-steps", "5") == 0
    assert json.loads((pieces / "summary.json").read_text())["steps"] == 5
    assert _run(corpus, pieces, "--dropout", dropout, "--resume", "--time-budget-min", "1e-9") == 0
    summary = json.loads((pieces / "summary.json").read_text())
    assert (summary["steps"], summary["stopped_early"], summary["complete"]) == (6, True, False)
    assert _run(corpus, pieces, "--dropout", dropout, "--resume") == 0
    summary = json.loads((pieces / "summary.json").read_text())
    assert (summary["steps"], summary["stopped_early"], summary["complete"]) == (12, False, True)

    a, b = _arrays(straight / "params.npz"), _arrays(pieces / "params.npz")
    assert a.keys() == b.keys()
    for name in a:
        assert np.array_equal(a[name], b[name]), name
    ca, cb = _arrays(straight / train.CHECKPOINT), _arrays(pieces / train.CHECKPOINT)
    assert ca.keys() == cb.keys() and any(k.startswith("opt/") for k in ca)
    for name in ca:
        if name != "meta":
            assert np.array_equal(ca[name], cb[name]), name
    meta_a, meta_b = json.loads(str(ca["meta"])), json.loads(str(cb["meta"]))
    assert meta_a["rng_state"] == meta_b["rng_state"] and meta_a["step"] == meta_b["step"] == 12

    # The log of the pieced run has the straight run's rows plus the extra rows
    # written where it stopped (step 5 and step 6 evals), identical values.
    straight_rows = _log(straight / "train_log.jsonl")
    pieced_rows = _log(pieces / "train_log.jsonl")
    assert [r["step"] for r in straight_rows] == [1, 4, 8, 12]
    assert [r["step"] for r in pieced_rows] == [1, 4, 5, 6, 8, 12]
    by_step = {r["step"]: r for r in pieced_rows}
    for row in straight_rows[:2]:
        assert by_step[row["step"]] == row
    for row in straight_rows[2:]:  # train_loss averages over a different span after a stop
        assert {k: v for k, v in by_step[row["step"]].items() if k != "train_loss"} == \
               {k: v for k, v in row.items() if k != "train_loss"}


def test_resume_refuses_a_checkpoint_of_another_run(corpus, tmp_path, capsys):
    out = tmp_path / "run"
    assert _run(corpus, out, "--stop-after-steps", "3") == 0
    assert _run(corpus, out, "--resume", "--lr", "5e-3") == 2
    assert "differs in: lr" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run(corpus, tmp_path / "empty", "--resume")


def test_dropout_changes_training_but_not_the_reference_forward(corpus, tmp_path):
    import jax
    import llama

    plain, dropped = tmp_path / "plain", tmp_path / "dropped"
    assert _run(corpus, plain) == 0
    assert _run(corpus, dropped, "--dropout", "0.3") == 0
    a, b = _arrays(plain / "params.npz"), _arrays(dropped / "params.npz")
    assert any(not np.array_equal(a[k], b[k]) for k in a), "dropout had no effect on training"
    # Without a key (or at rate 0) the forward pass is the reference one, bit for bit.
    cfg = llama.Config(dim=16, hidden_dim=32, n_layers=1, n_heads=2, n_kv_heads=1, vocab_size=300, seq_len=16)
    params = llama.init_params(cfg, jax.random.PRNGKey(0))
    tokens = np.arange(32, dtype=np.int32).reshape(2, 16) % 300
    reference = np.asarray(llama.forward(params, tokens, cfg))
    assert np.array_equal(reference, np.asarray(llama.forward(params, tokens, cfg, dropout=0.0, key=jax.random.PRNGKey(1))))
    assert not np.array_equal(reference, np.asarray(llama.forward(params, tokens, cfg, dropout=0.5, key=jax.random.PRNGKey(1))))


def test_char_counts_cover_the_text_exactly(corpus):
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(corpus / "tok.model"))
    text = (corpus / "val.txt").read_text("utf-8")
    stream, starts = train.encode_stream(sp, text)
    chars = train.stream_char_counts(sp, stream, starts)
    paragraphs = [p for p in text.split("\n") if p.strip()]
    assert int(chars.sum()) == sum(len(p) + 1 for p in paragraphs)  # +1: each paragraph's newline
    ends = list(starts[1:]) + [len(stream)]
    for s, e, p in zip(starts, ends, paragraphs):
        stop = e - 1 if stream[e - 1] == sp.bos_id() else e  # next chapter's <s> counts 0 anyway
        assert int(chars[s:stop].sum()) == len(p) + 1
