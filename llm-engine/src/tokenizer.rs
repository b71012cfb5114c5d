//! SentencePiece-style BPE tokenizer (no_std + alloc).
//!
//! Encoding follows SentencePiece's BPE model: the text (with a leading space when the model adds
//! a dummy prefix) is split into characters; adjacent symbols are merged, always taking the pair
//! whose concatenation is the vocabulary piece with the highest score (leftmost on ties), until no
//! pair is in the vocabulary. Characters without a piece fall back to `<0xNN>` byte pieces, or to
//! the unknown piece for vocabularies without byte pieces.
//!
//! Cost: pieces are found by binary search in a byte-sorted index, and candidate merges sit in a
//! priority queue with lazy invalidation, so encoding is O(n log n · log V) rather than llama2.c's
//! O(n²) scan per merge.
//!
//! Pieces store spaces as `' '` (SentencePiece's `▁` is converted by the converter).

use alloc::collections::BinaryHeap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::error::FormatError;

/// SentencePiece piece types (same codes as SentencePiece's `ModelProto.SentencePiece.Type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PieceKind {
    /// Ordinary piece, used by merges.
    Normal = 1,
    /// The unknown piece.
    Unknown = 2,
    /// Control symbol (BOS, EOS, ChatML markers...): never produced from text, decodes to nothing.
    Control = 3,
    /// User-defined piece, matched like a normal piece.
    UserDefined = 4,
    /// Unused piece.
    Unused = 5,
    /// Byte-fallback piece `<0xNN>`.
    Byte = 6,
}

impl PieceKind {
    /// Decodes a stored code.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::Normal,
            2 => Self::Unknown,
            3 => Self::Control,
            4 => Self::UserDefined,
            5 => Self::Unused,
            6 => Self::Byte,
            _ => return None,
        })
    }

    fn is_mergeable(self) -> bool {
        matches!(self, Self::Normal | Self::UserDefined)
    }
}

/// One vocabulary entry, as given to [`Tokenizer::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    /// The piece's bytes (UTF-8 for normal pieces; `<0xNN>` for byte pieces).
    pub text: Vec<u8>,
    /// Merge priority (higher merges first).
    pub score: f32,
    /// Piece type.
    pub kind: PieceKind,
}

/// Special token ids and options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenizerOptions {
    /// Beginning-of-sequence id, if the vocabulary has one.
    pub bos_id: Option<u32>,
    /// End-of-sequence id, if any.
    pub eos_id: Option<u32>,
    /// Unknown-piece id, if any.
    pub unk_id: Option<u32>,
    /// Prepend a space to non-empty text before encoding (SentencePiece's `add_dummy_prefix`).
    pub add_dummy_prefix: bool,
    /// Drop leading and trailing spaces and collapse runs of spaces before encoding
    /// (SentencePiece's `remove_extra_whitespaces`, on by default there; off in llama2.c).
    pub remove_extra_whitespaces: bool,
}

const NO_ID: u32 = u32::MAX;
const BLOB_MAGIC: [u8; 4] = *b"TOKN";
const BLOB_VERSION: u32 = 1;
const BLOB_HEADER_LEN: usize = 32;

/// A loaded vocabulary with its lookup index.
#[derive(Clone, Debug)]
pub struct Tokenizer {
    text: Vec<u8>,
    offsets: Vec<u32>,
    scores: Vec<f32>,
    kinds: Vec<PieceKind>,
    /// Ids of mergeable pieces, sorted by their bytes (then id), for binary search.
    sorted: Vec<u32>,
    byte_ids: [u32; 256],
    options: TokenizerOptions,
}

fn parse_byte_piece(text: &[u8]) -> Option<u8> {
    if text.len() != 6 || &text[..3] != b"<0x" || text[5] != b'>' {
        return None;
    }
    let hex = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    Some(hex(text[3])? << 4 | hex(text[4])?)
}

