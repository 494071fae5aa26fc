//! One self-contained HTML page: inline CSS and SVG plots (reliability diagram,
//! ROC, precision–recall, threshold sweep), no script, no external asset and no
//! data row — only aggregates that are already in the report.

use std::fmt::Write;

use super::format::{
    ProvenanceValue, interval, metric, metric_short, number, percent, provenance, split_sentence,
    summary, xml_escape as esc,
};
use super::tables;
use crate::chart;
use crate::metrics::calibration::BinStrategy;
use crate::report::types::{EvalReport, ReliabilityReport};

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}\
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:right;white-space:nowrap}\
th:first-child,td:first-child,td.text{text-align:left}td.text{white-space:normal}\
.pass{color:#176f2c;font-weight:bold}.fail{color:#b00020;font-weight:bold}\
.plots{display:flex;flex-wrap:wrap;gap:1rem}code{font-size:.9em}";

/// The report as an HTML page.
pub fn html(report: &EvalReport) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_page(&mut out, report);
    out
}

fn strategy_name(strategy: BinStrategy) -> &'static str {
    match strategy {
        BinStrategy::EqualWidth => "equal-width bins",
        BinStrategy::EqualMass => "equal-mass bins",
    }
}

/// The report's SVG plots (from [`crate::chart`]: those the report holds), as the HTML
/// page draws them; the web app shows the same ones inline. Each `<svg>` names its
/// title in `aria-label`.
pub fn plots(report: &EvalReport) -> Vec<String> {
    let mut out = Vec::new();
    let x_label = report
        .reliability
        .as_ref()
        .map_or("mean predicted probability", |r| {
            if r.probability == "top_label_confidence" {
                "mean top-label confidence"
            } else {
                "mean predicted probability"
            }
        });
    // All rows, with each binning the report holds.
    let all_rows: Vec<(String, &ReliabilityReport)> =
        [&report.reliability, &report.reliability_equal_mass]
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    format!("{}, ECE {}", strategy_name(r.strategy), metric_short(r.ece)),
                    r,
                )
            })
            .collect();
    if !all_rows.is_empty() {
        out.push(chart::reliability("Reliability, all rows", x_label, &all_rows).svg);
    }
    if let Some(c) = &report.calibration {
        let diagrams: Vec<(String, &ReliabilityReport)> = std::iter::once((
            format!("before, ECE {}", metric_short(c.before.ece)),
            &c.before,
        ))
        .chain(c.methods.iter().map(|m| {
            (
                format!("{}, ECE {}", m.method, metric_short(m.after.ece)),
                &m.after,
            )
        }))
        .collect();
        out.push(chart::reliability("Recalibration, blackbox rows", x_label, &diagrams).svg);
    }
    if let Some(roc) = &report.roc {
        out.push(chart::roc(roc).svg);
    }
    if let Some(pr) = &report.pr {
        out.push(chart::precision_recall(pr).svg);
    }
    if let Some(sweep) = &report.threshold_sweep {
        let chosen = if sweep.kind == "confidence" {
            None
        } else {
            report.inputs.threshold
        };
        out.push(chart::threshold_sweep(sweep, chosen).svg);
    }
    if let Some(confusion) = &report.confusion {
        out.push(chart::confusion_matrix(confusion).svg);
    }
    out
}

/// One diagram's bins, ECE and MCE (all rows).
fn write_reliability(out: &mut String, r: &ReliabilityReport) -> std::fmt::Result {
    let what = if r.probability == "top_label_confidence" {
        "top-label confidence"
    } else {
        "positive-class probability"
    };
    writeln!(
        out,
        "<h3>{}</h3>\n<p>{} bins of the {what}: ECE {}, MCE {}.</p>",
        match r.strategy {
            BinStrategy::EqualWidth => "Equal-width bins",
            BinStrategy::EqualMass => "Equal-mass bins",
        },
        r.bins.len(),
        metric_short(r.ece),
        metric_short(r.mce)
    )?;
    tables::reliability_bins(r).html(out);
    Ok(())
}

