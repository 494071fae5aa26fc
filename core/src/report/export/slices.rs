//! The `slices` section in every export: one table of named slices (rows, each
//! metric with its interval and its gap to the rest) and one of the slices the
//! finder found. Markdown and HTML render the same cells; JUnit carries them as
//! properties.

use std::fmt::Write;

use super::format::{md_cell, metric_short, number, percent, xml_escape};
use crate::metrics::Metric;
use crate::slices::simpson::{SimpsonCheck, SimpsonFinding};
use crate::slices::{FinderReport, SlicesReport};

/// `0.7100 [0.6500, 0.7700] (−0.0800)`.
fn cell(estimate: Metric, lower: Metric, upper: Metric, gap: Option<f64>) -> String {
    let interval = match (lower, upper) {
        (Metric::Value(lo), Metric::Value(hi)) => format!(" [{lo:.4}, {hi:.4}]"),
        _ => String::new(),
    };
    let gap = gap.map_or(String::new(), |g| format!(" ({g:+.4} vs rest)"));
    format!("{}{interval}{gap}", metric_short(estimate))
}

/// Header and rows of the named slices' table.
fn named_table(s: &SlicesReport) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["slice".to_owned(), "rows".to_owned()];
    let names: Vec<String> = s
        .slices
        .iter()
        .flat_map(|x| x.metrics.iter().map(|m| m.name.clone()))
        .fold(Vec::new(), |mut acc, n| {
            if !acc.contains(&n) {
                acc.push(n);
            }
            acc
        });
    header.extend(names.iter().cloned());
    let rows = s
        .slices
        .iter()
        .map(|x| {
            let mut row = vec![x.name.clone(), format!("{} ({})", x.rows, percent(x.share))];
            for n in &names {
                row.push(
                    x.metrics
                        .iter()
                        .find(|m| &m.name == n)
                        .map_or(String::new(), |m| cell(m.estimate, m.lower, m.upper, m.gap)),
                );
            }
            row
        })
        .collect();
    (header, rows)
}

pub fn finder_summary(f: &FinderReport) -> String {
    format!(
        "Slice finder: {} of {} candidates (levels ≤ {}, σ = {} rows, α = {}) have a {} \
         significantly above the rest (Welch, Benjamini–Hochberg q = {}); mean {} {}.{}",
        f.discoveries,
        f.candidates_evaluated,
        f.levels_searched,
        f.min_support,
        number(f.alpha),
        f.loss,
        number(f.fdr_q),
        f.loss,
        number(f.mean_loss),
        match f.stopped {
            Some(crate::slices::Stopped::TimeLimit) => " Stopped at the time limit.",
            Some(crate::slices::Stopped::Cancelled) => " Cancelled.",
            _ => "",
        }
    )
}

fn finder_table(f: &FinderReport) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "slice",
        "rows",
        "mean loss",
        "rest",
        "score",
        "effect size",
        "p",
        "folded",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = f
        .slices
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.rows.to_string(),
                format!("{:.4}", s.mean_loss),
                format!("{:.4}", s.rest_mean_loss),
                format!("{:.4}", s.score),
                format!("{:.3}", s.effect_size),
                format!("{:.2e}", s.p_value),
                s.folded.join(", "),
            ]
        })
        .collect();
    (header, rows)
}

/// What the Simpson check found, in one sentence.
pub fn simpson_summary(check: &SimpsonCheck) -> String {
    match check {
        SimpsonCheck::Impossible { reason } => {
            format!("Simpson's paradox: cannot happen here: {reason}.")
        }
        SimpsonCheck::Checked { findings } => {
            let reversed = check.reversals().len();
            let sides = findings.first().map_or(String::new(), |f| {
                format!(" of {} and {}", f.sides[0], f.sides[1])
            });
            if reversed == 0 {
                format!(
                    "Simpson's paradox: the comparison{sides} was checked over {} partitions; none \
                     reverses it in every stratum.",
                    findings.len()
                )
            } else {
                format!(
                    "Simpson's paradox: {reversed} of {} partitions reverse the comparison{sides} \
                     in every stratum.",
                    findings.len()
                )
            }
        }
    }
}

