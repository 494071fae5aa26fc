//! The diagnosis, learning curves and error analysis as Markdown and HTML, with the
//! export toolkit's escaping ([`crate::report::export::format`]); JSON is their serde
//! form. The HTML page draws the gaps ([`gap_chart`]) and the learning curves
//! ([`curve_chart`]) with [`crate::chart`], as the page does.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::Diagnosis;
use super::curves::LearningCurves;
use super::errors::{ErrorSample, TagReport};
use crate::chart::{self, Chart, IntervalRow};
use crate::report::export::format::{md_cell, number, xml_escape as esc};
use crate::report::export::html::STYLE;

/// Everything `lockstep diagnose` found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DiagnoseReport {
    pub diagnosis: Diagnosis,
    pub learning_curves: Option<LearningCurves>,
    pub errors: Option<ErrorSample>,
    pub tags: Option<TagReport>,
}

fn interval(lower: Option<f64>, upper: Option<f64>) -> String {
    match (lower, upper) {
        (Some(lo), Some(hi)) => format!("[{lo:.4}, {hi:.4}]"),
        _ => "– (no sampling error known)".to_owned(),
    }
}

pub fn markdown(report: &DiagnoseReport) -> String {
    let d = &report.diagnosis;
    let mut out = String::from("# Diagnosis\n\n");
    let _ = writeln!(out, "**Next focus:** {}\n", md_cell(&d.advice));
    out.push_str("| set | ");
    out.push_str(&md_cell(&d.metric));
    out.push_str(" | rows | source |\n|---|---|---|---|\n");
    for s in &d.sets {
        let _ = writeln!(
            out,
            "| {} | {:.4} | {} | {} |",
            s.set.label(),
            s.value,
            s.rows.map_or_else(|| "–".to_owned(), |r| r.to_string()),
            s.source
        );
    }
    if let Some(o) = &d.optimal {
        let _ = writeln!(
            out,
            "| optimal | {:.4} | – | {} |",
            o.value,
            md_cell(&o.source.label())
        );
    }
    let _ = writeln!(
        out,
        "\n| gap | estimate | {} % interval | excludes 0 |\n|---|---|---|---|",
        number(d.confidence * 100.0)
    );
    for g in &d.gaps {
        let marker = if Some(g.gap) == d.dominant {
            " (dominant)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| {}{marker} | {:.4} | {} | {} |",
            g.gap.label(),
            g.estimate,
            interval(g.lower, g.upper),
            if g.distinguishable { "yes" } else { "no" }
        );
    }
    for note in &d.notes {
        let _ = writeln!(out, "\n- {}", md_cell(note));
    }
    if let Some(c) = &report.learning_curves {
        let _ = writeln!(
            out,
            "\n## Learning curves\n\nMore data: **{:?}** — {}\n\n| size | train error | dev error |\n|---|---|---|",
            c.more_data,
            md_cell(&c.reason)
        );
        for p in &c.points {
            let _ = writeln!(
                out,
                "| {} | {:.4} | {:.4} |",
                number(p.size),
                p.train_error,
                p.dev_error
            );
        }
    }
    if let Some(e) = &report.errors {
        let _ = writeln!(
            out,
            "\n## Errors ({} of the eyeball part, {} rows examined, seed {})\n\n| row id | label | predicted | confidence | features |\n|---|---|---|---|---|",
            e.errors.len(),
            e.examined_rows,
            e.seed
        );
        for r in &e.errors {
            let features: Vec<String> =
                r.features.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.4} | {} |",
                md_cell(&r.row_id),
                md_cell(&r.label),
                md_cell(&r.predicted),
                r.confidence,
                md_cell(&features.join(", "))
            );
        }
    }
    if let Some(t) = &report.tags {
        let _ = writeln!(
            out,
            "\n## Tags ({} errors; Wilson {} % intervals: the ceiling on what fixing each can gain)\n\n| tag | errors | share | interval |\n|---|---|---|---|",
            t.errors,
            number(t.confidence * 100.0)
        );
        for s in &t.shares {
            let _ = writeln!(
                out,
                "| {} | {} | {:.4} | [{:.4}, {:.4}] |",
                md_cell(&s.tag),
                s.count,
                s.share,
                s.lower,
                s.upper
            );
        }
        if !t.unknown_rows.is_empty() {
            let _ = writeln!(
                out,
                "\nTagged rows not among the listed errors (ignored): {}",
                md_cell(&t.unknown_rows.join(", "))
            );
        }
    }
    out
}

/// The gaps with their intervals as a forest plot around 0 (red: the interval lies
/// above 0, a real problem; grey: indistinguishable from 0). Gaps without a sampling
/// error are drawn as a point. `None` when no gap was measured.
pub fn gap_chart(d: &Diagnosis) -> Option<String> {
    let rows: Vec<IntervalRow<'_>> = d
        .gaps
        .iter()
        .map(|g| IntervalRow {
            name: g.gap.label(),
            estimate: g.estimate,
            lower: g.lower.unwrap_or(g.estimate),
            upper: g.upper.unwrap_or(g.estimate),
            color: if g.distinguishable {
                "#b00020"
            } else {
                "#777777"
            },
        })
        .collect();
    (!rows.is_empty()).then(|| {
        chart::interval_chart(
            &format!(
                "Gaps ({} with {} % intervals; red: above 0)",
                d.metric,
                number(d.confidence * 100.0)
            ),
            "gap (positive: a problem)",
            &rows,
        )
    })
}

