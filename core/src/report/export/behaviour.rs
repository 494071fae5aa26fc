//! The behavioural tests' section of every export (Markdown, HTML, JUnit): one
//! place, so each format shows the same tests, rates and rows.

use std::fmt::Write;

use super::format::{Align, Cell, ExportTable, md_cell, metric_short, number, percent, xml_escape};
use crate::behaviour::{BehaviourKind, BehaviourReport, BehaviourStatus, BehaviourTest};
use crate::chart::{LineChart, Series, line_chart};
use crate::metrics::Metric;

/// Features listed per perturbation test.
const TOP_FEATURES: usize = 10;

fn kind(k: BehaviourKind) -> &'static str {
    match k {
        BehaviourKind::Perturbation => "perturbation",
        BehaviourKind::Invariance => "invariance",
        BehaviourKind::Directional => "directional",
    }
}

fn status(s: BehaviourStatus) -> &'static str {
    match s {
        BehaviourStatus::Pass => "pass",
        BehaviourStatus::Fail => "fail",
        BehaviourStatus::NotJudged => "not judged",
    }
}

fn rate(t: &BehaviourTest) -> String {
    format!(
        "{} [{}, {}]",
        number(t.fail_rate),
        number(t.fail_rate_lower),
        number(t.fail_rate_upper)
    )
}

fn rows_line(b: &BehaviourReport) -> String {
    let sample = if b.sampled {
        format!(
            "{} of {} rows drawn at random (seed {})",
            b.rows_used, b.rows_total, b.seed
        )
    } else {
        format!("all {} rows (seed {})", b.rows_used, b.seed)
    };
    format!(
        "{sample}; engine `{}`{}; curves: {} with {} bootstrap replicates; fail rates with Wilson intervals ({}).",
        b.engine,
        if b.pipeline {
            ", through the pipeline"
        } else {
            ""
        },
        b.metric,
        b.bootstrap_replicates,
        percent(b.confidence)
    )
}

fn interval(lower: Metric, upper: Metric) -> String {
    match (lower, upper) {
        (Metric::Value(lo), Metric::Value(hi)) => format!("[{lo:.4}, {hi:.4}]"),
        _ => "–".to_owned(),
    }
}

/// One row per test: its kind, fail rate with interval, limit, status (coloured in
/// HTML) and row counts.
fn tests_table(b: &BehaviourReport) -> ExportTable {
    let mut table = ExportTable::new([
        ("test".to_owned(), Align::Left),
        ("type".to_owned(), Align::Left),
        (
            format!("fail rate [{} CI]", percent(b.confidence)),
            Align::Left,
        ),
        ("max".to_owned(), Align::Right),
        ("status".to_owned(), Align::Left),
        ("tested".to_owned(), Align::Right),
        ("failed".to_owned(), Align::Right),
        ("counted apart".to_owned(), Align::Right),
    ]);
    for t in &b.tests {
        let class = match t.status {
            BehaviourStatus::Pass => "pass",
            BehaviourStatus::Fail => "fail",
            BehaviourStatus::NotJudged => "text",
        };
        table.row([
            Cell::text(t.name.clone()),
            Cell::text(kind(t.kind)),
            Cell::text(rate(t)),
            Cell::text(t.max_fail_rate.map_or("–".to_owned(), number)),
            Cell::Classed(class, status(t.status).to_owned()),
            Cell::text(t.tested_rows.to_string()),
            Cell::text(t.failed_rows.to_string()),
            Cell::text(t.skipped_rows.to_string()),
        ]);
    }
    table
}

/// The features whose change moved the scores most (the first [`TOP_FEATURES`]).
fn features_table(b: &BehaviourReport, t: &BehaviourTest) -> ExportTable {
    let mut table = ExportTable::new([
        ("feature", Align::Left),
        ("changed", Align::Right),
        ("mean abs. score change", Align::Right),
        (b.metric.as_str(), Align::Right),
    ]);
    for f in t.features.iter().take(TOP_FEATURES) {
        table.row([
            Cell::text(f.feature.clone()),
            Cell::text(number(f.changed)),
            Cell::text(number(f.mean_abs_score_change)),
            Cell::text(metric_short(f.metric)),
        ]);
    }
    table
}

/// The rows whose score moved most.
fn worst_rows_table(t: &BehaviourTest) -> ExportTable {
    let mut table = ExportTable::new([
        ("row", Align::Right),
        ("change", Align::Left),
        ("score before", Align::Right),
        ("score after", Align::Right),
        ("failed", Align::Left),
    ]);
    for w in &t.worst_rows {
        table.row([
            Cell::text(w.row.to_string()),
            Cell::Classed("text", w.change.clone()),
            Cell::text(number(w.score_before)),
            Cell::text(number(w.score_after)),
            Cell::text(if w.failed { "yes" } else { "no" }),
        ]);
    }
    table
}

