//! The share-link codec (`lockstep_core::share`): round trip, canonical form, every
//! released version's decoder, named errors, budgets, and properties: random bytes
//! and random edits of a link never panic and never decode to a different state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/shared/share_states.rs"]
mod share_states;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lockstep_core::share::canonical::to_canonical_json;
use lockstep_core::share::{
    LinkBudget, LinkError, MAX_JSON_BYTES, MAX_LINK_CHARS, NotebookState, decode, encode,
};
use share_states::{commented_config_state, demo_state, tagged_state};

/// A link of version s1 around any bytes as its "JSON", with a valid checksum: for
/// errors past the checksum.
fn s1_link_of(json: &[u8]) -> String {
    let deflated = miniz_oxide::deflate::compress_to_vec(json, 6);
    let mut bytes = crc32fast::hash(&deflated).to_be_bytes().to_vec();
    bytes.extend_from_slice(&deflated);
    format!("#s1.{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The JSON inside a link (no checks), to compare with what Python wrote.
fn json_inside(link: &str) -> String {
    let bytes = URL_SAFE_NO_PAD.decode(&link[4..]).unwrap();
    String::from_utf8(miniz_oxide::inflate::decompress_to_vec(&bytes[4..]).unwrap()).unwrap()
}

#[test]
fn round_trip_demo_and_tagged() {
    for state in [NotebookState::default(), demo_state(), tagged_state()] {
        let link = encode(&state);
        assert!(link.starts_with("#s1."));
        assert_eq!(decode(&link).unwrap(), state);
        // A whole URL and the bare form decode the same.
        assert_eq!(
            decode(&format!("https://lockstep.example/app/{link}")).unwrap(),
            state
        );
        assert_eq!(decode(&link[1..]).unwrap(), state);
    }
}

#[test]
fn canonical_same_state_built_in_different_orders_gives_same_link() {
    let a = demo_state();
    let mut b = demo_state();
    // Maps built in the other order.
    b.thresholds = a
        .thresholds
        .iter()
        .rev()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(encode(&a), encode(&b));
    // The same state read from JSON whose keys come in a different order.
    let json = to_canonical_json(&a);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let object = value.as_object().unwrap();
    let mut reversed = String::from("{");
    for (i, (key, item)) in object.iter().rev().enumerate() {
        if i > 0 {
            reversed.push_str(",\n  ");
        }
        reversed.push_str(&format!(
            "{}: {}",
            serde_json::to_string(key).unwrap(),
            item
        ));
    }
    reversed.push('}');
    let c: NotebookState = serde_json::from_str(&reversed).unwrap();
    assert_eq!(encode(&c), encode(&a));
    // Sorted keys, no whitespace.
    assert!(
        json.starts_with("{\"cells\":[{\"collapsed\":false,\"id\":"),
        "{json}"
    );
}

/// Version s1's decoder, on a link written by Python's standard library
/// (scripts/fixtures/gen_share_link.py): kept for as long as s1 links exist.
#[test]
fn decoder_s1_reads_python_written_link() {
    let link = include_str!("../../tests/data/share/s1_link.txt").trim();
    let python_json = include_str!("../../tests/data/share/s1_state.json");
    let state = decode(link).unwrap();
    assert_eq!(
        state,
        serde_json::from_str::<NotebookState>(python_json).unwrap()
    );
    assert_eq!(state.files.len(), 2);
    assert_eq!(state.summary.metrics[2].estimate, None);
    assert_eq!(state.thresholds["decision"], 0.35);
    // Lockstep's canonical JSON is Python's, byte for byte (sorted keys, no
    // whitespace, shortest round-trip floats, UTF-8 unescaped).
    assert_eq!(to_canonical_json(&state), python_json);
    assert_eq!(json_inside(&encode(&state)), python_json);
}

#[test]
fn unknown_version_is_named() {
    let link = encode(&demo_state()).replacen("s1.", "s9.", 1);
    let err = decode(&link).unwrap_err();
    assert_eq!(
        err,
        LinkError::UnknownVersion {
            version: "s9".into()
        }
    );
    assert!(
        err.to_string().contains("unknown link version \"s9\""),
        "{err}"
    );
    assert!(err.to_string().contains("reads s1"), "{err}");
}

#[test]
fn not_a_link() {
    for text in ["", "#", "https://example.com/", "#hello", "#.abc"] {
        assert_eq!(decode(text).unwrap_err(), LinkError::NotALink, "{text:?}");
    }
}

#[test]
fn bad_base64_names_the_offset_in_the_given_text() {
    let link = encode(&demo_state());
    let mut bad = link.clone();
    bad.replace_range(20..21, "*");
    let err = decode(&format!("https://x.test/{bad}")).unwrap_err();
    // 15 characters of URL, then `#`: offset counted in the text given.
    assert!(
        matches!(err, LinkError::BadBase64 { offset: 35, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("bad base64 at offset 35"), "{err}");
    assert!(err.to_string().contains("`*`"), "{err}");
}

#[test]
fn flipped_character_is_a_checksum_mismatch() {
    let link = encode(&demo_state());
    let mut bytes = link.into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let err = decode(std::str::from_utf8(&bytes).unwrap()).unwrap_err();
    assert!(matches!(err, LinkError::ChecksumMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
}

#[test]
fn truncated_link_is_refused() {
    let link = encode(&demo_state());
    for len in [4, 6, 9, link.len() / 2, link.len() - 1] {
        let err = decode(&link[..len]).unwrap_err();
        assert!(
            matches!(
                err,
                LinkError::Truncated { .. }
                    | LinkError::ChecksumMismatch { .. }
                    | LinkError::BadBase64 { .. }
            ),
            "{len}: {err:?}"
        );
    }
}

#[test]
fn link_over_64_kib_is_refused_before_decoding() {
    let link = format!("#s1.{}", "A".repeat(MAX_LINK_CHARS));
    let err = decode(&link).unwrap_err();
    assert_eq!(
        err,
        LinkError::TooLong {
            bytes: MAX_LINK_CHARS + 3
        }
    );
    assert!(err.to_string().contains("65536"), "{err}");
}

#[test]
fn zip_bomb_stops_at_one_mib() {
    // 64 MiB of spaces deflate to ~64 KiB; the link must stay under 64 KiB, so use 16 MiB.
    let bomb = vec![b' '; 16 * MAX_JSON_BYTES];
    let link = s1_link_of(&bomb);
    assert!(link.len() < MAX_LINK_CHARS, "{}", link.len());
    assert_eq!(decode(&link).unwrap_err(), LinkError::TooLargeDecompressed);
    // Just over the cap is refused too; just under is read (and then is not a state).
    let over = s1_link_of(&vec![b' '; MAX_JSON_BYTES + 1]);
    assert_eq!(decode(&over).unwrap_err(), LinkError::TooLargeDecompressed);
    let under = s1_link_of(&vec![b' '; MAX_JSON_BYTES]);
    assert!(matches!(
        decode(&under).unwrap_err(),
        LinkError::Json { .. }
    ));
}

#[test]
fn json_errors_name_the_field_path() {
    let err = decode(&s1_link_of(br#"{"cells":[{"id":"a","kind":3}]}"#)).unwrap_err();
    match &err {
        LinkError::Json { path, .. } => assert_eq!(path, "cells[0].kind"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("`cells[0].kind`"), "{err}");
    let err = decode(&s1_link_of(br#"{"summary":{"rows":1,"secret":2}}"#)).unwrap_err();
    assert!(err.to_string().contains("unknown field `secret`"), "{err}");
    let err = decode(&s1_link_of(b"{} trailing")).unwrap_err();
    assert!(matches!(err, LinkError::Json { .. }), "{err:?}");
    let err = decode(&s1_link_of(b"{\"notes\":[{\"text\":\"\xff\"}]}")).unwrap_err();
    assert!(matches!(err, LinkError::NotUtf8 { offset: 19 }), "{err:?}");
}

#[test]
fn summary_numbers_keep_four_significant_digits() {
    use lockstep_core::share::summary_number;
    assert_eq!(summary_number(0.970_760_233_918_128_6), 0.9708);
    assert_eq!(summary_number(0.1 + 0.2), 0.3);
    assert_eq!(summary_number(12_345.678), 12_350.0);
    assert_eq!(summary_number(-0.000_123_456), -0.000_123_5);
    assert_eq!(summary_number(1.0), 1.0);
    assert!(summary_number(f64::NAN).is_nan());
}

#[test]
fn budgets_classify_link_lengths() {
    let of_len = |n: usize| LinkBudget::of(&format!("https://x.test/#{}", "a".repeat(n)));
    assert_eq!(of_len(2_000), LinkBudget::Typical);
    assert_eq!(of_len(2_001), LinkBudget::Long);
    assert_eq!(of_len(8_000), LinkBudget::Long);
    assert_eq!(of_len(8_001), LinkBudget::OfferFile);
    assert_eq!(of_len(65_536), LinkBudget::OfferFile);
    assert_eq!(of_len(65_537), LinkBudget::TooLarge);
    assert_eq!(LinkBudget::of(&encode(&demo_state())), LinkBudget::Typical);
}

/// The figures in docs/share-links.md (run with `--nocapture` to see them).
#[test]
fn link_lengths_of_demo_and_tagged_notebooks() {
    let demo = encode(&demo_state());
    let tagged = encode(&tagged_state());
    for (name, state) in [
        ("demo", demo_state()),
        ("demo + docs/examples/eval.toml", commented_config_state()),
        ("demo + 100 tagged errors + 10 notes", tagged_state()),
    ] {
        println!(
            "{name}: {} characters ({} bytes of JSON)",
            encode(&state).len(),
            to_canonical_json(&state).len()
        );
    }
    assert!(demo.len() <= 2_000, "{}", demo.len());
    assert!(tagged.len() <= 8_000, "{}", tagged.len());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Failures print their minimal input; nothing is written next to the sources.
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = decode(&text);
            let _ = decode(&format!("#s1.{text}"));
        }

        #[test]
        fn random_base64_payloads_are_refused(payload in "[A-Za-z0-9_-]{0,600}") {
            // A random payload passes the checksum with probability 2^-32.
            let link = format!("#s1.{payload}");
            prop_assert!(decode(&link).is_err());
        }

        #[test]
        fn single_edits_never_decode_to_another_state(
            which in 0usize..2, position in any::<prop::sample::Index>(),
            kind in 0u8..4, ch in proptest::char::any()
        ) {
            let state = if which == 0 { demo_state() } else { tagged_state() };
            let link = encode(&state);
            let chars: Vec<char> = link.chars().collect();
            let i = position.index(chars.len());
            let mut edited: Vec<char> = chars.clone();
            match kind {
                0 => edited[i] = ch,
                1 => { edited.remove(i); }
                2 => edited.insert(i, ch),
                _ => edited.truncate(i),
            }
            let edited: String = edited.into_iter().collect();
            if let Ok(decoded) = decode(&edited) {
                prop_assert_eq!(decoded, state);
            }
        }

        #[test]
        fn random_states_round_trip(
            names in proptest::collection::vec(".{0,12}", 0..6),
            rows in proptest::collection::vec(any::<u64>(), 0..20),
            value in -1e6f64..1e6,
        ) {
            let mut state = demo_state();
            state.cells.retain(|c| c.kind != "notes");
            state.tags = rows.iter().zip(names.iter().cycle()).map(|(row, name)| {
                lockstep_core::share::Tag { row: *row, tag: name.clone(), note: Some(name.repeat(2)) }
            }).collect();
            for name in &names {
                state.thresholds.insert(name.clone(), value);
            }
            let link = encode(&state);
            prop_assert_eq!(decode(&link).unwrap(), state.clone());
            prop_assert_eq!(encode(&decode(&link).unwrap()), link);
        }
    }
}
