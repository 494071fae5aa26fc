//! Number and text formatting shared by the exports, and the tables they write
//! ([`ExportTable`]: one header and rows, as Markdown or HTML).

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
    bounds(row.lower, row.upper)
}

/// `[lower, upper]` with 4 decimals, or `–` when either bound is undefined.
pub fn bounds(lower: Metric, upper: Metric) -> String {
    match (lower, upper) {
        (Metric::Value(lo), Metric::Value(hi)) => format!("[{lo:.4}, {hi:.4}]"),
        _ => "–".to_owned(),
    }
}

/// `[lower, upper]` of a difference, each bound as [`difference`] prints it, or `–`.
pub fn difference_bounds(lower: Metric, upper: Metric) -> String {
    match (lower, upper) {
        (Metric::Value(lo), Metric::Value(hi)) => {
            format!("[{}, {}]", difference(lo), difference(hi))
        }
        _ => "–".to_owned(),
    }
}

/// A difference ([`difference`]), or `undefined (reason)`.
pub fn metric_difference(m: Metric) -> String {
    match m {
        Metric::Value(v) => difference(v),
        Metric::Undefined(reason) => format!("undefined ({})", undefined_text(reason)),
    }
}

/// A p-value: 4 significant digits, scientific below 0.001 (`3.125e-12`).
pub fn p_value(p: f64) -> String {
    if p != 0.0 && p < 1e-3 {
        format!("{p:.3e}")
    } else {
        format!("{p:.4}")
    }
}

/// A plain number, trimmed (`0.5`, `12`).
pub fn number(v: f64) -> String {
    format_value(v)
}