/// The Markdown section.
pub(super) fn markdown(out: &mut String, b: &BehaviourReport) -> std::fmt::Result {
    let verdict = if b.passed {
        "✅ **PASS**"
    } else {
        "❌ **FAIL**"
    };
    writeln!(out, "## Behavioural tests\n")?;
    writeln!(out, "{verdict} · {}\n", md_cell(&rows_line(b)))?;
    tests_table(b).markdown(out);
    writeln!(out)?;
    for t in &b.tests {
        writeln!(
            out,
            "### {}\n\n{}\n",
            md_cell(&t.name),
            md_cell(&t.description)
        )?;
        if !t.curve.is_empty() {
            writeln!(
                out,
                "| level | {} | {} CI | changed | changed CI |\n|---:|---:|---|---:|---|",
                md_cell(&b.metric),
                percent(b.confidence)
            )?;
            for p in &t.curve {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | [{}, {}] |",
                    number(p.level),
                    metric_short(p.metric),
                    interval(p.lower, p.upper),
                    number(p.changed),
                    number(p.changed_lower),
                    number(p.changed_upper)
                )?;
            }
            writeln!(out)?;
        }
        if !t.features.is_empty() {
            features_table(b, t).markdown(out);
            writeln!(out)?;
        }
        if !t.worst_rows.is_empty() {
            worst_rows_table(t).markdown(out);
            writeln!(out)?;
        }
    }
    for n in &b.notes {
        writeln!(out, "- {}", md_cell(n))?;
    }
    if !b.notes.is_empty() {
        writeln!(out)?;
    }
    Ok(())
}

/// The HTML section (tables and, for perturbations, the curve as inline SVG).
pub(super) fn html(out: &mut String, b: &BehaviourReport) -> std::fmt::Result {
    let (class, verdict) = if b.passed {
        ("pass", "PASS")
    } else {
        ("fail", "FAIL")
    };
    writeln!(
        out,
        "<h2>Behavioural tests</h2>\n<p><span class=\"{class}\">{verdict}</span> · {}</p>",
        xml_escape(&rows_line(b))
    )?;
    tests_table(b).html(out);
    for t in &b.tests {
        writeln!(
            out,
            "<h3>{}</h3>\n<p>{}</p>",
            xml_escape(&t.name),
            xml_escape(&t.description)
        )?;
        if t.curve.len() > 1 {
            writeln!(out, "<div class=\"plots\">{}</div>", curve_chart(b, t))?;
        }
        if !t.features.is_empty() {
            features_table(b, t).html(out);
        }
        if !t.worst_rows.is_empty() {
            worst_rows_table(t).html(out);
        }
    }
    if !b.notes.is_empty() {
        writeln!(out, "<ul>")?;
        for n in &b.notes {
            writeln!(out, "<li>{}</li>", xml_escape(n))?;
        }
        writeln!(out, "</ul>")?;
    }
    Ok(())
}

/// A perturbation test's curve (the HTML export and the page's Robustness cell draw it):
/// the metric (when a share, with its interval) and the changed share against the
/// perturbation level, the level scaled to the largest one.
pub fn curve_chart(b: &BehaviourReport, t: &BehaviourTest) -> String {
    let top = t.curve.iter().map(|p| p.level).fold(0.0, f64::max);
    let scale = if top > 0.0 { top } else { 1.0 };
    let x = |level: f64| level / scale;
    let points = |f: &dyn Fn(&crate::behaviour::CurvePoint) -> Option<f64>| {
        t.curve
            .iter()
            .filter_map(|p| Some((x(p.level), f(p)?)))
            .collect::<Vec<_>>()
    };
    let mut series = vec![Series {
        markers: true,
        ..Series::new("share of predictions changed", points(&|p| Some(p.changed)))
    }];
    if b.metric == "accuracy" {
        series.push(Series {
            markers: true,
            ..Series::new("accuracy", points(&|p| p.metric.value()))
        });
        series.push(Series::new(
            "accuracy, lower bound",
            points(&|p| p.lower.value()),
        ));
        series.push(Series::new(
            "accuracy, upper bound",
            points(&|p| p.upper.value()),
        ));
    }
    line_chart(&LineChart {
        title: t.name.clone(),
        x_label: format!("level ÷ {}", number(scale)),
        y_label: "share".to_owned(),
        x_domain: (0.0, 1.0),
        y_domain: (0.0, 1.0),
        series,
        diagonal: false,
        marker: None,
    })
    .svg
}

/// The JUnit test suite: one case per test (skipped when not judged).
pub(super) fn junit(out: &mut String, b: &BehaviourReport) -> std::fmt::Result {
    let (tests, failures, skipped) = counts(b);
    writeln!(
        out,
        r#"  <testsuite name="behavioural tests" tests="{tests}" failures="{failures}" skipped="{skipped}">"#
    )?;
    for t in &b.tests {
        let name = xml_escape(&t.name);
        let message = xml_escape(&format!(
            "fail rate {} ({} of {} rows; {} counted apart), maximum {}: {}",
            rate(t),
            t.failed_rows,
            t.tested_rows,
            t.skipped_rows,
            t.max_fail_rate.map_or("none".to_owned(), number),
            t.description
        ));
        match t.status {
            BehaviourStatus::Pass => writeln!(
                out,
                r#"    <testcase classname="lockstep.behaviour.{}" name="{name}"/>"#,
                kind(t.kind)
            )?,
            BehaviourStatus::Fail => writeln!(
                out,
                r#"    <testcase classname="lockstep.behaviour.{}" name="{name}">
      <failure type="fail_rate" message="{message}">{message}</failure>
    </testcase>"#,
                kind(t.kind)
            )?,
            BehaviourStatus::NotJudged => writeln!(
                out,
                r#"    <testcase classname="lockstep.behaviour.{}" name="{name}"><skipped message="no maximum fail rate: {message}"/></testcase>"#,
                kind(t.kind)
            )?,
        }
    }
    writeln!(out, "  </testsuite>")
}

/// (tests, failures, skipped) of the JUnit suite.
pub(super) fn counts(b: &BehaviourReport) -> (usize, usize, usize) {
    let of = |s: BehaviourStatus| b.tests.iter().filter(|t| t.status == s).count();
    (
        b.tests.len(),
        of(BehaviourStatus::Fail),
        of(BehaviourStatus::NotJudged),
    )
}