impl Tokenizer {
    /// Builds a tokenizer. Fails if a special id is outside the vocabulary or the vocabulary is empty.
    pub fn new(pieces: &[Piece], options: TokenizerOptions) -> Result<Self, FormatError> {
        let n = pieces.len();
        if n == 0 || n >= NO_ID as usize {
            return Err(FormatError::BadTokenizer { reason: "vocabulary size", at: n as u64 });
        }
        for id in [options.bos_id, options.eos_id, options.unk_id].into_iter().flatten() {
            if id as usize >= n {
                return Err(FormatError::BadTokenizer { reason: "special id outside the vocabulary", at: id as u64 });
            }
        }
        let mut text = Vec::new();
        let mut offsets = Vec::with_capacity(n + 1);
        let mut byte_ids = [NO_ID; 256];
        offsets.push(0);
        for (id, piece) in pieces.iter().enumerate() {
            text.extend_from_slice(&piece.text);
            offsets.push(text.len() as u32);
            if piece.kind == PieceKind::Byte {
                let byte = parse_byte_piece(&piece.text).ok_or(FormatError::BadTokenizer { reason: "byte piece is not <0xNN>", at: id as u64 })?;
                if byte_ids[byte as usize] == NO_ID {
                    byte_ids[byte as usize] = id as u32;
                }
            }
        }
        let mut tokenizer = Self {
            text,
            offsets,
            scores: pieces.iter().map(|p| p.score).collect(),
            kinds: pieces.iter().map(|p| p.kind).collect(),
            sorted: Vec::new(),
            byte_ids,
            options,
        };
        let mut sorted: Vec<u32> = (0..n as u32).filter(|&id| tokenizer.kinds[id as usize].is_mergeable()).collect();
        sorted.sort_by(|&a, &b| tokenizer.piece(a).cmp(tokenizer.piece(b)).then(a.cmp(&b)));
        tokenizer.sorted = sorted;
        Ok(tokenizer)
    }

    /// Number of pieces.
    pub fn vocab_size(&self) -> usize {
        self.kinds.len()
    }

    /// The options (special ids).
    pub fn options(&self) -> &TokenizerOptions {
        &self.options
    }

    /// The raw bytes of piece `id` (empty for an unknown id).
    pub fn piece(&self, id: u32) -> &[u8] {
        let id = id as usize;
        if id + 1 >= self.offsets.len() {
            return &[];
        }
        &self.text[self.offsets[id] as usize..self.offsets[id + 1] as usize]
    }

    /// Score of piece `id`.
    pub fn score(&self, id: u32) -> f32 {
        self.scores.get(id as usize).copied().unwrap_or(f32::NEG_INFINITY)
    }

    /// Kind of piece `id`.
    pub fn kind(&self, id: u32) -> Option<PieceKind> {
        self.kinds.get(id as usize).copied()
    }

    /// Id of the mergeable piece with exactly these bytes (lowest id if duplicated).
    pub fn lookup(&self, bytes: &[u8]) -> Option<u32> {
        let at = self.sorted.partition_point(|&id| self.piece(id) < bytes);
        let &id = self.sorted.get(at)?;
        (self.piece(id) == bytes).then_some(id)
    }

    /// Encodes `text`, appending ids to `out`; optionally wraps it in BOS / EOS.
    pub fn encode(&self, text: &str, add_bos: bool, add_eos: bool, out: &mut Vec<u32>) {
        if add_bos {
            out.extend(self.options.bos_id);
        }
        let mut buffer = String::with_capacity(text.len() + 1);
        if self.options.add_dummy_prefix {
            buffer.push(' ');
        }
        if self.options.remove_extra_whitespaces {
            for word in text.split(' ').filter(|w| !w.is_empty()) {
                if buffer.len() > self.options.add_dummy_prefix as usize {
                    buffer.push(' ');
                }
                buffer.push_str(word);
            }
        } else {
            buffer.push_str(text);
        }
        if buffer.len() > self.options.add_dummy_prefix as usize {
            self.encode_bpe(buffer.as_bytes(), out);
        }
        if add_eos {
            out.extend(self.options.eos_id);
        }
    }

    fn encode_bpe(&self, text: &[u8], out: &mut Vec<u32>) {
        // Symbols form a doubly linked list over byte ranges of `text`.
        #[derive(Clone, Copy)]
        struct Symbol {
            start: usize,
            end: usize,
            prev: usize,
            next: usize,
            /// Merged piece id, or NO_ID for a character without a piece (byte fallback).
            id: u32,
        }
        const NONE: usize = usize::MAX;
        let mut symbols: Vec<Symbol> = Vec::with_capacity(text.len());
        let as_str = core::str::from_utf8(text).unwrap_or("");
        for (start, ch) in as_str.char_indices() {
            let end = start + ch.len_utf8();
            let index = symbols.len();
            symbols.push(Symbol {
                start,
                end,
                prev: if index == 0 { NONE } else { index - 1 },
                next: index + 1,
                id: self.lookup(&text[start..end]).unwrap_or(NO_ID),
            });
        }
        if let Some(last) = symbols.last_mut() {
            last.next = NONE;
        }

        let mut heap = BinaryHeap::new();
        let push_candidate = |heap: &mut BinaryHeap<Candidate>, symbols: &[Symbol], left: usize| {
            let right = symbols[left].next;
            if right == NONE || symbols[left].id == NO_ID || symbols[right].id == NO_ID {
                return;
            }
            if let Some(id) = self.lookup(&text[symbols[left].start..symbols[right].end]) {
                heap.push(Candidate {
                    score: self.scores[id as usize],
                    left,
                    right,
                    len: symbols[right].end - symbols[left].start,
                    id,
                });
            }
        };
        for left in 0..symbols.len() {
            push_candidate(&mut heap, &symbols, left);
        }
        while let Some(candidate) = heap.pop() {
            let (left, right) = (candidate.left, candidate.right);
            // Skip stale candidates: a side was merged away or grew since it was queued.
            if symbols[left].next != right || symbols[right].end - symbols[left].start != candidate.len || symbols[left].end == symbols[left].start {
                continue;
            }
            symbols[left].end = symbols[right].end;
            symbols[left].id = candidate.id;
            symbols[left].next = symbols[right].next;
            symbols[right].start = symbols[right].end; // mark dead
            let after = symbols[right].next;
            if after != NONE {
                symbols[after].prev = left;
            }
            let before = symbols[left].prev;
            if before != NONE {
                push_candidate(&mut heap, &symbols, before);
            }
            push_candidate(&mut heap, &symbols, left);
        }

        let mut index = if symbols.is_empty() { NONE } else { 0 };
        while index != NONE {
            let symbol = symbols[index];
            if symbol.id != NO_ID {
                out.push(symbol.id);
            } else {
                self.fallback(&text[symbol.start..symbol.end], out);
            }
            index = symbol.next;
        }
    }

