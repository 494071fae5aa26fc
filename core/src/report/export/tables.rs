//! The report's tables that the Markdown and HTML exports show alike, built once as
//! [`ExportTable`]s: threshold targets, reliability bins, calibration, per-class
//! metrics and the confusion matrix. Each export adds its own headings and prose.

use super::format::{Align, Cell, ExportTable, metric_short, number};
use crate::report::types::{
    CalibrationReport, ConfusionReport, EvalReport, ReliabilityReport, TargetKind,
};

/// One row per threshold target: the threshold that reaches it, or "not reached".
pub(super) fn threshold_targets(report: &EvalReport) -> ExportTable {
    let mut table = ExportTable::new([
        ("target", Align::Left),
        ("threshold", Align::Right),
        ("coverage", Align::Right),
        ("precision", Align::Right),
        ("recall", Align::Right),
    ]);
    for t in &report.threshold_targets {
        let name = match t.target {
            TargetKind::Precision => "precision",
            TargetKind::Coverage => "coverage",
        };
        let target = Cell::text(format!("{name} ≥ {}", number(t.goal)));
        match &t.point {
            Some(p) => table.row([
                target,
                Cell::text(number(p.threshold)),
                Cell::text(number(p.coverage)),
                Cell::text(metric_short(p.precision)),
                Cell::text(metric_short(p.recall)),
            ]),
            None => table.row([target, Cell::Span("not reached".into(), 4)]),
        }
    }
    table
}

/// One reliability diagram's bins.
pub(super) fn reliability_bins(r: &ReliabilityReport) -> ExportTable {
    let mut table = ExportTable::new([
        ("bin", Align::Left),
        ("rows", Align::Right),
        ("mean predicted", Align::Right),
        ("observed", Align::Right),
    ]);
    for b in &r.bins {
        table.row([
            Cell::text(format!("[{:.4}, {:.4}]", b.lower, b.upper)),
            Cell::text(b.count.to_string()),
            Cell::text(metric_short(b.mean_predicted)),
            Cell::text(metric_short(b.observed_frequency)),
        ]);
    }
    table
}

/// ECE, MCE and Brier score before calibration and after each method.
pub(super) fn calibration(c: &CalibrationReport) -> ExportTable {
    let mut table = ExportTable::new([
        ("scores", Align::Left),
        ("ECE", Align::Right),
        ("MCE", Align::Right),
        ("Brier", Align::Right),
    ]);
    table.row([
        Cell::text("before"),
        Cell::text(metric_short(c.before.ece)),
        Cell::text(metric_short(c.before.mce)),
        Cell::text(metric_short(c.brier_before)),
    ]);
    for m in &c.methods {
        table.row([
            Cell::text(m.method.clone()),
            Cell::text(metric_short(m.after.ece)),
            Cell::text(metric_short(m.after.mce)),
            Cell::text(metric_short(m.brier_after)),
        ]);
    }
    table
}

/// Support, predictions and one-vs-rest metrics of each class.
pub(super) fn per_class(report: &EvalReport) -> ExportTable {
    let mut table = ExportTable::new([
        ("class", Align::Left),
        ("support", Align::Right),
        ("predicted", Align::Right),
        ("precision", Align::Right),
        ("recall", Align::Right),
        ("F1", Align::Right),
        ("ROC-AUC", Align::Right),
    ]);
    for c in &report.per_class {
        table.row([
            Cell::text(c.class.clone()),
            Cell::text(c.support.to_string()),
            Cell::text(c.predicted.to_string()),
            Cell::text(metric_short(c.precision)),
            Cell::text(metric_short(c.recall)),
            Cell::text(metric_short(c.f1)),
            Cell::text(c.roc_auc.map_or(String::new(), metric_short)),
        ]);
    }
    table
}

/// Counts by actual class (rows) and predicted class (columns).
pub(super) fn confusion(confusion: &ConfusionReport) -> ExportTable {
    let mut table = ExportTable::new(
        std::iter::once(("actual \\ predicted".to_owned(), Align::Left))
            .chain(confusion.classes.iter().map(|c| (c.clone(), Align::Right))),
    );
    for (c, row) in confusion.classes.iter().zip(&confusion.counts) {
        table.row(
            std::iter::once(Cell::text(c.clone()))
                .chain(row.iter().map(|n| Cell::text(n.to_string()))),
        );
    }
    table
}
