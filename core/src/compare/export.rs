//! Exports of a [`ComparisonReport`]: JSON, Markdown, HTML (inline SVG: both ROC
//! curves on one plot, the differences with their intervals) and JUnit XML (one test
//! case per check). Escaping, numbers and charts come from the evaluation report's
//! toolkit ([`crate::report::export::format`], its SVG charts): one way to print a
//! value everywhere.

use std::fmt::Write;

use super::types::{
    CheckKind, ClassDeLong, ComparisonReport, MetricComparison, MetricSimpson, SliceComparison,
};
use crate::chart::{COLORS, IntervalRow, LineChart, Series, interval_chart, line_chart};
use crate::metrics::Metric;
use crate::report::TaskKind;
use crate::report::export::format::{
    bounds, difference_bounds, md_cell, md_code, metric, metric_difference, number, p_value,
    percent, xml_escape as esc,
};
use crate::report::export::html::STYLE;
use crate::report::export::slices::{simpson_html, simpson_markdown, simpson_summary};

/// The report as pretty-printed JSON with a trailing newline.
pub fn json(report: &ComparisonReport) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

/// Reads a report written by [`json`].
pub fn from_json(text: &str) -> Result<ComparisonReport, serde_json::Error> {
    serde_json::from_str(text)
}

/// One line saying what was compared.
pub fn summary(report: &ComparisonReport) -> String {
    let task = match report.task {
        TaskKind::Classification if report.classes.len() == 2 => "binary classification".to_owned(),
        TaskKind::Classification => format!("{}-class classification", report.classes.len()),
        TaskKind::Regression => "regression".to_owned(),
    };
    let mut parts = vec![
        format!("{task}, {} rows", report.rows),
        format!("label `{}`", report.label_column),
        format!(
            "champion `{}` vs challenger `{}`",
            report.champion.name, report.challenger.name
        ),
        format!(
            "paired bootstrap: {} replicates, seed {}",
            report.bootstrap.replicates, report.bootstrap.seed
        ),
    ];
    if let Some(p) = &report.positive_label {
        parts.push(format!("positive `{p}`"));
    }
    parts.join(" · ")
}

fn kind_name(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Superiority => "superiority",
        CheckKind::NonInferiority => "non-inferiority",
        CheckKind::Satisficing => "satisficing",
        CheckKind::PointThreshold => "point threshold",
    }
}

fn check_name(kind: CheckKind, metric: &str, default: bool) -> String {
    format!(
        "{} {metric}{}",
        kind_name(kind),
        if default { " (default)" } else { "" }
    )
}

/// Whether the difference's interval lies wholly on the challenger's better side
/// (`Some(true)`), wholly on its worse side (`Some(false)`), or straddles zero.
fn side_of_zero(m: &MetricComparison) -> Option<bool> {
    let (lo, hi) = (m.difference.lower.value()?, m.difference.upper.value()?);
    let (better_lo, better_hi) = if m.higher_is_better {
        (lo, hi)
    } else {
        (-hi, -lo)
    };
    if better_lo > 0.0 {
        Some(true)
    } else if better_hi < 0.0 {
        Some(false)
    } else {
        None
    }
}

/// The report as Markdown (a CI job summary).
pub fn markdown(report: &ComparisonReport) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_markdown(&mut out, report);
    out
}