/// The learning curves' chart.
pub fn curve_chart(c: &LearningCurves) -> Chart {
    let points: Vec<(f64, f64, f64)> = c
        .points
        .iter()
        .map(|p| (p.size, p.train_error, p.dev_error))
        .collect();
    chart::learning_curve(&points)
}

fn more_data_words(c: &LearningCurves) -> &'static str {
    match c.more_data {
        super::curves::MoreData::Likely => "likely to help",
        super::curves::MoreData::Unlikely => "unlikely to help",
        super::curves::MoreData::Unclear => "unclear",
    }
}

/// The report as an HTML page (the charts inline, themed by [`chart::STYLESHEET`]).
pub fn html(report: &DiagnoseReport) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_html(&mut out, report);
    out
}

fn write_html(out: &mut String, report: &DiagnoseReport) -> std::fmt::Result {
    let d = &report.diagnosis;
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Lockstep diagnosis</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n<h1>Diagnosis</h1>",
        chart::STYLESHEET
    )?;
    writeln!(
        out,
        "<p><strong>Next focus:</strong> {}</p>",
        esc(&d.advice)
    )?;
    if let Some(g) = d.dominant {
        writeln!(
            out,
            "<p>Dominant gap: <span class=\"fail\">{}</span> (the largest whose interval excludes 0)</p>",
            g.label()
        )?;
    } else {
        writeln!(
            out,
            "<p>No gap's interval excludes 0: none is dominant.</p>"
        )?;
    }
    writeln!(
        out,
        "<table>\n<tr><th>set</th><th>{}</th><th>rows</th><th>source</th></tr>",
        esc(&d.metric)
    )?;
    for s in &d.sets {
        writeln!(
            out,
            "<tr><td>{}</td><td>{:.4}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            s.set.label(),
            s.value,
            s.rows.map_or_else(|| "–".to_owned(), |r| r.to_string()),
            esc(&s.source)
        )?;
    }
    if let Some(o) = &d.optimal {
        writeln!(
            out,
            "<tr><td>optimal</td><td>{:.4}</td><td>–</td><td class=\"text\">{}</td></tr>",
            o.value,
            esc(&o.source.label())
        )?;
    }
    writeln!(
        out,
        "</table>\n<table>\n<tr><th>gap</th><th>estimate</th><th>{} % interval</th><th>excludes 0</th></tr>",
        number(d.confidence * 100.0)
    )?;
    for g in &d.gaps {
        let marker = if Some(g.gap) == d.dominant {
            " (dominant)"
        } else {
            ""
        };
        writeln!(
            out,
            "<tr><td>{}{marker}</td><td>{:.4}</td><td>{}</td><td>{}</td></tr>",
            g.gap.label(),
            g.estimate,
            esc(&interval(g.lower, g.upper)),
            if g.distinguishable { "yes" } else { "no" }
        )?;
    }
    writeln!(out, "</table>")?;
    let mut plots = Vec::new();
    if let Some(svg) = gap_chart(d) {
        plots.push(svg);
    }
    if let Some(c) = &report.learning_curves {
        plots.push(curve_chart(c).svg);
    }
    if !plots.is_empty() {
        writeln!(out, "<div class=\"plots\">{}</div>", plots.join("\n"))?;
    }
    if !d.notes.is_empty() {
        writeln!(out, "<ul>")?;
        for note in &d.notes {
            writeln!(out, "<li>{}</li>", esc(note))?;
        }
        writeln!(out, "</ul>")?;
    }
    if let Some(c) = &report.learning_curves {
        writeln!(
            out,
            "<h2>Learning curves</h2>\n<p>More data: <strong>{}</strong> — {}</p>\n<table>\n<tr><th>size</th><th>train error</th><th>dev error</th></tr>",
            more_data_words(c),
            esc(&c.reason)
        )?;
        for p in &c.points {
            writeln!(
                out,
                "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td></tr>",
                number(p.size),
                p.train_error,
                p.dev_error
            )?;
        }
        writeln!(out, "</table>")?;
    }
    if let Some(e) = &report.errors {
        writeln!(
            out,
            "<h2>Errors ({} of the eyeball part, {} rows examined, seed {})</h2>\n<table>\n<tr><th>row id</th><th>label</th><th>predicted</th><th>confidence</th><th>features</th></tr>",
            e.errors.len(),
            e.examined_rows,
            e.seed
        )?;
        for r in &e.errors {
            let features: Vec<String> =
                r.features.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.4}</td><td class=\"text\">{}</td></tr>",
                esc(&r.row_id),
                esc(&r.label),
                esc(&r.predicted),
                r.confidence,
                esc(&features.join(", "))
            )?;
        }
        writeln!(out, "</table>")?;
    }
    if let Some(t) = &report.tags {
        writeln!(
            out,
            "<h2>Tags ({} errors; Wilson {} % intervals: the ceiling on what fixing each can gain)</h2>\n<table>\n<tr><th>tag</th><th>errors</th><th>share</th><th>interval</th></tr>",
            t.errors,
            number(t.confidence * 100.0)
        )?;
        for s in &t.shares {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{:.4}</td><td>[{:.4}, {:.4}]</td></tr>",
                esc(&s.tag),
                s.count,
                s.share,
                s.lower,
                s.upper
            )?;
        }
        writeln!(out, "</table>")?;
        if !t.unknown_rows.is_empty() {
            writeln!(
                out,
                "<p>Tagged rows not among the listed errors (ignored): {}</p>",
                esc(&t.unknown_rows.join(", "))
            )?;
        }
    }
    writeln!(out, "</body>\n</html>")
}