/// A difference as a person reads it: 4 decimals, scientific when tiny (`1.250e-7`),
/// so that a small difference never prints as `0`.
pub fn difference(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-3 {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
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
/// The split section's sentence, shared by the HTML and Markdown exports; `key` renders
/// the key column's name (escaped and marked as code, as each format does).
pub fn split_sentence(report: &EvalReport, key: impl Fn(&str) -> String) -> String {
    let s = &report.split;
    format!(
        "eyeball {} rows · blackbox {} rows (fraction {}, seed {}, keyed by {}).",
        s.eyeball,
        s.blackbox,
        number(s.eyeball_fraction),
        s.seed,
        s.key_column
            .as_ref()
            .map_or("row number".to_owned(), |k| format!("column {}", key(k)))
    )
}

/// A provenance table value: a fingerprint (shown as code; `None`: not known) or text.
pub enum ProvenanceValue<'a> {
    Code(Option<&'a str>),
    Text(String),
}

/// The provenance table's rows, shared by the HTML and Markdown exports: the three
/// fingerprints, the measured facts and the schema version.
pub fn provenance(report: &EvalReport) -> [(&'static str, ProvenanceValue<'_>); 6] {
    let f = &report.fingerprints;
    let fact = |v: Option<f64>| ProvenanceValue::Text(v.map_or("not measured".to_owned(), number));
    [
        (
            "data sha256",
            ProvenanceValue::Code(f.data_sha256.as_deref()),
        ),
        (
            "model sha256",
            ProvenanceValue::Code(f.model_sha256.as_deref()),
        ),
        (
            "pipeline sha256",
            ProvenanceValue::Code(f.pipeline_sha256.as_deref()),
        ),
        ("latency ms / row", fact(report.facts.latency_ms_per_row)),
        ("model size MB", fact(report.facts.model_size_mb)),
        (
            "schema",
            ProvenanceValue::Text(report.schema_version.clone()),
        ),
    ]
}

pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even when escaped, and the two
            // non-characters U+FFFE / U+FFFF.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
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
            c if is_control(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// Text as plain Markdown (a table cell or a line): every character Markdown or HTML
/// would act on is escaped — `<` `>` `&` as entities (no raw HTML such as `<script>`
/// passes), `\\` `` ` `` `*` `_` `[` `]` `|` `#` `~` `!` with a backslash — line ends become
/// spaces, and control characters are shown escaped. For text that quotes values
/// clients sent.
pub fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if is_control(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// Text as a Markdown code span inside a table cell, whatever it holds: the fence is
/// one backtick longer than the longest run inside (so the text cannot close the span
/// and pass raw HTML such as `<script>` into the page), `|` is escaped (GFM splits
/// cells on it even inside code spans), line ends become spaces and control characters
/// are shown escaped.
pub fn md_code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let mut inner = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => inner.push_str("\\|"),
            '\n' | '\r' => inner.push(' '),
            c if is_control(c) => push_escaped(&mut inner, c),
            c => inner.push(c),
        }
    }
    // A space on both sides keeps a leading or trailing backtick apart from the fence.
    let pad = if inner.starts_with('`') || inner.ends_with('`') || inner.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{inner}{pad}{fence}")
}

/// Text for a terminal: every control character (C0 including ESC, DEL, C1 including
/// the one-byte CSI U+009B) is shown as a `\u{..}` escape, so a value cannot move the
/// cursor, recolour the screen or retitle the window. Line ends are escaped too: one
/// value stays on one line.
pub fn terminal_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_control(c) || matches!(c, '\n' | '\r' | '\t') {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// How a table column's cells align: Markdown's `---` or `---:` (HTML leaves
/// alignment to the page's style sheet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One cell of an [`ExportTable`], escaped by the table for the format it writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text of the report itself (names, numbers): [`md_cell`] in Markdown, XML-escaped
    /// in HTML.
    Text(String),
    /// Text that quotes values clients sent: [`md_text`] in Markdown (no markup passes),
    /// XML-escaped in HTML.
    Quoted(String),
    /// A code span: [`md_code`] in Markdown, `<code>` in HTML.
    Code(String),
    /// Text whose HTML cell carries a class (a verdict's colour); Markdown shows the text.
    Classed(&'static str, String),
    /// Text over this many columns (`colspan` in HTML, empty cells after it in Markdown).
    Span(String, usize),
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }
}

/// A table written as Markdown or as HTML from the same header and rows, so the two
/// exports of a report cannot drift apart: the header names with each column's
/// alignment, then one [`Cell`] per column and row.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportTable {
    header: Vec<(String, Align)>,
    rows: Vec<Vec<Cell>>,
}

impl ExportTable {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = (S, Align)>) -> ExportTable {
        ExportTable {
            header: header.into_iter().map(|(h, a)| (h.into(), a)).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: impl IntoIterator<Item = Cell>) {
        self.rows.push(cells.into_iter().collect());
    }

    /// A GitHub-flavoured Markdown table, each line ending in a newline.
    pub fn markdown(&self, out: &mut String) {
        let names: Vec<String> = self.header.iter().map(|(h, _)| md_cell(h)).collect();
        push_md_row(out, &names);
        out.push('|');
        for (_, align) in &self.header {
            out.push_str(match align {
                Align::Left => "---|",
                Align::Right => "---:|",
            });
        }
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|cell| match cell {
                    Cell::Text(t) | Cell::Classed(_, t) => md_cell(t),
                    Cell::Quoted(t) => md_text(t),
                    Cell::Code(t) => md_code(t),
                    Cell::Span(t, columns) => {
                        let mut spanned = md_cell(t);
                        for _ in 1..*columns {
                            spanned.push_str(" |");
                        }
                        spanned
                    }
                })
                .collect();
            push_md_row(out, &cells);
        }
    }

    /// An HTML `<table>` with a header row, each row on its own line.
    pub fn html(&self, out: &mut String) {
        out.push_str("<table>\n<tr>");
        for (name, _) in &self.header {
            push_html_cell(out, "<th>", &xml_escape(name), "</th>");
        }
        out.push_str("</tr>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                let (open, text, close) = match cell {
                    Cell::Text(t) | Cell::Quoted(t) => ("<td>".to_owned(), t, "</td>"),
                    Cell::Code(t) => ("<td><code>".to_owned(), t, "</code></td>"),
                    Cell::Classed(class, t) => (format!("<td class=\"{class}\">"), t, "</td>"),
                    Cell::Span(t, columns) => (format!("<td colspan=\"{columns}\">"), t, "</td>"),
                };
                push_html_cell(out, &open, &xml_escape(text), close);
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
}

