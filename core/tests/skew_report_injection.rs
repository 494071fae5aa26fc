//! Report injection (issue 19, finding 7): category strings, feature names and ids that
//! clients or training data put in a skew report cannot make the JUnit XML invalid,
//! reach the terminal as escape sequences, or pass raw HTML into the Markdown. The XML
//! is checked with a real parser (roxmltree).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lockstep_core::skew::transform_parity::{FeatureParity, TransformParity};
use lockstep_core::skew::{
    FingerprintCheck, SKEW_REPORT_VERSION, SkewReport, TornLine, UnseenCategories,
};

/// NUL, BEL, ESC (a colour and a clear-screen sequence), an OSC title, the one-byte
/// CSI, DEL, U+FFFE, a script tag, a backtick that would close a code span, a pipe.
const HOSTILE: &str = "x\u{0}\u{7}\u{1b}[31m\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}6n\u{7f}\u{fffe}<script>alert(1)</script>`<img src=x onerror=alert(2)>`|\n";

fn report() -> SkewReport {
    let mut report = SkewReport {
        report_version: SKEW_REPORT_VERSION.to_owned(),
        rows: 3,
        files: vec![format!("logs/{HOSTILE}.jsonl")],
        fingerprints: FingerprintCheck {
            pipeline_expected: "p".repeat(64),
            pipeline_logged: vec![HOSTILE.to_owned()],
            model_expected: "m".repeat(64),
            model_logged: vec!["m".repeat(64)],
        },
        missing_columns: vec![format!("column {HOSTILE}")],
        extra_columns: vec![],
        transform_parity: TransformParity {
            rows: 3,
            features: vec![FeatureParity {
                feature: format!("city={HOSTILE}"),
                mismatches: 1,
                max_abs_diff: 1.0,
                example_ids: vec![format!("{HOSTILE}#0")],
            }],
            missing_in_log: vec![],
            extra_in_log: vec![],
        },
        unseen_categories: vec![UnseenCategories {
            column: format!("device{HOSTILE}"),
            rows: 1,
            rate: 1.0 / 3.0,
            threshold: 0.0,
            examples: vec![HOSTILE.to_owned(), "\u{1b}[1;1H\u{1b}[0J".to_owned()],
        }],
        prediction_parity: vec![],
        offline: None,
        distribution: None,
        torn_lines: vec![TornLine {
            file: format!("logs/{HOSTILE}.jsonl"),
            line: 7,
            bytes: 12,
        }],
        checks: vec![],
        passed: false,
    };
    report.conclude();
    report
}

fn is_terminal_control(c: char) -> bool {
    c.is_control() && c != '\n'
}

#[test]
fn report_injection_control_characters_in_a_feature_name_and_a_category_keep_junit_valid_xml() {
    let report = report();
    let xml = report.junit();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases: Vec<roxmltree::Node<'_, '_>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    // One case per check, plus the torn line.
    assert_eq!(cases.len(), report.checks.len() + 1);
    let names: Vec<&str> = cases.iter().filter_map(|n| n.attribute("name")).collect();
    let feature = names
        .iter()
        .find(|n| n.starts_with("city="))
        .expect("the feature's case");
    // The text survives, the characters XML cannot hold become U+FFFD.
    assert!(feature.contains("<script>alert(1)</script>"), "{feature}");
    assert!(
        !feature.chars().any(|c| c < ' ' && c != '\n'),
        "{feature:?}"
    );
    let failures: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .filter_map(|n| n.attribute("message"))
        .collect();
    assert!(
        failures.iter().any(|m| m.contains("alert(1)")),
        "{failures:?}"
    );
    assert!(doc.descendants().any(|n| n.has_tag_name("skipped")));
}

#[test]
fn report_injection_ansi_sequences_do_not_reach_the_terminal() {
    let text = report().text();
    let controls: Vec<char> = text.chars().filter(|&c| is_terminal_control(c)).collect();
    assert!(controls.is_empty(), "{controls:?} in {text}");
    // Shown, escaped, so the reader still sees what was sent.
    assert!(text.contains("\\u{1b}[31m"), "{text}");
    assert!(text.contains("\\u{9b}6n"), "{text}");
    // Each failing check and the torn line stay on one line each.
    let failing = report().checks.iter().filter(|c| !c.passed).count();
    assert_eq!(text.lines().count(), 1 + failing + 1, "{text}");
}

#[test]
fn report_injection_script_does_not_pass_raw_into_markdown() {
    let md = report().markdown();
    let lower = md.to_ascii_lowercase();
    // Raw tags only inside code spans, whose fences their text cannot close.
    for line in md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| check |"))
    {
        let cells: Vec<&str> = line.split(" | ").collect();
        let subject = cells[1];
        let fence_len = subject.chars().take_while(|&c| c == '`').count();
        assert!(fence_len > 0, "{line}");
        let fence = "`".repeat(fence_len);
        let inner = &subject[fence_len..subject.len() - fence_len];
        assert!(
            !inner.contains(&fence),
            "the subject closes its code span: {line}"
        );
        let detail = cells[3];
        assert!(!detail.contains('<'), "raw markup in {line}");
    }
    // Outside code spans: entities only.
    let outside: String = md
        .lines()
        .filter(|l| !l.starts_with("| "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!outside.contains('<'), "{outside}");
    assert!(lower.contains("&lt;script&gt;"), "{md}");
    assert!(!md.chars().any(is_terminal_control), "{md:?}");
    // A table row per check, and no cell split by a client's `|`.
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(rows.len(), 1 + report().checks.len());
    for row in rows {
        assert_eq!(row.split(" | ").count(), 4, "{row}");
    }
}