fn write_page(out: &mut String, report: &EvalReport) -> std::fmt::Result {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        out,
        "<title>Lockstep evaluation report</title>\n<style>{STYLE}{}</style>\n</head>\n<body>",
        chart::STYLESHEET
    )?;
    writeln!(
        out,
        "<h1>Evaluation report</h1>\n<p>{}</p>",
        esc(&summary(report))
    )?;
    if let Some(c) = &report.contract {
        let (class, verdict) = if c.passed {
            ("pass", "PASS")
        } else {
            ("fail", "FAIL")
        };
        writeln!(
            out,
            "<p>Contract: <span class=\"{class}\">{verdict}</span> · optimizing {}</p>",
            esc(&c.optimizing.reason)
        )?;
    }

    writeln!(
        out,
        "<h2>Metrics</h2>\n<table>\n<tr><th>metric</th><th>value</th><th>{} CI</th>",
        percent(report.bootstrap.confidence)
    )?;
    for b in &report.baselines {
        write!(out, "<th>{}</th>", esc(b.baseline.label()))?;
    }
    writeln!(out, "</tr>")?;
    for row in &report.metrics {
        write!(
            out,
            "<tr><td>{} {}</td><td>{}</td><td>{}</td>",
            esc(&row.name),
            if row.higher_is_better { "↑" } else { "↓" },
            esc(&metric(row.estimate)),
            interval(row)
        )?;
        for b in &report.baselines {
            let v = row
                .baselines
                .iter()
                .find(|v| v.baseline == b.baseline)
                .map_or(String::new(), |v| metric_short(v.value));
            write!(out, "<td>{v}</td>")?;
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(
        out,
        "</table>\n<p>Intervals: percentile bootstrap, {} replicates, seed {}.</p>\n<ul>",
        report.bootstrap.replicates, report.bootstrap.seed
    )?;
    for b in &report.baselines {
        writeln!(
            out,
            "<li><b>{}</b>: {}</li>",
            esc(b.baseline.label()),
            esc(&b.description)
        )?;
    }
    writeln!(out, "</ul>")?;

    if let Some(c) = &report.contract {
        writeln!(
            out,
            "<h2>Metric contract</h2>\n<table>\n<tr><th>line</th><th>value</th><th>status</th><th>reason</th></tr>"
        )?;
        for l in &c.lines {
            let (class, word) = if l.passed {
                ("pass", "pass")
            } else {
                ("fail", "fail")
            };
            writeln!(
                out,
                "<tr><td><code>{} {} {}</code></td><td>{}</td><td class=\"{class}\">{word}</td><td class=\"text\">{}</td></tr>",
                esc(&l.metric),
                esc(l.op.symbol()),
                l.threshold,
                l.value.map_or("–".to_owned(), number),
                esc(&l.reason)
            )?;
        }
        writeln!(out, "</table>")?;
    }

    if let Some(b) = &report.behaviour {
        super::behaviour::html(out, b)?;
    }

    let charts = plots(report);
    if !charts.is_empty() {
        writeln!(out, "<h2>Plots</h2>\n<div class=\"plots\">")?;
        for c in charts {
            write!(out, "{c}")?;
        }
        writeln!(out, "</div>")?;
    }

    if !report.threshold_targets.is_empty() {
        writeln!(out, "<h2>Threshold targets</h2>")?;
        tables::threshold_targets(report).html(out);
    }

    if report.reliability.is_some() || report.reliability_equal_mass.is_some() {
        writeln!(out, "<h2>Reliability</h2>")?;
        for r in [&report.reliability, &report.reliability_equal_mass]
            .into_iter()
            .flatten()
        {
            write_reliability(out, r)?;
        }
    }

    if let Some(c) = &report.calibration {
        writeln!(
            out,
            "<h2>Calibration</h2>\n<p>Fitted on the eyeball part ({} rows), reported on the blackbox part ({} rows).</p>",
            c.fit_rows, c.report_rows
        )?;
        tables::calibration(c).html(out);
    }

    if !report.per_class.is_empty() {
        writeln!(out, "<h2>Per class</h2>")?;
        tables::per_class(report).html(out);
    }

    if let Some(confusion) = &report.confusion {
        writeln!(out, "<h2>Confusion matrix</h2>")?;
        tables::confusion(confusion).html(out);
    }

    writeln!(
        out,
        "<h2>Split</h2>\n<p>{}</p>",
        split_sentence(report, |k| format!("<code>{}</code>", esc(k)))
    )?;

    writeln!(out, "<h2>Provenance</h2>\n<table>")?;
    for (name, value) in provenance(report) {
        let value = match value {
            ProvenanceValue::Code(Some(v)) => format!("<code>{}</code>", esc(v)),
            ProvenanceValue::Code(None) => "<code>–</code>".to_owned(),
            ProvenanceValue::Text(t) => esc(&t),
        };
        writeln!(out, "<tr><td>{name}</td><td>{value}</td></tr>")?;
    }
    writeln!(out, "</table>")?;

    if let Some(slices) = &report.slices {
        super::slices::html(out, slices, &report.metrics)?;
    }
    if !report.notes.is_empty() {
        writeln!(out, "<h2>Notes</h2>\n<ul>")?;
        for n in &report.notes {
            writeln!(out, "<li>{}</li>", esc(n))?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</body>\n</html>")
}