fn write_markdown(out: &mut String, r: &ComparisonReport) -> std::fmt::Result {
    writeln!(out, "# Champion vs challenger\n")?;
    writeln!(out, "{}\n", md_cell(&summary(r)))?;
    let verdict = if r.verdict.accepted {
        "✅ **ACCEPTED**"
    } else {
        "❌ **REJECTED**"
    };
    writeln!(
        out,
        "**Verdict:** {verdict} · {}\n",
        md_cell(&r.verdict.summary)
    )?;
    writeln!(out, "## Checks\n")?;
    writeln!(out, "| check | result | reason |\n|---|---|---|")?;
    for c in &r.checks {
        writeln!(
            out,
            "| {} | {} | {} |",
            md_cell(&check_name(c.kind, &c.metric, c.default)),
            if c.passed { "✅ pass" } else { "❌ fail" },
            md_cell(&c.reason)
        )?;
    }
    let ci = percent(r.bootstrap.confidence);
    writeln!(out, "\n## Metrics\n")?;
    writeln!(
        out,
        "| metric | champion | challenger | difference | {ci} CI of the difference |\n|---|---:|---:|---:|---|"
    )?;
    for m in &r.metrics {
        writeln!(
            out,
            "| {} {} | {} | {} | {} | {} |",
            md_code(&m.name),
            if m.higher_is_better { "↑" } else { "↓" },
            metric(m.champion.estimate),
            metric(m.challenger.estimate),
            metric_difference(m.difference.estimate),
            difference_bounds(m.difference.lower, m.difference.upper)
        )?;
    }
    if let Some(t) = &r.mcnemar {
        writeln!(out, "\n## McNemar's exact test\n")?;
        writeln!(
            out,
            "| | challenger right | challenger wrong |\n|---|---:|---:|\n| **champion right** | {} | {} |\n| **champion wrong** | {} | {} |\n",
            t.both_correct, t.champion_only_correct, t.challenger_only_correct, t.both_wrong
        )?;
        writeln!(
            out,
            "Discordant rows {} · statistic min(b, c) = {} · p-value {}",
            t.champion_only_correct + t.challenger_only_correct,
            t.statistic,
            p_value(t.p_value)
        )?;
    }
    if let Some(t) = &r.delong {
        writeln!(out, "\n## DeLong's test (ROC-AUC)\n")?;
        writeln!(
            out,
            "| champion AUC | challenger AUC | difference | standard error | z | p-value | {} CI |\n|---:|---:|---:|---:|---:|---:|---|",
            percent(t.confidence)
        )?;
        writeln!(out, "| {} |", delong_md_cells(t))?;
    }
    if !r.delong_per_class.is_empty() {
        writeln!(out, "\n## DeLong's test per class (one vs rest)\n")?;
        let ci = percent(r.bootstrap.confidence);
        writeln!(
            out,
            "| class | champion AUC | challenger AUC | difference | standard error | z | p-value | {ci} CI |\n|---|---:|---:|---:|---:|---:|---:|---|"
        )?;
        for c in &r.delong_per_class {
            writeln!(
                out,
                "| {} | {} |",
                md_code(&c.class),
                delong_md_cells(&c.test)
            )?;
        }
    }
    write_slices_md(out, r)?;
    write_simpson_md(out, r)?;
    write_notes_md(out, r)
}

/// A DeLong test's Markdown cells: both AUCs, the difference, its standard error, z,
/// p-value and interval.
fn delong_md_cells(t: &super::delong::DeLong) -> String {
    [
        metric(Metric::Value(t.champion_auc)),
        metric(Metric::Value(t.challenger_auc)),
        metric_difference(Metric::Value(t.difference)),
        metric_difference(Metric::Value(t.std_error)),
        t.z.map_or("–".to_owned(), number),
        p_value(t.p_value),
        difference_bounds(Metric::Value(t.lower), Metric::Value(t.upper)),
    ]
    .join(" | ")
}

/// One class's one-vs-rest DeLong test in one line (the HTML, the JUnit properties
/// and the page).
pub fn class_delong_line(c: &ClassDeLong) -> String {
    let t = &c.test;
    format!(
        "{} vs rest: champion {} · challenger {} · difference {} ({} CI {}) · z {} · p-value {}",
        c.class,
        metric(Metric::Value(t.champion_auc)),
        metric(Metric::Value(t.challenger_auc)),
        metric_difference(Metric::Value(t.difference)),
        percent(t.confidence),
        difference_bounds(Metric::Value(t.lower), Metric::Value(t.upper)),
        t.z.map_or("–".to_owned(), number),
        p_value(t.p_value)
    )
}

/// One line per metric: what the Simpson check found for it (the page and the
/// JUnit properties say the same).
pub fn simpson_line(m: &MetricSimpson) -> String {
    format!("{}: {}", m.metric.name(), simpson_summary(&m.check))
}

