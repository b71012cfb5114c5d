//! Tokenizer: BPE merge order against a naive llama2.c-style reference, byte fallback,
//! vocabularies without byte pieces, UTF-8-safe decoding, and the blob round trip.

mod common;

use common::byte_tokenizer;
use llm_engine::tokenizer::{Piece, PieceKind, TokenizerOptions};
use llm_engine::{TextDecoder, Tokenizer, XorShiftRng};

/// llama2.c's O(n²) algorithm: start from characters, repeatedly merge the best-scoring
/// adjacent pair (leftmost on ties) until none is in the vocabulary.
fn naive_encode(tokenizer: &Tokenizer, text: &str) -> Vec<u32> {
    let padded = format!(" {text}");
    let mut symbols: Vec<Vec<u8>> = padded.chars().map(|c| c.to_string().into_bytes()).collect();
    loop {
        let mut best: Option<(f32, usize)> = None;
        for i in 0..symbols.len().saturating_sub(1) {
            let (a, b) = (tokenizer.lookup(&symbols[i]), tokenizer.lookup(&symbols[i + 1]));
            if a.is_none() || b.is_none() {
                continue;
            }
            let joined = [symbols[i].as_slice(), symbols[i + 1].as_slice()].concat();
            if let Some(id) = tokenizer.lookup(&joined) {
                let score = tokenizer.score(id);
                if best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, i));
                }
            }
        }
        let Some((_, i)) = best else { break };
        let right = symbols.remove(i + 1);
        symbols[i].extend(right);
    }
    let mut ids = Vec::new();
    for symbol in symbols {
        match tokenizer.lookup(&symbol) {
            Some(id) => ids.push(id),
            None => ids.extend(symbol.iter().map(|&b| 3 + b as u32)),
        }
    }
    ids
}

#[test]
fn merges_follow_scores() {
    let tokenizer = byte_tokenizer(1000);
    let mut ids = Vec::new();
    tokenizer.encode("hello", false, false, &mut ids);
    let pieces: Vec<&[u8]> = ids.iter().map(|&id| tokenizer.piece(id)).collect();
    assert_eq!(pieces, [&b" h"[..], b"e", b"llo"]);
}

#[test]
fn heap_encoder_equals_the_naive_algorithm_on_random_text() {
    let tokenizer = byte_tokenizer(1000);
    let alphabet: Vec<char> = "abcehlo é日".chars().collect();
    let mut rng = XorShiftRng::new(5);
    for _ in 0..500 {
        let len = rng.next_u32() % 40;
        let text: String = (0..len).map(|_| alphabet[rng.next_u32() as usize % alphabet.len()]).collect();
        let mut ids = Vec::new();
        tokenizer.encode(&text, false, false, &mut ids);
        if text.is_empty() {
            assert!(ids.is_empty());
            continue;
        }
        assert_eq!(ids, naive_encode(&tokenizer, &text), "text {text:?}");
        assert_eq!(tokenizer.decode(&ids), text);
    }
}

#[test]
fn unicode_round_trips_through_byte_fallback() {
    let tokenizer = byte_tokenizer(1000);
    for text in ["héllo wörld", "日本語のテキスト", "emoji 🦀 ok", "tab\tand\nnewline", " leading space"] {
        let mut ids = Vec::new();
        tokenizer.encode(text, true, true, &mut ids);
        assert_eq!(ids.first(), Some(&1));
        assert_eq!(ids.last(), Some(&2));
        assert_eq!(tokenizer.decode(&ids), text, "ids {ids:?}");
    }
}

#[test]
fn vocabulary_without_byte_pieces_uses_its_own_specials() {
    // Like brandon-tiny: pad 0, unk 1, bos 2, eos 3, no <0xNN> pieces.
    let mut pieces: Vec<Piece> = ["<|pad|>", "<|unk|>", "<|bos|>", "<|eos|>"]
        .iter()
        .enumerate()
        .map(|(i, t)| Piece { text: t.as_bytes().to_vec(), score: 0.0, kind: if i == 1 { PieceKind::Unknown } else { PieceKind::Control } })
        .collect();
    for (i, t) in [" ", "a", "b", " a", "ab", " ab"].iter().enumerate() {
        pieces.push(Piece { text: t.as_bytes().to_vec(), score: -(i as f32), kind: PieceKind::Normal });
    }
    let options = TokenizerOptions { bos_id: Some(2), eos_id: Some(3), unk_id: Some(1), add_dummy_prefix: true, remove_extra_whitespaces: false };
    let tokenizer = Tokenizer::new(&pieces, options).unwrap();
    let mut ids = Vec::new();
    tokenizer.encode("ab x", true, true, &mut ids);
    assert_eq!(ids, [2, 9, 4, 1, 3]); // <bos> " ab" " " <unk> <eos>
    // Control text is never matched from user text.
    ids.clear();
    tokenizer.encode("<|eos|>", false, false, &mut ids);
    assert!(!ids.contains(&3));
}

#[test]
fn decoder_holds_back_split_utf8() {
    let mut decoder = TextDecoder::new();
    let bytes = "é日".as_bytes();
    assert_eq!(decoder.push(&bytes[..1]), "");
    assert_eq!(decoder.push(&bytes[1..3]), "é");
    assert_eq!(decoder.push(&bytes[3..4]), "");
    assert_eq!(decoder.push(&bytes[4..]), "日");
    assert_eq!(decoder.push(&[0xFF, b'a']), "\u{FFFD}a");
    assert_eq!(decoder.push(&[0xE6]), "");
    assert_eq!(decoder.finish(), "\u{FFFD}");
}

#[test]
fn blob_round_trip_and_corruption() {
    let tokenizer = byte_tokenizer(1000);
    let blob = tokenizer.to_bytes();
    let again = Tokenizer::from_bytes(&blob).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    tokenizer.encode("hello abc é", true, false, &mut a);
    again.encode("hello abc é", true, false, &mut b);
    assert_eq!(a, b);
    assert_eq!(again.options(), tokenizer.options());
    let mut rng = XorShiftRng::new(3);
    for _ in 0..500 {
        let mut bytes = blob.clone();
        let at = rng.next_u32() as usize % bytes.len().min(400);
        bytes[at] ^= 1 << (rng.next_u32() % 8);
        let cut = bytes.len() - (rng.next_u32() as usize % 3);
        if let Ok(t) = Tokenizer::from_bytes(&bytes[..cut]) {
            let mut ids = Vec::new();
            t.encode("abc hello", true, true, &mut ids);
            let _ = t.decode(&ids);
        }
    }
    assert!(Tokenizer::from_bytes(&blob[..blob.len() - 1]).is_err());
    assert!(Tokenizer::from_bytes(&blob[..10]).is_err());
}