fn value(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".to_owned(), |v| format!("{v:.4}"))
}

/// The table that shows one reversal: each stratum's rows and values for both sides.
fn simpson_table(f: &SimpsonFinding) -> (Vec<String>, Vec<Vec<String>>) {
    let header = vec![
        f.partition.clone(),
        format!("{} rows", f.sides[0]),
        format!("{} {}", f.sides[0], f.measure),
        format!("{} rows", f.sides[1]),
        format!("{} {}", f.sides[1], f.measure),
    ];
    let rows = std::iter::once(&f.overall)
        .chain(&f.strata)
        .map(|r| {
            vec![
                r.stratum.clone(),
                r.rows[0].to_string(),
                value(r.values[0]),
                r.rows[1].to_string(),
                value(r.values[1]),
            ]
        })
        .collect();
    (header, rows)
}

fn md_table(out: &mut String, header: &[String], rows: &[Vec<String>]) -> std::fmt::Result {
    let cells: Vec<String> = header.iter().map(|h| md_cell(h)).collect();
    writeln!(out, "| {} |", cells.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(header.len()))?;
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

/// A Simpson check in Markdown: its summary, then each reversal in plain words with
/// the table that shows it (the eval report's slices section and the comparison).
pub fn simpson_markdown(out: &mut String, check: &SimpsonCheck) -> std::fmt::Result {
    writeln!(out, "\n{}\n", md_cell(&simpson_summary(check)))?;
    for f in check.reversals() {
        writeln!(out, "**{}**\n", md_cell(&f.message))?;
        let (h, r) = simpson_table(f);
        md_table(out, &h, &r)?;
        writeln!(out)?;
    }
    Ok(())
}

/// A Simpson check in HTML (see [`simpson_markdown`]).
pub fn simpson_html(
    out: &mut String,
    check: &SimpsonCheck,
    esc: fn(&str) -> String,
) -> std::fmt::Result {
    writeln!(out, "<p>{}</p>", esc(&simpson_summary(check)))?;
    for f in check.reversals() {
        writeln!(out, "<p><strong>{}</strong></p>", esc(&f.message))?;
        let (h, r) = simpson_table(f);
        html_table(out, &h, &r, esc)?;
    }
    Ok(())
}

/// The section in Markdown.
pub fn markdown(out: &mut String, s: &SlicesReport) -> std::fmt::Result {
    writeln!(out, "\n## Slices\n")?;
    if !s.slices.is_empty() {
        let (h, r) = named_table(s);
        md_table(out, &h, &r)?;
    }
    if let Some(f) = &s.finder {
        writeln!(out, "\n{}\n", md_cell(&finder_summary(f)))?;
        if !f.slices.is_empty() {
            let (h, r) = finder_table(f);
            md_table(out, &h, &r)?;
        }
    }
    if let Some(check) = &s.simpson {
        simpson_markdown(out, check)?;
    }
    for n in &s.notes {
        writeln!(out, "\n- {}", md_cell(n))?;
    }
    Ok(())
}

fn html_table(
    out: &mut String,
    header: &[String],
    rows: &[Vec<String>],
    esc: fn(&str) -> String,
) -> std::fmt::Result {
    write!(out, "<table>\n<tr>")?;
    for h in header {
        write!(out, "<th>{}</th>", esc(h))?;
    }
    writeln!(out, "</tr>")?;
    for row in rows {
        write!(out, "<tr>")?;
        for c in row {
            write!(out, "<td>{}</td>", esc(c))?;
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</table>")
}

/// The metrics the named slices carry, in their order.
pub fn metric_names(s: &SlicesReport) -> Vec<String> {
    named_table(s).0.into_iter().skip(2).collect()
}

/// Each named slice's `metric` with its interval as a forest plot (core's
/// [`crate::chart::estimate_chart`]), a dashed line at `overall` (the metric on every
/// row); red where the whole interval lies on the worse side of `overall`. `None`
/// when no slice has the metric defined.
pub fn chart(
    s: &SlicesReport,
    metric: &str,
    overall: Option<f64>,
    higher_is_better: bool,
) -> Option<String> {
    let rows: Vec<crate::chart::IntervalRow<'_>> = s
        .slices
        .iter()
        .filter_map(|x| {
            let m = x.metrics.iter().find(|m| m.name == metric)?;
            let estimate = m.estimate.value()?;
            let (lower, upper) = (
                m.lower.value().unwrap_or(f64::NAN),
                m.upper.value().unwrap_or(f64::NAN),
            );
            let worse = overall.is_some_and(|o| {
                if higher_is_better {
                    upper < o
                } else {
                    lower > o
                }
            });
            Some(crate::chart::IntervalRow {
                name: &x.name,
                estimate,
                lower,
                upper,
                color: if worse {
                    crate::chart::COLORS[1]
                } else {
                    crate::chart::COLORS[0]
                },
            })
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(crate::chart::estimate_chart(
        &format!("{metric} by slice"),
        &format!("{metric} (dashed: all rows)"),
        &rows,
        overall.unwrap_or(f64::NAN),
    ))
}

/// The section in HTML; `report_metrics` (the report's headline metrics) place each
/// chart's reference line.
pub fn html(
    out: &mut String,
    s: &SlicesReport,
    report_metrics: &[crate::report::types::MetricRow],
) -> std::fmt::Result {
    writeln!(out, "<h2>Slices</h2>")?;
    let esc: fn(&str) -> String = xml_escape;
    if !s.slices.is_empty() {
        let (h, r) = named_table(s);
        html_table(out, &h, &r, esc)?;
        if let Some(first) = metric_names(s).first() {
            let row = report_metrics.iter().find(|m| &m.name == first);
            if let Some(svg) = chart(
                s,
                first,
                row.and_then(|m| m.estimate.value()),
                row.is_none_or(|m| m.higher_is_better),
            ) {
                writeln!(out, "<div class=\"plots\">{svg}</div>")?;
            }
        }
    }
    if let Some(f) = &s.finder {
        writeln!(out, "<p>{}</p>", esc(&finder_summary(f)))?;
        if !f.slices.is_empty() {
            let (h, r) = finder_table(f);
            html_table(out, &h, &r, esc)?;
        }
    }
    if let Some(check) = &s.simpson {
        simpson_html(out, check, esc)?;
    }
    if !s.notes.is_empty() {
        writeln!(out, "<ul>")?;
        for n in &s.notes {
            writeln!(out, "<li>{}</li>", esc(n))?;
        }
        writeln!(out, "</ul>")?;
    }
    Ok(())
}

/// JUnit properties: one per named slice and per slice found.
pub fn junit_properties(s: &SlicesReport) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for x in &s.slices {
        let metrics: Vec<String> = x
            .metrics
            .iter()
            .map(|m| format!("{} {}", m.name, cell(m.estimate, m.lower, m.upper, m.gap)))
            .collect();
        out.push((
            format!("slice:{}", x.name),
            format!("rows {}; {}", x.rows, metrics.join("; ")),
        ));
    }
    if let Some(f) = &s.finder {
        out.push(("slice_finder".to_owned(), finder_summary(f)));
        for (i, x) in f.slices.iter().enumerate() {
            out.push((
                format!("slice_found_{}", i + 1),
                format!(
                    "{}: rows {}, mean {} {:.4} vs {:.4}, score {:.4}, effect size {:.3}, p {:.2e}",
                    x.name,
                    x.rows,
                    f.loss,
                    x.mean_loss,
                    x.rest_mean_loss,
                    x.score,
                    x.effect_size,
                    x.p_value
                ),
            ));
        }
    }
    if let Some(check) = &s.simpson {
        out.push(("simpson".to_owned(), simpson_summary(check)));
        for (i, f) in check.reversals().into_iter().enumerate() {
            out.push((format!("simpson_reversal_{}", i + 1), f.message.clone()));
        }
    }
    out
}