/// Simpson's paradox between the two models, metric by metric: a reversal in plain
/// words with the table that shows it, or why a metric cannot reverse.
fn write_simpson_md(out: &mut String, r: &ComparisonReport) -> std::fmt::Result {
    if r.simpson.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n## Simpson's paradox\n")?;
    for m in &r.simpson {
        writeln!(out, "### {}", m.metric.name())?;
        simpson_markdown(out, &m.check)?;
    }
    Ok(())
}

/// Each slice's differences (challenger − champion) with their paired intervals.
fn write_slices_md(out: &mut String, r: &ComparisonReport) -> std::fmt::Result {
    if r.slices.is_empty() {
        return Ok(());
    }
    let ci = percent(r.bootstrap.confidence);
    writeln!(
        out,
        "
## Slices
"
    )?;
    writeln!(
        out,
        "| slice | rows | metric | champion | challenger | difference | {ci} CI of the difference |\n|---|---:|---|---:|---:|---:|---|"
    )?;
    for s in &r.slices {
        if s.metrics.is_empty() {
            writeln!(
                out,
                "| {} | {} | – | | | | {} |",
                md_code(&s.name),
                s.rows,
                md_cell(&s.notes.join("; "))
            )?;
        }
        for m in &s.metrics {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                md_code(&s.name),
                s.rows,
                md_code(&m.name),
                metric(m.champion.estimate),
                metric(m.challenger.estimate),
                metric_difference(m.difference.estimate),
                difference_bounds(m.difference.lower, m.difference.upper)
            )?;
        }
    }
    Ok(())
}

/// Each defined difference as an interval row, coloured by the side of zero its
/// interval lies on.
fn difference_rows(metrics: &[MetricComparison]) -> Vec<IntervalRow<'_>> {
    metrics
        .iter()
        .filter_map(|m| {
            Some(IntervalRow {
                name: &m.name,
                estimate: m.difference.estimate.value()?,
                lower: m.difference.lower.value().unwrap_or(f64::NAN),
                upper: m.difference.upper.value().unwrap_or(f64::NAN),
                color: match side_of_zero(m) {
                    Some(true) => COLORS[2],
                    Some(false) => COLORS[1],
                    None => "#777",
                },
            })
        })
        .collect()
}

/// One slice's differences as a forest plot (the HTML export and the page draw it).
pub fn slice_difference_chart(r: &ComparisonReport, slice: &SliceComparison) -> Option<String> {
    let rows = difference_rows(&slice.metrics);
    (!rows.is_empty()).then(|| {
        interval_chart(
            &format!(
                "Slice {} ({} rows): challenger − champion, {} paired intervals",
                slice.name,
                slice.rows,
                percent(r.bootstrap.confidence)
            ),
            "difference (green: challenger better, red: worse)",
            &rows,
        )
    })
}

fn write_notes_md(out: &mut String, r: &ComparisonReport) -> std::fmt::Result {
    if !r.notes.is_empty() {
        writeln!(out, "\n## Notes\n")?;
        for n in &r.notes {
            writeln!(out, "- {}", md_cell(n))?;
        }
    }
    Ok(())
}

/// The report as one self-contained HTML page (no script, no external asset).
pub fn html(report: &ComparisonReport) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_html(&mut out, report);
    out
}

