//! The behavioural tests' section of every export (Markdown, HTML, JUnit): one
//! place, so each format shows the same tests, rates and rows.

use std::fmt::Write;

use super::format::{md_cell, metric_short, number, percent, xml_escape};
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

/// The Markdown section.
pub(super) fn markdown(out: &mut String, b: &BehaviourReport) -> std::fmt::Result {
    let verdict = if b.passed {
        "✅ **PASS**"
    } else {
        "❌ **FAIL**"
    };
    writeln!(out, "## Behavioural tests\n")?;
    writeln!(out, "{verdict} · {}\n", md_cell(&rows_line(b)))?;
    writeln!(
        out,
        "| test | type | fail rate [{} CI] | max | status | tested | failed | counted apart |\n|---|---|---|---:|---|---:|---:|---:|",
        percent(b.confidence)
    )?;
    for t in &b.tests {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            md_cell(&t.name),
            kind(t.kind),
            rate(t),
            t.max_fail_rate.map_or("–".to_owned(), number),
            status(t.status),
            t.tested_rows,
            t.failed_rows,
            t.skipped_rows
        )?;
    }
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
            writeln!(
                out,
                "| feature | changed | mean abs. score change | {} |\n|---|---:|---:|---:|",
                md_cell(&b.metric)
            )?;
            for f in t.features.iter().take(TOP_FEATURES) {
                writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    md_cell(&f.feature),
                    number(f.changed),
                    number(f.mean_abs_score_change),
                    metric_short(f.metric)
                )?;
            }
            writeln!(out)?;
        }
        if !t.worst_rows.is_empty() {
            writeln!(
                out,
                "| row | change | score before | score after | failed |\n|---:|---|---:|---:|---|"
            )?;
            for w in &t.worst_rows {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    w.row,
                    md_cell(&w.change),
                    number(w.score_before),
                    number(w.score_after),
                    if w.failed { "yes" } else { "no" }
                )?;
            }
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
    writeln!(
        out,
        "<table>\n<tr><th>test</th><th>type</th><th>fail rate [{} CI]</th><th>max</th><th>status</th><th>tested</th><th>failed</th><th>counted apart</th></tr>",
        percent(b.confidence)
    )?;
    for t in &b.tests {
        let class = match t.status {
            BehaviourStatus::Pass => "pass",
            BehaviourStatus::Fail => "fail",
            BehaviourStatus::NotJudged => "text",
        };
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            xml_escape(&t.name),
            kind(t.kind),
            rate(t),
            t.max_fail_rate.map_or("–".to_owned(), number),
            status(t.status),
            t.tested_rows,
            t.failed_rows,
            t.skipped_rows
        )?;
    }
    writeln!(out, "</table>")?;
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
            writeln!(
                out,
                "<table>\n<tr><th>feature</th><th>changed</th><th>mean abs. score change</th><th>{}</th></tr>",
                xml_escape(&b.metric)
            )?;
            for f in t.features.iter().take(TOP_FEATURES) {
                writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    xml_escape(&f.feature),
                    number(f.changed),
                    number(f.mean_abs_score_change),
                    metric_short(f.metric)
                )?;
            }
            writeln!(out, "</table>")?;
        }
        if !t.worst_rows.is_empty() {
            writeln!(
                out,
                "<table>\n<tr><th>row</th><th>change</th><th>score before</th><th>score after</th><th>failed</th></tr>"
            )?;
            for w in &t.worst_rows {
                writeln!(
                    out,
                    "<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    w.row,
                    xml_escape(&w.change),
                    number(w.score_before),
                    number(w.score_after),
                    if w.failed { "yes" } else { "no" }
                )?;
            }
            writeln!(out, "</table>")?;
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
