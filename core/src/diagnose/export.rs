//! The diagnosis, learning curves and error analysis as Markdown, with the export
//! toolkit's escaping ([`crate::report::export::format`]); JSON is their serde form.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::Diagnosis;
use super::curves::LearningCurves;
use super::errors::{ErrorSample, TagReport};
use crate::report::export::format::{md_cell, number};

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
