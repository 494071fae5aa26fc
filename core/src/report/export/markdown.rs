//! Markdown for a CI job summary: the verdict, the metrics with their intervals
//! and baselines, the contract lines, reliability bins, calibration and the split.

use std::fmt::Write;

use super::format::{
    ProvenanceValue, interval, md_cell, metric, metric_short, number, percent, provenance,
    split_sentence, summary,
};
use super::tables;
use crate::metrics::calibration::BinStrategy;
use crate::report::contract::LineStatus;
use crate::report::types::{BaselineKind, EvalReport, ReliabilityReport};

/// The report as Markdown.
pub fn markdown(report: &EvalReport) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_report(&mut out, report);
    out
}

fn status_text(status: LineStatus) -> &'static str {
    match status {
        LineStatus::Pass => "✅ pass",
        LineStatus::Fail => "❌ fail",
        LineStatus::Undefined => "❌ undefined",
        LineStatus::NotComputed => "❌ not computed",
        LineStatus::NotMeasured => "❌ not measured",
    }
}

fn write_report(out: &mut String, report: &EvalReport) -> std::fmt::Result {
    writeln!(out, "# Evaluation report\n")?;
    writeln!(out, "{}\n", md_cell(&summary(report)))?;
    if let Some(contract) = &report.contract {
        let verdict = if contract.passed {
            "✅ **PASS**"
        } else {
            "❌ **FAIL**"
        };
        let failed = contract.lines.iter().filter(|l| !l.passed).count();
        writeln!(
            out,
            "**Contract:** {verdict} ({} of {} lines pass) · optimizing {}\n",
            contract.lines.len() - failed,
            contract.lines.len(),
            md_cell(&contract.optimizing.reason)
        )?;
    }

    let kinds: Vec<BaselineKind> = report.baselines.iter().map(|b| b.baseline).collect();
    writeln!(out, "## Metrics\n")?;
    write!(
        out,
        "| metric | value | {} CI |",
        percent(report.bootstrap.confidence)
    )?;
    for k in &kinds {
        write!(out, " {} |", k.label())?;
    }
    write!(out, "\n|---|---:|---|")?;
    for _ in &kinds {
        write!(out, "---:|")?;
    }
    writeln!(out)?;
    for row in &report.metrics {
        let arrow = if row.higher_is_better { "↑" } else { "↓" };
        write!(
            out,
            "| {} {arrow} | {} | {} |",
            md_cell(&row.name),
            md_cell(&metric(row.estimate)),
            interval(row)
        )?;
        for k in &kinds {
            let value = row
                .baselines
                .iter()
                .find(|b| b.baseline == *k)
                .map_or("".to_owned(), |b| metric_short(b.value));
            write!(out, " {value} |")?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "\nIntervals: percentile bootstrap, {} replicates, seed {}.\n",
        report.bootstrap.replicates, report.bootstrap.seed
    )?;

    writeln!(out, "### Baselines\n")?;
    for b in &report.baselines {
        writeln!(
            out,
            "- **{}**: {}",
            b.baseline.label(),
            md_cell(&b.description)
        )?;
    }
    writeln!(out)?;

    if let Some(contract) = &report.contract {
        writeln!(out, "## Metric contract\n")?;
        writeln!(
            out,
            "| line | value | status | reason |\n|---|---:|---|---|"
        )?;
        for line in &contract.lines {
            writeln!(
                out,
                "| `{} {} {}` | {} | {} | {} |",
                md_cell(&line.metric),
                line.op.symbol(),
                line.threshold,
                line.value.map_or("–".to_owned(), number),
                status_text(line.status),
                md_cell(&line.reason)
            )?;
        }
        writeln!(out)?;
    }
    if let Some(b) = &report.behaviour {
        super::behaviour::markdown(out, b)?;
    }

    if !report.threshold_targets.is_empty() {
        writeln!(out, "## Threshold targets\n")?;
        tables::threshold_targets(report).markdown(out);
        writeln!(out)?;
    }

    let diagrams: Vec<&ReliabilityReport> = [&report.reliability, &report.reliability_equal_mass]
        .into_iter()
        .flatten()
        .collect();
    if !diagrams.is_empty() {
        writeln!(out, "## Reliability\n")?;
        for r in diagrams {
            let (title, what) = (
                match r.strategy {
                    BinStrategy::EqualWidth => "Equal-width bins",
                    BinStrategy::EqualMass => "Equal-mass bins",
                },
                if r.probability == "top_label_confidence" {
                    "top-label confidence"
                } else {
                    "positive-class probability"
                },
            );
            writeln!(
                out,
                "**{title}** of the {what}, all rows: ECE {}, MCE {}.\n",
                metric_short(r.ece),
                metric_short(r.mce)
            )?;
            tables::reliability_bins(r).markdown(out);
            writeln!(out)?;
        }
    }

    if let Some(c) = &report.calibration {
        writeln!(
            out,
            "## Calibration\n\nFitted on the eyeball part ({} rows), reported on the blackbox part ({} rows).\n",
            c.fit_rows, c.report_rows
        )?;
        tables::calibration(c).markdown(out);
        writeln!(out)?;
    }

    if !report.per_class.is_empty() {
        writeln!(out, "## Per class\n")?;
        tables::per_class(report).markdown(out);
        writeln!(out)?;
    }

    if let Some(confusion) = &report.confusion {
        writeln!(out, "## Confusion matrix\n")?;
        tables::confusion(confusion).markdown(out);
        writeln!(out)?;
    }

    writeln!(
        out,
        "## Split\n\n{}\n",
        split_sentence(report, |k| format!("`{}`", md_cell(k)))
    )?;

    writeln!(out, "## Provenance\n")?;
    writeln!(out, "| item | value |\n|---|---|")?;
    for (name, value) in provenance(report) {
        let value = match value {
            ProvenanceValue::Code(Some(v)) => format!("`{v}`"),
            ProvenanceValue::Code(None) => "–".to_owned(),
            ProvenanceValue::Text(t) => md_cell(&t),
        };
        writeln!(out, "| {name} | {value} |")?;
    }

    if let Some(slices) = &report.slices {
        super::slices::markdown(out, slices)?;
    }
    if !report.notes.is_empty() {
        writeln!(out, "\n## Notes\n")?;
        for n in &report.notes {
            writeln!(out, "- {}", md_cell(n))?;
        }
    }
    Ok(())
}