fn write_html(out: &mut String, r: &ComparisonReport) -> std::fmt::Result {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Lockstep: champion vs challenger</title>\n<style>{STYLE}</style>\n</head>\n<body>"
    )?;
    writeln!(
        out,
        "<h1>Champion vs challenger</h1>\n<p>{}</p>",
        esc(&summary(r))
    )?;
    let (class, verdict) = if r.verdict.accepted {
        ("pass", "ACCEPTED")
    } else {
        ("fail", "REJECTED")
    };
    writeln!(
        out,
        "<p>Verdict: <span class=\"{class}\">{verdict}</span> · {}</p>",
        esc(&r.verdict.summary)
    )?;
    writeln!(
        out,
        "<h2>Checks</h2>\n<table>\n<tr><th>check</th><th>result</th><th>reason</th></tr>"
    )?;
    for c in &r.checks {
        let (class, result) = if c.passed {
            ("pass", "pass")
        } else {
            ("fail", "fail")
        };
        writeln!(
            out,
            "<tr><td>{}</td><td class=\"{class}\">{result}</td><td class=\"text\">{}</td></tr>",
            esc(&check_name(c.kind, &c.metric, c.default)),
            esc(&c.reason)
        )?;
    }
    writeln!(out, "</table>")?;
    let ci = percent(r.bootstrap.confidence);
    writeln!(
        out,
        "<h2>Metrics</h2>\n<table>\n<tr><th>metric</th><th>champion</th><th>{ci} CI</th><th>challenger</th><th>{ci} CI</th><th>difference</th><th>{ci} CI</th></tr>"
    )?;
    for m in &r.metrics {
        writeln!(
            out,
            "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&m.name),
            if m.higher_is_better { "↑" } else { "↓" },
            esc(&metric(m.champion.estimate)),
            bounds(m.champion.lower, m.champion.upper),
            esc(&metric(m.challenger.estimate)),
            bounds(m.challenger.lower, m.challenger.upper),
            esc(&metric_difference(m.difference.estimate)),
            difference_bounds(m.difference.lower, m.difference.upper)
        )?;
    }
    writeln!(out, "</table>")?;
    writeln!(out, "<div class=\"plots\">")?;
    if let Some(svg) = roc_chart(r) {
        out.push_str(&svg);
    }
    if let Some(svg) = difference_chart(r) {
        out.push_str(&svg);
    }
    writeln!(out, "</div>")?;
    if let Some(t) = &r.mcnemar {
        writeln!(
            out,
            "<h2>McNemar's exact test</h2>\n<table>\n<tr><th></th><th>challenger right</th><th>challenger wrong</th></tr>\n<tr><td>champion right</td><td>{}</td><td>{}</td></tr>\n<tr><td>champion wrong</td><td>{}</td><td>{}</td></tr>\n</table>\n<p>statistic min(b, c) = {} · p-value {}</p>",
            t.both_correct,
            t.champion_only_correct,
            t.challenger_only_correct,
            t.both_wrong,
            t.statistic,
            p_value(t.p_value)
        )?;
    }
    if let Some(t) = &r.delong {
        writeln!(
            out,
            "<h2>DeLong's test (ROC-AUC)</h2>\n<p>champion {} · challenger {} · difference {} ({} CI {}) · standard error {} · p-value {}</p>",
            metric(Metric::Value(t.champion_auc)),
            metric(Metric::Value(t.challenger_auc)),
            metric_difference(Metric::Value(t.difference)),
            percent(t.confidence),
            difference_bounds(Metric::Value(t.lower), Metric::Value(t.upper)),
            metric_difference(Metric::Value(t.std_error)),
            p_value(t.p_value)
        )?;
    }
    if !r.delong_per_class.is_empty() {
        writeln!(out, "<h2>DeLong's test per class (one vs rest)</h2>\n<ul>")?;
        for c in &r.delong_per_class {
            writeln!(out, "<li>{}</li>", esc(&class_delong_line(c)))?;
        }
        writeln!(out, "</ul>")?;
    }
    if !r.slices.is_empty() {
        writeln!(out, "<h2>Slices</h2>\n<div class=\"plots\">")?;
        for slice in &r.slices {
            match slice_difference_chart(r, slice) {
                Some(svg) => out.push_str(&svg),
                None => writeln!(
                    out,
                    "<p>Slice {} ({} rows): {}</p>",
                    esc(&slice.name),
                    slice.rows,
                    esc(&slice.notes.join("; "))
                )?,
            }
        }
        writeln!(out, "</div>")?;
    }
    if !r.simpson.is_empty() {
        writeln!(out, "<h2>Simpson's paradox</h2>")?;
        for m in &r.simpson {
            writeln!(out, "<h3>{}</h3>", esc(m.metric.name()))?;
            simpson_html(out, &m.check, esc)?;
        }
    }
    if !r.notes.is_empty() {
        writeln!(out, "<h2>Notes</h2>\n<ul>")?;
        for n in &r.notes {
            writeln!(out, "<li>{}</li>", esc(n))?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(out, "</body>\n</html>")
}

/// Both models' ROC curves on one plot (binary, both with probabilities): what the
/// HTML export and the page's Compare cell draw.
pub fn roc_chart(r: &ComparisonReport) -> Option<String> {
    let roc = r.roc.as_ref()?;
    let name_a = format!(
        "champion {}, AUC {}",
        r.champion.name,
        metric(roc.champion.area)
    );
    let name_b = format!(
        "challenger {}, AUC {}",
        r.challenger.name,
        metric(roc.challenger.area)
    );
    let points = |c: &crate::report::types::CurveReport| {
        std::iter::once((0.0, 0.0))
            .chain(c.x.iter().copied().zip(c.y.iter().copied()))
            .collect()
    };
    Some(
        line_chart(&LineChart {
            title: "ROC curves".to_owned(),
            x_label: "false-positive rate".to_owned(),
            y_label: "true-positive rate".to_owned(),
            x_domain: (0.0, 1.0),
            y_domain: (0.0, 1.0),
            series: vec![
                Series::new(name_a, points(&roc.champion)),
                Series::new(name_b, points(&roc.challenger)),
            ],
            diagonal: true,
            marker: None,
        })
        .svg,
    )
}

/// Every metric's difference (challenger − champion) with its paired interval, green
/// where the challenger is better beyond doubt, red where worse: what the HTML export
/// and the page's Compare cell draw. `None` when no difference is defined.
pub fn difference_chart(r: &ComparisonReport) -> Option<String> {
    let rows = difference_rows(&r.metrics);
    (!rows.is_empty()).then(|| {
        interval_chart(
            &format!(
                "Challenger − champion, {} paired intervals",
                percent(r.bootstrap.confidence)
            ),
            "difference (green: challenger better, red: worse)",
            &rows,
        )
    })
}

/// JUnit XML: one test case per check, so CI shows each as passing or failing.
pub fn junit(report: &ComparisonReport) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_junit(&mut out, report);
    out
}

