#!/usr/bin/env python3
"""Train the SentencePiece BPE tokenizer on the training split and export it.

Writes, into --out:
* `tokenizer.model` / `tokenizer.vocab`: the SentencePiece model (Llama-2 id
  layout: <unk>=0, <s>=1, </s>=2, byte pieces <0x00>..<0xFF>=3..258);
* `tokenizer.bin`: the same vocabulary in llama2.c's format
  (u32 max_token_length, then per token: f32 score, i32 byte length, bytes),
  with '▁' rewritten to ' ' and BOS/EOS to "\\n<s>\\n" / "\\n</s>\\n" as
  llama2.c's tokenizer.py does.

Only the training split is used, so validation text stays unseen.
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

import sentencepiece as spm

HERE = Path(__file__).parent


def train(corpus: Path, prefix: Path, vocab_size: int) -> None:
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(prefix),
        model_type="bpe",
        vocab_size=vocab_size,
        byte_fallback=True,  # any byte sequence stays encodable
        character_coverage=1.0,
        split_digits=True,
        allow_whitespace_only_pieces=True,
        normalization_rule_name="identity",  # keep text as is (llama2.c does no normalisation)
        add_dummy_prefix=True,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        max_sentence_length=16384,  # one paragraph per line; some are long
        shuffle_input_sentence=True,
        seed_sentencepiece_size=1_000_000,
        num_threads=1,
        minloglevel=1,
    )


def export_llama2c(model_path: Path, bin_path: Path) -> int:
    """Write llama2.c's tokenizer.bin; returns the vocabulary size."""
    sp = spm.SentencePieceProcessor(model_file=str(model_path))
    tokens, scores = [], []
    for i in range(sp.vocab_size()):
        piece = sp.id_to_piece(i)
        if i == sp.bos_id():
            piece = "\n<s>\n"
        elif i == sp.eos_id():
            piece = "\n</s>\n"
        tokens.append(piece.replace("\u2581", " ").encode("utf-8"))
        scores.append(sp.get_score(i))
    with bin_path.open("wb") as f:
        f.write(struct.pack("<I", max(len(t) for t in tokens)))
        for token, score in zip(tokens, scores):
            f.write(struct.pack("<fi", score, len(token)))
            f.write(token)
    return len(tokens)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=HERE / "work" / "corpus" / "train.txt")
    parser.add_argument("--out", type=Path, default=HERE / "work" / "tokenizer")
    parser.add_argument("--vocab-size", type=int, default=2048)
    args = parser.parse_args()
    if not args.corpus.is_file():
        parser.error(f"{args.corpus} not found: run get_corpus.py first")
    if not 259 + 64 <= args.vocab_size <= 65536:
        parser.error("--vocab-size must leave room for 3 specials + 256 byte pieces (323..65536)")

    args.out.mkdir(parents=True, exist_ok=True)
    prefix = args.out / "tokenizer"
    train(args.corpus, prefix, args.vocab_size)
    n = export_llama2c(prefix.with_suffix(".model"), args.out / "tokenizer.bin")
    sp = spm.SentencePieceProcessor(model_file=str(prefix.with_suffix(".model")))
    sample = "It is a truth universally acknowledged"
    print(f"vocab {n}; '{sample}' -> {sp.encode(sample, out_type=str)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
