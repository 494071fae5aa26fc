//! Number and text formatting shared by the exports.

use crate::metrics::Metric;
use crate::report::contract::{format_value, undefined_text};
use crate::report::types::{EvalReport, MetricRow};

/// A metric with 4 decimals, or `undefined (reason)`.
pub fn metric(m: Metric) -> String {
    match m {
        Metric::Value(v) => format!("{v:.4}"),
        Metric::Undefined(reason) => format!("undefined ({})", undefined_text(reason)),
    }
}

/// A metric with 4 decimals, or `–` (for dense tables).
pub fn metric_short(m: Metric) -> String {
    match m {
        Metric::Value(v) => format!("{v:.4}"),
        Metric::Undefined(_) => "–".to_owned(),
    }
}

/// `[lower, upper]`, or `–` when the interval is undefined.
pub fn interval(row: &MetricRow) -> String {
    match (row.lower, row.upper) {
        (Metric::Value(lo), Metric::Value(hi)) => format!("[{lo:.4}, {hi:.4}]"),
        _ => "–".to_owned(),
    }
}

/// A plain number, trimmed (`0.5`, `12`).
pub fn number(v: f64) -> String {
    format_value(v)
}

/// `95 %` from 0.95.
pub fn percent(share: f64) -> String {
    format!("{} %", format_value(share * 100.0))
}

/// One line saying what was evaluated.
pub fn summary(report: &EvalReport) -> String {
    let inputs = &report.inputs;
    let task = match report.task {
        crate::report::TaskKind::Classification if inputs.classes.len() == 2 => {
            "binary classification".to_owned()
        }
        crate::report::TaskKind::Classification => {
            format!("{}-class classification", inputs.classes.len())
        }
        crate::report::TaskKind::Regression => "regression".to_owned(),
    };
    let mut parts = vec![
        format!("{task}, {} rows", report.rows),
        format!("label `{}`", inputs.label_column),
        format!(
            "{} {}",
            match inputs.prediction_kind {
                crate::report::types::PredictionKind::Labels => "predictions",
                crate::report::types::PredictionKind::Score => "score",
                crate::report::types::PredictionKind::Probabilities => "probabilities",
            },
            inputs
                .prediction_columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    if let Some(p) = &inputs.positive_label {
        parts.push(format!("positive `{p}`"));
    }
    if let Some(t) = inputs.threshold {
        parts.push(format!("threshold {}", number(t)));
    }
    parts.join(" · ")
}

/// Escapes text for HTML and XML (element text and attribute values).
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a Markdown table cell: `|` everywhere (GFM splits cells on it
/// even inside code spans), newlines to spaces, and `<` / `>` as entities outside
/// code spans (inside them entities would show literally, and nothing is parsed
/// as HTML anyway).
pub fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            xml_escape("a<b & \"c\" 'd'\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;\u{FFFD}"
        );
        assert_eq!(md_cell("x | y <z>"), "x \\| y &lt;z&gt;");
        assert_eq!(
            md_cell("rule `a < 1 | b` <ok>"),
            "rule `a < 1 \\| b` &lt;ok&gt;"
        );
    }
}