fn push_md_row(out: &mut String, cells: &[String]) {
    out.push_str("| ");
    out.push_str(&cells.join(" | "));
    out.push_str(" |\n");
}

fn push_html_cell(out: &mut String, open: &str, text: &str, close: &str) {
    out.push_str(open);
    out.push_str(text);
    out.push_str(close);
}

/// C0 controls but tab and line ends, DEL, and C1 controls.
fn is_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write as _;
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
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
        assert_eq!(md_cell("bell\u{7}"), "bell\\u{7}");
        assert_eq!(xml_escape("\u{FFFE}"), "\u{FFFD}");
        assert_eq!(
            md_cell("rule `a < 1 | b` <ok>"),
            "rule `a < 1 \\| b` &lt;ok&gt;"
        );
    }

    #[test]
    fn code_spans_cannot_be_closed_by_their_text() {
        assert_eq!(md_code("city"), "`city`");
        assert_eq!(md_code("a`<script>`b"), "``a`<script>`b``");
        assert_eq!(md_code("`x``"), "``` `x`` ```");
        assert_eq!(md_code("a|b\nc\u{1b}"), "`a\\|b c\\u{1b}`");
    }

    #[test]
    fn markdown_text_passes_no_markup() {
        assert_eq!(
            md_text("<script>alert(1)</script> `x` | *y* \u{1b}"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\`x\\` \\| \\*y\\* \\u{1b}"
        );
    }

    #[test]
    fn terminal_text_shows_control_characters_escaped() {
        assert_eq!(
            terminal_text("\u{1b}[31mred\u{1b}]0;title\u{7}\u{9b}2J\n"),
            "\\u{1b}[31mred\\u{1b}]0;title\\u{7}\\u{9b}2J\\u{a}"
        );
        assert_eq!(terminal_text("naïve 東京 <b>"), "naïve 東京 <b>");
    }

    #[test]
    fn one_table_in_markdown_and_html() {
        let mut table = ExportTable::new([("name", Align::Left), ("value", Align::Right)]);
        table.row([Cell::text("a|b <c>"), Cell::text("1.5")]);
        table.row([Cell::Quoted("*x*".into()), Cell::Code("k`v".into())]);
        table.row([Cell::Classed("fail", "FAIL".into()), Cell::text("")]);
        table.row([Cell::Span("not reached".into(), 2)]);
        let mut md = String::new();
        table.markdown(&mut md);
        assert_eq!(
            md,
            "| name | value |\n|---|---:|\n| a\\|b &lt;c&gt; | 1.5 |\n| \\*x\\* | ``k`v`` |\n\
             | FAIL |  |\n| not reached | |\n"
        );
        let mut html = String::new();
        table.html(&mut html);
        assert_eq!(
            html,
            "<table>\n<tr><th>name</th><th>value</th></tr>\n\
             <tr><td>a|b &lt;c&gt;</td><td>1.5</td></tr>\n\
             <tr><td>*x*</td><td><code>k`v</code></td></tr>\n\
             <tr><td class=\"fail\">FAIL</td><td></td></tr>\n\
             <tr><td colspan=\"2\">not reached</td></tr>\n</table>\n"
        );
    }

    #[test]
    fn differences_never_round_to_zero() {
        assert_eq!(difference(0.0), "0.0000");
        assert_eq!(difference(1.25e-7), "1.250e-7");
        assert_eq!(difference(0.5), "0.5000");
    }
}