    fn fallback(&self, bytes: &[u8], out: &mut Vec<u32>) {
        if bytes.iter().all(|&b| self.byte_ids[b as usize] != NO_ID) {
            out.extend(bytes.iter().map(|&b| self.byte_ids[b as usize]));
        } else if let Some(unk) = self.options.unk_id {
            out.push(unk);
        }
    }

    /// Bytes that token `id` contributes to the text, given the previous token.
    /// Byte pieces give their byte; control pieces give nothing; the space of the dummy prefix is
    /// dropped at the start of the text (previous token `None` or BOS).
    pub fn decode_piece(&self, previous: Option<u32>, id: u32) -> &[u8] {
        match self.kind(id) {
            None | Some(PieceKind::Control) | Some(PieceKind::Unused) => &[],
            Some(PieceKind::Byte) => {
                let byte = parse_byte_piece(self.piece(id)).unwrap_or(0) as usize;
                &BYTE_TABLE[byte..byte + 1]
            }
            Some(PieceKind::Unknown) => " \u{2047} ".as_bytes(),
            Some(_) => {
                let piece = self.piece(id);
                let at_start = previous.is_none() || previous == self.options.bos_id;
                if at_start && self.options.add_dummy_prefix && piece.first() == Some(&b' ') {
                    &piece[1..]
                } else {
                    piece
                }
            }
        }
    }

    /// Decodes a whole id sequence to text (invalid UTF-8 becomes U+FFFD).
    pub fn decode(&self, ids: &[u32]) -> String {
        let mut decoder = TextDecoder::new();
        let mut text = String::new();
        let mut previous = None;
        for &id in ids {
            text.push_str(decoder.push(self.decode_piece(previous, id)));
            previous = Some(id);
        }
        text.push_str(decoder.finish());
        text
    }