fn write_junit(out: &mut String, r: &ComparisonReport) -> std::fmt::Result {
    let tests = r.checks.len();
    let failures = r.checks.iter().filter(|c| !c.passed).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="lockstep compare" tests="{tests}" failures="{failures}">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="champion vs challenger" tests="{tests}" failures="{failures}">"#
    )?;
    writeln!(out, "    <properties>")?;
    let mut property = |name: &str, value: &str| {
        writeln!(
            out,
            r#"      <property name="{}" value="{}"/>"#,
            esc(name),
            esc(value)
        )
    };
    property("schema_version", &r.schema_version)?;
    property("verdict", &r.verdict.summary)?;
    property("champion", &r.champion.name)?;
    property("challenger", &r.challenger.name)?;
    if let Some(d) = &r.data_sha256 {
        property("data_sha256", d)?;
    }
    for (side, s) in [("champion", &r.champion), ("challenger", &r.challenger)] {
        if let Some(m) = &s.fingerprints.model_sha256 {
            property(&format!("{side}_model_sha256"), m)?;
        }
    }
    for c in &r.delong_per_class {
        property(&format!("delong_{}", c.class), &class_delong_line(c))?;
    }
    for m in &r.simpson {
        property(
            &format!("simpson_{}", m.metric.name().replace(' ', "_")),
            &simpson_line(m),
        )?;
        let reversals = m.check.reversals();
        for (i, f) in reversals.iter().enumerate() {
            property(
                &format!(
                    "simpson_{}_reversal_{}",
                    m.metric.name().replace(' ', "_"),
                    i + 1
                ),
                &f.message,
            )?;
        }
    }
    writeln!(out, "    </properties>")?;
    for c in &r.checks {
        let name = esc(&check_name(c.kind, &c.metric, c.default));
        if c.passed {
            writeln!(
                out,
                r#"    <testcase classname="lockstep.compare" name="{name}"/>"#
            )?;
        } else {
            writeln!(
                out,
                r#"    <testcase classname="lockstep.compare" name="{name}">"#
            )?;
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                kind_name(c.kind),
                esc(&c.reason),
                esc(&c.reason)
            )?;
            writeln!(out, "    </testcase>")?;
        }
    }
    writeln!(out, "  </testsuite>\n</testsuites>")
}
