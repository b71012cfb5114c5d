#!/usr/bin/env python3
"""Extract Jane Austen's six novels from Debian's `r-cran-janeaustenr` package.

No R is needed. The package stores its data sets as an R lazy-load database:

* `data/Rdata.rdx` is a gzip'd R serialization (format 2/3, XDR) of a list whose
  `variables` element maps each object name (e.g. `emma`) to `(offset, length)`
  inside `Rdata.rdb`;
* `data/Rdata.rdb` holds each object as a big-endian u32 (uncompressed length)
  followed by a zlib stream of R serialization. Every novel is a character vector
  (STRSXP) whose elements are CHARSXP records: the lines of the Project Gutenberg
  text.

The script walks that serialization with a small XDR reader (only the types that
occur in this package), groups lines into chapters, re-flows hard-wrapped
paragraphs into one line each, and writes a chapter-level train/validation split.

Usage: get_corpus.py [--deb PATH] [--out DIR] [--val-fraction F] [--seed N]
Without --deb the package is fetched with `apt-get download`.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import random
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

# R SEXP type codes used by this package's data (see R's serialize.c).
NILSXP, SYMSXP, LISTSXP, CHARSXP = 0, 1, 2, 9
LGLSXP, INTSXP, REALSXP, STRSXP, VECSXP = 10, 13, 14, 16, 19
REFSXP, NILVALUE_SXP = 255, 254

DATA_DIR = "usr/lib/R/site-library/janeaustenr/data"

# Human-readable titles for the object names in the package.
TITLES = {
    "sensesensibility": "Sense & Sensibility",
    "prideprejudice": "Pride & Prejudice",
    "mansfieldpark": "Mansfield Park",
    "emma": "Emma",
    "northangerabbey": "Northanger Abbey",
    "persuasion": "Persuasion",
}

CHAPTER_HEADING = re.compile(r"^\s*chapter\s+([ivxlc]+|\d+)\b\.?\s*$", re.IGNORECASE)
VOLUME_HEADING = re.compile(r"^\s*volume\s+([ivxlc]+|\d+)\b\.?\s*$", re.IGNORECASE)
END_MARKER = re.compile(r"^\s*(the\s+)?end\.?\s*$", re.IGNORECASE)


class CorpusError(Exception):
    """Raised when the package contents do not look like the expected R data."""


class RReader:
    """Minimal reader for R's XDR serialization (enough for character data)."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0
        self.refs: list[object] = []

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise CorpusError(f"truncated R serialization at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def _int(self) -> int:
        return struct.unpack(">i", self._take(4))[0]

    def read_header(self) -> None:
        if self._take(2) != b"X\n":
            raise CorpusError("not an XDR R serialization (missing 'X\\n')")
        version = self._int()
        self._int()  # writer R version
        self._int()  # minimal reader version
        if version == 3:
            self._take(self._int())  # native encoding name
        elif version != 2:
            raise CorpusError(f"unsupported R serialization version {version}")

    def _length(self) -> int:
        n = self._int()
        if n == -1:  # long vector: two more ints
            hi, lo = self._int(), self._int()
            n = (hi << 32) | lo
        return n

    def read_item(self) -> object:
        flags = self._int()
        sexp_type = flags & 0xFF
        has_attr = bool(flags & (1 << 9))
        has_tag = bool(flags & (1 << 10))

        if sexp_type == NILVALUE_SXP:
            return None
        if sexp_type == REFSXP:
            index = flags >> 8
            if index == 0:
                index = self._int()
            return self.refs[index - 1]
        if sexp_type == SYMSXP:
            name = self.read_item()
            self.refs.append(name)
            return name
        if sexp_type == LISTSXP:
            attrs = self.read_item() if has_attr else None
            tag = self.read_item() if has_tag else None
            car = self.read_item()
            cdr = self.read_item()
            pairs = [(tag, car)]
            if isinstance(cdr, list):
                pairs.extend(cdr)
            del attrs
            return pairs
        if sexp_type == CHARSXP:
            n = self._int()
            return None if n == -1 else self._take(n).decode("utf-8", errors="replace")

        if sexp_type in (LGLSXP, INTSXP):
            n = self._length()
            value: object = list(struct.unpack(f">{n}i", self._take(4 * n)))
        elif sexp_type == REALSXP:
            n = self._length()
            value = list(struct.unpack(f">{n}d", self._take(8 * n)))
        elif sexp_type in (STRSXP, VECSXP):
            n = self._length()
            value = [self.read_item() for _ in range(n)]
        else:
            raise CorpusError(f"unsupported R SEXP type {sexp_type} at byte {self.pos}")

        if has_attr:
            attrs = dict(self.read_item())
            names = attrs.get("names")
            if names is not None and isinstance(value, list):
                value = dict(zip(names, value))
        return value


def unserialize(data: bytes) -> object:
    """Decode one complete R XDR serialization."""
    reader = RReader(data)
    reader.read_header()
    return reader.read_item()


def load_novels(data_dir: Path) -> dict[str, list[str]]:
    """Return {object name: list of lines} for every object in Rdata.rdb."""
    index = unserialize(gzip.decompress((data_dir / "Rdata.rdx").read_bytes()))
    if not isinstance(index, dict) or "variables" not in index:
        raise CorpusError("Rdata.rdx has no 'variables' table")
    rdb = (data_dir / "Rdata.rdb").read_bytes()
    novels = {}
    for name, (offset, length) in index["variables"].items():
        blob = rdb[offset : offset + length]
        expected_len = struct.unpack(">I", blob[:4])[0]
        raw = zlib.decompress(blob[4:])
        if len(raw) != expected_len:
            raise CorpusError(f"{name}: length {len(raw)} != header {expected_len}")
        lines = unserialize(raw)
        if not isinstance(lines, list) or not all(isinstance(x, (str, type(None))) for x in lines):
            raise CorpusError(f"{name}: not a character vector")
        novels[name] = [x or "" for x in lines]
    return novels


def clean_text(text: str) -> str:
    """Drop Gutenberg italics markers (_word_) and normalise spacing."""
    text = text.replace("_", "")
    return re.sub(r"[ \t]+", " ", text).strip()


def split_chapters(lines: list[str]) -> list[str]:
    """Group a novel's lines into chapters of re-flowed paragraphs.

    Text before the first chapter heading (title, author) and volume headings are
    dropped; each paragraph (lines separated by blank lines) becomes one line.
    """
    chapters: list[list[str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph and chapters:
            chapters[-1].append(clean_text(" ".join(paragraph)))
        paragraph.clear()

    for line in lines:
        if CHAPTER_HEADING.match(line):
            flush()
            chapters.append([])
        elif VOLUME_HEADING.match(line) or END_MARKER.match(line):
            flush()
        elif line.strip():
            paragraph.append(line.strip())
        else:
            flush()
    flush()
    return ["\n".join(p for p in chapter if p) for chapter in chapters if chapter]


def fetch_deb(workdir: Path) -> Path:
    subprocess.run(["apt-get", "download", "r-cran-janeaustenr"], cwd=workdir, check=True)
    debs = sorted(glob.glob(str(workdir / "r-cran-janeaustenr_*.deb")))
    if not debs:
        raise CorpusError("apt-get download produced no r-cran-janeaustenr .deb")
    return Path(debs[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deb", type=Path, help="existing r-cran-janeaustenr .deb (default: apt-get download)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "work" / "corpus")
    parser.add_argument("--val-fraction", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1813)
    args = parser.parse_args()
    if not 0.0 < args.val_fraction < 1.0:
        parser.error("--val-fraction must be in (0, 1)")

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        deb = args.deb.resolve() if args.deb else fetch_deb(tmpdir)
        if not deb.is_file():
            raise CorpusError(f"{deb} does not exist")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tmpdir / "pkg")], check=True)
        novels = load_novels(tmpdir / "pkg" / DATA_DIR)

    missing = set(TITLES) - set(novels)
    if missing:
        raise CorpusError(f"package lacks novels: {sorted(missing)}")

    all_chapters = []  # (book, chapter number, text)
    books_dir = args.out / "books"
    books_dir.mkdir(exist_ok=True)
    for name in sorted(novels):
        chapters = split_chapters(novels[name])
        (books_dir / f"{name}.txt").write_text("\n\n".join(chapters) + "\n", encoding="utf-8")
        all_chapters += [(name, i + 1, text) for i, text in enumerate(chapters)]

    rng = random.Random(args.seed)
    n_val = max(1, round(len(all_chapters) * args.val_fraction))
    val_ids = set(rng.sample(range(len(all_chapters)), n_val))
    train = [c for i, c in enumerate(all_chapters) if i not in val_ids]
    val = [c for i, c in enumerate(all_chapters) if i in val_ids]

    # Chapters are separated by a blank line; paragraphs by one newline.
    (args.out / "train.txt").write_text("\n\n".join(c[2] for c in train) + "\n", encoding="utf-8")
    (args.out / "val.txt").write_text("\n\n".join(c[2] for c in val) + "\n", encoding="utf-8")
    manifest = {
        "source": "Debian r-cran-janeaustenr (Project Gutenberg texts, public domain)",
        "seed": args.seed,
        "val_fraction": args.val_fraction,
        "chapters_per_book": {n: sum(1 for c in all_chapters if c[0] == n) for n in sorted(novels)},
        "val_chapters": [[c[0], c[1]] for c in val],
        "train_chars": sum(len(c[2]) for c in train),
        "val_chars": sum(len(c[2]) for c in val),
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(json.dumps({k: manifest[k] for k in ("chapters_per_book", "train_chars", "val_chars")}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (CorpusError, subprocess.CalledProcessError, OSError) as err:
        print(f"get_corpus: error: {err}", file=sys.stderr)
        sys.exit(1)