    /// Serializes the vocabulary into the tokenizer blob stored in the model file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BLOB_HEADER_LEN + self.text.len() + 8 * self.kinds.len());
        out.extend_from_slice(&BLOB_MAGIC);
        let id = |id: Option<u32>| id.map_or(-1i32, |v| v as i32);
        out.extend_from_slice(&BLOB_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.kinds.len() as u32).to_le_bytes());
        out.extend_from_slice(&id(self.options.bos_id).to_le_bytes());
        out.extend_from_slice(&id(self.options.eos_id).to_le_bytes());
        out.extend_from_slice(&id(self.options.unk_id).to_le_bytes());
        let flags = self.options.add_dummy_prefix as u32 | (self.options.remove_extra_whitespaces as u32) << 1;
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        for i in 0..self.kinds.len() as u32 {
            let piece = self.piece(i);
            out.extend_from_slice(&self.score(i).to_le_bytes());
            out.push(self.kinds[i as usize] as u8);
            out.push(0);
            out.extend_from_slice(&(piece.len() as u16).to_le_bytes());
            out.extend_from_slice(piece);
        }
        out
    }

    /// Parses a tokenizer blob (the model file's raw `tokenizer` tensor, as [`Tokenizer::to_bytes`] writes it).
    ///
    /// Layout (little-endian): `"TOKN"`, u32 version 1, u32 piece count (≤ the model's vocabulary), i32 BOS,
    /// EOS and unknown-piece ids (−1 if none), u32 flags (bit 0: add a dummy-prefix space before encoding;
    /// bit 1: remove leading, trailing and repeated spaces first, as SentencePiece's default normalizer does),
    /// u32 reserved; then per piece an f32 score, a u8 kind (SentencePiece's: 1 normal, 2 unknown, 3 control,
    /// 4 user-defined, 5 unused, 6 byte), a reserved u8, a u16 byte length and the bytes. The blob ends exactly
    /// after the last piece.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        let bad = |reason, at: usize| FormatError::BadTokenizer { reason, at: at as u64 };
        if bytes.len() < BLOB_HEADER_LEN {
            return Err(FormatError::Truncated { what: "tokenizer header", needed: BLOB_HEADER_LEN as u64, available: bytes.len() as u64 });
        }
        if bytes[..4] != BLOB_MAGIC {
            return Err(FormatError::BadMagic { found: [bytes[0], bytes[1], bytes[2], bytes[3]], expected: BLOB_MAGIC });
        }
        let u32_at = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        if u32_at(4) != BLOB_VERSION {
            return Err(bad("version", 4));
        }
        let count = u32_at(8) as usize;
        if count == 0 || count > bytes.len() / 8 {
            return Err(bad("vocabulary size", 8));
        }
        let special = |at: usize| -> Result<Option<u32>, FormatError> {
            match u32_at(at) as i32 {
                -1 => Ok(None),
                id if id >= 0 && (id as usize) < count => Ok(Some(id as u32)),
                _ => Err(bad("special id", at)),
            }
        };
        let flags = u32_at(24);
        if flags > 3 {
            return Err(bad("flags", 24));
        }
        let options = TokenizerOptions {
            bos_id: special(12)?,
            eos_id: special(16)?,
            unk_id: special(20)?,
            add_dummy_prefix: flags & 1 != 0,
            remove_extra_whitespaces: flags & 2 != 0,
        };
        let mut pieces = Vec::with_capacity(count);
        let mut at = BLOB_HEADER_LEN;
        for _ in 0..count {
            if at + 8 > bytes.len() {
                return Err(FormatError::Truncated { what: "tokenizer pieces", needed: (at + 8) as u64, available: bytes.len() as u64 });
            }
            let score = f32::from_bits(u32_at(at));
            let kind = PieceKind::from_code(bytes[at + 4]).ok_or(bad("piece kind", at + 4))?;
            let len = u16::from_le_bytes([bytes[at + 6], bytes[at + 7]]) as usize;
            at += 8;
            let text = bytes.get(at..at + len).ok_or(FormatError::Truncated {
                what: "tokenizer pieces",
                needed: (at + len) as u64,
                available: bytes.len() as u64,
            })?;
            if !score.is_finite() {
                return Err(bad("score", at - 8));
            }
            pieces.push(Piece { text: text.to_vec(), score, kind });
            at += len;
        }
        if at != bytes.len() {
            return Err(bad("trailing bytes", at));
        }
        Self::new(&pieces, options)
    }
}

static BYTE_TABLE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = i as u8;
        i += 1;
    }
    table
};

#[derive(Clone, Copy, Debug)]
struct Candidate {
    score: f32,
    left: usize,
    right: usize,
    len: usize,
    id: u32,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    /// Highest score first; on equal scores the leftmost pair first.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then(other.left.cmp(&self.left))
    }
}

/// Turns a stream of token bytes into text without splitting UTF-8 sequences: an incomplete
/// sequence at the end of a token is held back until the next token completes it; invalid bytes
/// become U+FFFD.
#[derive(Clone, Debug, Default)]
pub struct TextDecoder {
    pending: Vec<u8>,
    ready: String,
}

impl TextDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes; returns the text that is now complete.
    pub fn push(&mut self, bytes: &[u8]) -> &str {
        self.ready.clear();
        self.pending.extend_from_slice(bytes);
        let mut consumed = 0;
        loop {
            match core::str::from_utf8(&self.pending[consumed..]) {
                Ok(text) => {
                    self.ready.push_str(text);
                    consumed = self.pending.len();
                    break;
                }
                Err(error) => {
                    let valid = error.valid_up_to();
                    let text = core::str::from_utf8(&self.pending[consumed..consumed + valid]).unwrap_or("");
                    self.ready.push_str(text);
                    consumed += valid;
                    match error.error_len() {
                        Some(bad) => {
                            self.ready.push('\u{FFFD}');
                            consumed += bad;
                        }
                        None => break, // incomplete sequence: wait for more bytes
                    }
                }
            }
        }
        self.pending.drain(..consumed);
        &self.ready
    }

    /// Flushes held-back bytes (as U+FFFD) at the end of the text.
    pub fn finish(&mut self) -> &str {
        self.ready.clear();
        if !self.pending.is_empty() {
            self.ready.push('\u{FFFD}');
            self.pending.clear();
        }
        &self.ready
    }
}
