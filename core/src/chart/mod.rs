//! Charts as SVG text: the one chart module behind the HTML export and the page.
//!
//! Pure functions, data in and SVG string out ([`Chart::svg`]), with the geometry
//! alongside ([`Chart::x`], [`Chart::y`]: [`Scale`]s between data values and SVG
//! user units) so that a page can turn a pointer position into a value — e.g. drag
//! the threshold sweep's chosen-threshold marker ([`threshold_sweep`]). The same
//! scales are written on the `<svg>` element as `data-x-domain` / `data-x-range`
//! (and `y`) for script that only has the markup.
//!
//! * [`roc`], [`precision_recall`]: one curve from a report's [`CurveReport`];
//! * [`reliability`]: reliability diagrams (equal-width and equal-mass bins, or
//!   recalibrated ones) with the diagonal of perfect calibration;
//! * [`confusion_matrix`]: a heatmap, rows = actual class, shaded by row share;
//! * [`threshold_sweep`]: precision, recall and coverage against the threshold,
//!   with an optional chosen-threshold marker (`role="slider"`);
//! * [`learning_curve`]: training and dev error against the training-set size (log₂);
//! * [`line_chart`]: the general line chart they are built on.
//!
//! Accessibility: the `<svg>` has `role="img"` and an `aria-label`; every hover
//! point and heatmap cell is focusable (`tabindex="0"`) with an `aria-label`, and
//! shows its values on hover through a `<title>`. Themes: elements carry classes
//! (`ls-chart`, `ls-s0`…`ls-s3`, `ls-grid`, `ls-axis`…) and presentation attributes
//! with the light theme's colours; text and axes use `currentColor`. [`STYLESHEET`]
//! maps the classes to CSS custom properties (`--ls-series-0`…, `--ls-grid`,
//! `--ls-cell`) with light defaults and dark ones under `prefers-color-scheme: dark`;
//! the HTML export inlines it, the page links it from its own CSS (presentation
//! attributes and classes need no inline style, so a strict CSP holds).
//!
//! Size: a line is decimated to the points that move it by at least half a user unit
//! ([`decimate`]), so a million-point curve becomes at most a few hundred vertices;
//! at most [`HOVER_POINTS`] points per series get a focusable marker.

use std::fmt::Write;

use serde::Serialize;

use crate::metrics::Metric;
use crate::report::export::format::xml_escape as esc;
use crate::report::types::{ConfusionReport, CurveReport, ReliabilityReport, SweepReport};

/// Width of every chart, in SVG user units.
pub const WIDTH: f64 = 360.0;
const LEFT: f64 = 52.0;
const TOP: f64 = 30.0;
const PLOT: f64 = 280.0;
const LEGEND_ROW: f64 = 16.0;
/// Focusable hover markers per series, at most.
pub const HOVER_POINTS: usize = 40;
/// The light theme's series colours (the presentation-attribute fallbacks).
pub const COLORS: [&str; 4] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"];

/// Light and dark themes for every chart, keyed on the classes the charts carry.
pub const STYLESHEET: &str = ".ls-chart{--ls-series-0:#1f77b4;--ls-series-1:#d62728;\
--ls-series-2:#2ca02c;--ls-series-3:#ff7f0e;--ls-grid:#ddd;--ls-cell:#1f77b4;--ls-focus:#000;\
color:var(--ls-fg,#222)}\
@media (prefers-color-scheme:dark){.ls-chart{--ls-series-0:#6cb4ee;--ls-series-1:#ff7b7b;\
--ls-series-2:#6fdc6f;--ls-series-3:#ffb35c;--ls-grid:#444;--ls-cell:#6cb4ee;--ls-focus:#fff;\
color:var(--ls-fg,#e6e6e6)}}\
.ls-chart .ls-s0{stroke:var(--ls-series-0);fill:var(--ls-series-0)}\
.ls-chart .ls-s1{stroke:var(--ls-series-1);fill:var(--ls-series-1)}\
.ls-chart .ls-s2{stroke:var(--ls-series-2);fill:var(--ls-series-2)}\
.ls-chart .ls-s3{stroke:var(--ls-series-3);fill:var(--ls-series-3)}\
.ls-chart polyline,.ls-chart polyline[class]{fill:none}.ls-chart .ls-grid{stroke:var(--ls-grid)}\
.ls-chart .ls-cell{fill:var(--ls-cell)}\
.ls-chart [tabindex]:focus{outline:none;stroke:var(--ls-focus);stroke-width:2}\
.ls-chart .ls-hover{fill-opacity:0}.ls-chart .ls-hover:hover,.ls-chart .ls-hover:focus{fill-opacity:1}\
.ls-chart .ls-marker{cursor:ew-resize}";

/// A linear map between a data interval (`domain`) and SVG user units (`range`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scale {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Scale {
    /// The user-unit position of `value` (clamped to the domain).
    pub fn to_px(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        let t = if d1 == d0 {
            0.0
        } else {
            (value - d0) / (d1 - d0)
        };
        r0 + t.clamp(0.0, 1.0) * (r1 - r0)
    }

    /// The value at user-unit position `px` (clamped to the domain): how a page turns a
    /// pointer's x (in the SVG's user units) into a threshold.
    pub fn from_px(&self, px: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        let t = if r1 == r0 { 0.0 } else { (px - r0) / (r1 - r0) };
        d0 + t.clamp(0.0, 1.0) * (d1 - d0)
    }
}

/// An SVG chart and its geometry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    pub svg: String,
    pub x: Scale,
    pub y: Scale,
}

/// One line of a [`line_chart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// A dot at every point (sparse data such as reliability bins), all focusable.
    pub markers: bool,
    /// What each point's hover text says, after the series name: `None` gives
    /// `x_label x, y_label y`.
    pub labels: Option<Vec<String>>,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            markers: false,
            labels: None,
        }
    }
}

/// What a [`line_chart`] draws.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_domain: (f64, f64),
    pub y_domain: (f64, f64),
    pub series: Vec<Series>,
    /// A dashed diagonal from the domain's lower-left to its upper-right corner.
    pub diagonal: bool,
    /// A draggable vertical marker at this x (the chosen threshold).
    pub marker: Option<f64>,
}

fn scales(x_domain: (f64, f64), y_domain: (f64, f64)) -> (Scale, Scale) {
    (
        Scale {
            domain: x_domain,
            range: (LEFT, LEFT + PLOT),
        },
        Scale {
            domain: y_domain,
            range: (TOP + PLOT, TOP),
        },
    )
}

/// A short number for labels: up to 4 significant decimals, no trailing zeros.
pub fn short(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// Keeps the first and last points and every point that moves the line by at least
/// half a user unit from the last kept one (in `x` and `y`'s user units).
pub fn decimate(points: &[(f64, f64)], x: &Scale, y: &Scale) -> Vec<usize> {
    let mut kept = Vec::new();
    let mut last: Option<(f64, f64)> = None;
    for (i, &(px, py)) in points.iter().enumerate() {
        let p = (x.to_px(px), y.to_px(py));
        let far =
            last.is_none_or(|l: (f64, f64)| (p.0 - l.0).abs() >= 0.5 || (p.1 - l.1).abs() >= 0.5);
        if far || i + 1 == points.len() {
            kept.push(i);
            last = Some(p);
        }
    }
    kept
}

fn open_svg(
    out: &mut String,
    title: &str,
    height: f64,
    x: &Scale,
    y: &Scale,
    kind: &str,
) -> std::fmt::Result {
    writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="ls-chart ls-{kind}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{}" data-x-domain="{} {}" data-x-range="{} {}" data-y-domain="{} {}" data-y-range="{} {}" fill="currentColor" font-family="system-ui,sans-serif">"#,
        esc(title),
        x.domain.0,
        x.domain.1,
        x.range.0,
        x.range.1,
        y.domain.0,
        y.domain.1,
        y.range.0,
        y.range.1
    )?;
    writeln!(out, "<title>{}</title>", esc(title))?;
    writeln!(
        out,
        r#"<text x="{}" y="18" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"#,
        LEFT + PLOT / 2.0,
        esc(title)
    )
}

fn axes(out: &mut String, x: &Scale, y: &Scale, x_label: &str, y_label: &str) -> std::fmt::Result {
    for i in 0..=4 {
        let t = f64::from(i) / 4.0;
        let xv = x.domain.0 + t * (x.domain.1 - x.domain.0);
        let yv = y.domain.0 + t * (y.domain.1 - y.domain.0);
        let (px, py) = (x.to_px(xv), y.to_px(yv));
        writeln!(
            out,
            r##"<line class="ls-grid" x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#ddd"/><line class="ls-grid" x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#ddd"/>"##,
            TOP + PLOT,
            LEFT + PLOT
        )?;
        writeln!(
            out,
            r#"<text class="ls-tick" x="{px:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text><text class="ls-tick" x="{:.1}" y="{:.1}" text-anchor="end" font-size="10">{}</text>"#,
            TOP + PLOT + 14.0,
            short(xv),
            LEFT - 4.0,
            py + 3.0,
            short(yv)
        )?;
    }
    writeln!(
        out,
        r#"<rect class="ls-axis" x="{LEFT}" y="{TOP}" width="{PLOT}" height="{PLOT}" fill="none" stroke="currentColor"/>"#
    )?;
    writeln!(
        out,
        r#"<text class="ls-axis-label" x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"#,
        LEFT + PLOT / 2.0,
        TOP + PLOT + 30.0,
        esc(x_label)
    )?;
    writeln!(
        out,
        r#"<text class="ls-axis-label" x="12" y="{:.1}" text-anchor="middle" font-size="11" transform="rotate(-90 12 {:.1})">{}</text>"#,
        TOP + PLOT / 2.0,
        TOP + PLOT / 2.0,
        esc(y_label)
    )
}

/// A line chart: axes with ticks and labels, a grid, one polyline per series
/// (decimated), focusable hover points, an optional diagonal and chosen-x marker,
/// and a legend below.
pub fn line_chart(spec: &LineChart) -> Chart {
    let (x, y) = scales(spec.x_domain, spec.y_domain);
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_line_chart(&mut out, spec, &x, &y);
    Chart { svg: out, x, y }
}

fn write_line_chart(out: &mut String, spec: &LineChart, x: &Scale, y: &Scale) -> std::fmt::Result {
    let height = TOP + PLOT + 44.0 + LEGEND_ROW * spec.series.len() as f64;
    open_svg(out, &spec.title, height, x, y, "line")?;
    axes(out, x, y, &spec.x_label, &spec.y_label)?;
    if spec.diagonal {
        writeln!(
            out,
            r##"<line class="ls-diagonal" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 3"/>"##,
            x.range.0, y.range.0, x.range.1, y.range.1
        )?;
    }
    for (i, s) in spec.series.iter().enumerate() {
        let class = format!("ls-s{}", i % COLORS.len());
        let color = COLORS[i % COLORS.len()];
        if s.points.is_empty() {
            continue;
        }
        let kept = decimate(&s.points, x, y);
        let path: Vec<String> = kept
            .iter()
            .map(|&k| {
                let (px, py) = s.points[k];
                format!("{:.1},{:.1}", x.to_px(px), y.to_px(py))
            })
            .collect();
        writeln!(
            out,
            r#"<polyline class="ls-line {class}" fill="none" stroke="{color}" stroke-width="1.8" points="{}"/>"#,
            path.join(" ")
        )?;
        // Hover points: every marker, or an even pick of the kept vertices.
        let hover: Vec<usize> = if s.markers {
            (0..s.points.len()).collect()
        } else {
            let step = kept.len().div_ceil(HOVER_POINTS).max(1);
            let mut picks: Vec<usize> = kept.iter().copied().step_by(step).collect();
            if let Some(&last) = kept.last()
                && picks.last() != Some(&last)
            {
                picks.push(last);
            }
            picks
        };
        for k in hover {
            let (px, py) = s.points[k];
            let text = match s.labels.as_ref().and_then(|l| l.get(k)) {
                Some(label) => format!("{}: {label}", s.name),
                None => format!(
                    "{}: {} {}, {} {}",
                    s.name,
                    spec.x_label,
                    short(px),
                    spec.y_label,
                    short(py)
                ),
            };
            let hover_class = if s.markers { "" } else { " ls-hover" };
            writeln!(
                out,
                r#"<circle class="ls-point {class}{hover_class}" cx="{:.1}" cy="{:.1}" r="{}" fill="{color}" tabindex="0" aria-label="{}"><title>{}</title></circle>"#,
                x.to_px(px),
                y.to_px(py),
                if s.markers { 2.8 } else { 3.5 },
                esc(&text),
                esc(&text)
            )?;
        }
    }
    if let Some(m) = spec.marker {
        let px = x.to_px(m);
        let label = format!("chosen {} {}", spec.x_label, short(m));
        writeln!(
            out,
            r#"<g class="ls-marker" data-value="{m}"><line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="currentColor" stroke-width="1.5" stroke-dasharray="6 3"/><circle cx="{px:.1}" cy="{TOP}" r="6" fill="currentColor" tabindex="0" role="slider" aria-label="{}" aria-valuemin="{}" aria-valuemax="{}" aria-valuenow="{m}"><title>{}</title></circle></g>"#,
            TOP + PLOT,
            esc(&label),
            x.domain.0,
            x.domain.1,
            esc(&label)
        )?;
    }
    for (i, s) in spec.series.iter().enumerate() {
        let ly = TOP + PLOT + 48.0 + LEGEND_ROW * i as f64;
        let class = format!("ls-s{}", i % COLORS.len());
        writeln!(
            out,
            r#"<line class="{class}" x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="3"/><text x="{:.1}" y="{ly:.1}" font-size="11">{}</text>"#,
            ly - 4.0,
            LEFT + 18.0,
            ly - 4.0,
            COLORS[i % COLORS.len()],
            LEFT + 24.0,
            esc(&s.name)
        )?;
    }
    writeln!(out, "</svg>")
}

fn metric_text(m: Metric) -> String {
    m.value().map_or_else(|| "undefined".to_owned(), short)
}

/// Hover labels of a curve's points with their thresholds.
fn curve_labels(curve: &CurveReport, x_name: &str, y_name: &str, start: bool) -> Vec<String> {
    let mut out = Vec::with_capacity(curve.x.len() + 1);
    if start {
        out.push(format!(
            "{x_name} 0, {y_name} 0 (no row predicted positive)"
        ));
    }
    for ((&x, &y), t) in curve.x.iter().zip(&curve.y).zip(
        curve
            .thresholds
            .iter()
            .map(Some)
            .chain(std::iter::repeat(None)),
    ) {
        out.push(match t {
            Some(t) => format!(
                "{x_name} {}, {y_name} {}, threshold {}",
                short(x),
                short(y),
                short(*t)
            ),
            None => format!("{x_name} {}, {y_name} {}", short(x), short(y)),
        });
    }
    out
}

/// The ROC curve (from (0, 0)) with the chance diagonal.
pub fn roc(curve: &CurveReport) -> Chart {
    let mut points = vec![(0.0, 0.0)];
    points.extend(curve.x.iter().copied().zip(curve.y.iter().copied()));
    let mut series = Series::new(format!("AUC {}", metric_text(curve.area)), points);
    series.labels = Some(curve_labels(curve, "FPR", "TPR", true));
    line_chart(&LineChart {
        title: "ROC".into(),
        x_label: "false-positive rate".into(),
        y_label: "true-positive rate".into(),
        x_domain: (0.0, 1.0),
        y_domain: (0.0, 1.0),
        series: vec![series],
        diagonal: true,
        marker: None,
    })
}

/// The precision–recall curve.
pub fn precision_recall(curve: &CurveReport) -> Chart {
    let points = curve
        .x
        .iter()
        .copied()
        .zip(curve.y.iter().copied())
        .collect();
    let mut series = Series::new(format!("AP {}", metric_text(curve.area)), points);
    series.labels = Some(curve_labels(curve, "recall", "precision", false));
    line_chart(&LineChart {
        title: "Precision–recall".into(),
        x_label: "recall".into(),
        y_label: "precision".into(),
        x_domain: (0.0, 1.0),
        y_domain: (0.0, 1.0),
        series: vec![series],
        diagonal: false,
        marker: None,
    })
}

/// Reliability diagrams, one series per `(name, diagram)`: each bin with rows at
/// (mean predicted, observed frequency), with the diagonal of perfect calibration.
pub fn reliability(title: &str, x_label: &str, diagrams: &[(String, &ReliabilityReport)]) -> Chart {
    let series = diagrams
        .iter()
        .map(|(name, r)| {
            let (points, labels) = r
                .bins
                .iter()
                .filter_map(|b| {
                    let (m, o) = (b.mean_predicted.value()?, b.observed_frequency.value()?);
                    let label = format!(
                        "bin [{}, {}], {} rows, mean predicted {}, observed {}",
                        short(b.lower),
                        short(b.upper),
                        b.count,
                        short(m),
                        short(o)
                    );
                    Some(((m, o), label))
                })
                .unzip();
            Series {
                name: name.clone(),
                points,
                markers: true,
                labels: Some(labels),
            }
        })
        .collect();
    line_chart(&LineChart {
        title: title.into(),
        x_label: x_label.into(),
        y_label: "observed frequency".into(),
        x_domain: (0.0, 1.0),
        y_domain: (0.0, 1.0),
        series,
        diagonal: true,
        marker: None,
    })
}

/// Precision (or accuracy of the answered rows), recall and coverage against the
/// threshold, highest threshold first in the data; `chosen` draws the draggable
/// marker. The x domain spans the thresholds and `[0, 1]`.
pub fn threshold_sweep(sweep: &SweepReport, chosen: Option<f64>) -> Chart {
    let confidence = sweep.kind == "confidence";
    let (x_label, precision_name) = if confidence {
        ("confidence threshold", "accuracy of answered")
    } else {
        ("threshold", "precision")
    };
    let (lo, hi) = sweep
        .points
        .iter()
        .map(|p| p.threshold)
        .chain(chosen)
        .filter(|t| t.is_finite())
        .fold((0.0f64, 1.0f64), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let series_of = |name: &str, get: &dyn Fn(&crate::report::types::SweepRow) -> Option<f64>| {
        let (points, labels): (Vec<(f64, f64)>, Vec<String>) = sweep
            .points
            .iter()
            .filter_map(|p| {
                let v = get(p)?;
                Some((
                    (p.threshold, v),
                    format!("threshold {}, {name} {}", short(p.threshold), short(v)),
                ))
            })
            .unzip();
        Series {
            name: name.to_owned(),
            points,
            markers: false,
            labels: Some(labels),
        }
    };
    line_chart(&LineChart {
        title: "Threshold sweep".into(),
        x_label: x_label.into(),
        y_label: "value".into(),
        x_domain: (lo, hi),
        y_domain: (0.0, 1.0),
        series: vec![
            series_of(precision_name, &|p| p.precision.value()),
            series_of("recall", &|p| p.recall.value()),
            series_of("coverage", &|p| Some(p.coverage)),
        ],
        diagonal: false,
        marker: chosen.filter(|t| t.is_finite()),
    })
}

/// The confusion matrix as a heatmap: rows are actual classes, columns predicted
/// ones; a cell's shade is its share of the row, its text the count. Every cell is
/// focusable and says its counts.
pub fn confusion_matrix(confusion: &ConfusionReport) -> Chart {
    let k = confusion.classes.len().max(1);
    let cell = (PLOT / k as f64).min(70.0);
    let side = cell * k as f64;
    let left = LEFT + 40.0;
    let top = TOP + 20.0;
    let x = Scale {
        domain: (0.0, k as f64),
        range: (left, left + side),
    };
    let y = Scale {
        domain: (0.0, k as f64),
        range: (top, top + side),
    };
    let mut out = String::new();
    let _ = write_confusion(&mut out, confusion, &x, &y, cell);
    Chart { svg: out, x, y }
}

fn write_confusion(
    out: &mut String,
    confusion: &ConfusionReport,
    x: &Scale,
    y: &Scale,
    cell: f64,
) -> std::fmt::Result {
    let k = confusion.classes.len();
    let (left, top) = (x.range.0, y.range.0);
    let side = cell * k as f64;
    let height = top + side + 40.0;
    open_svg(out, "Confusion matrix", height, x, y, "confusion")?;
    writeln!(
        out,
        r#"<text class="ls-axis-label" x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">predicted</text>"#,
        left + side / 2.0,
        top - 8.0
    )?;
    writeln!(
        out,
        r#"<text class="ls-axis-label" x="12" y="{:.1}" text-anchor="middle" font-size="11" transform="rotate(-90 12 {:.1})">actual</text>"#,
        top + side / 2.0,
        top + side / 2.0
    )?;
    let font = (cell / 4.0).clamp(7.0, 12.0);
    for (c, name) in confusion.classes.iter().enumerate() {
        let mid = c as f64 * cell + cell / 2.0;
        writeln!(
            out,
            r#"<text class="ls-tick" x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{font:.0}">{}</text><text class="ls-tick" x="{:.1}" y="{:.1}" text-anchor="end" font-size="{font:.0}">{}</text>"#,
            left + mid,
            top + side + 14.0,
            esc(name),
            left - 4.0,
            top + mid + 3.0,
            esc(name)
        )?;
    }
    for (a, (actual, row)) in confusion.classes.iter().zip(&confusion.counts).enumerate() {
        let total: u64 = row.iter().sum();
        for (p, (predicted, &n)) in confusion.classes.iter().zip(row).enumerate() {
            let share = if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            };
            let label = format!(
                "actual {actual}, predicted {predicted}: {n} rows ({}% of actual {actual})",
                short(share * 100.0)
            );
            let (cx, cy) = (left + p as f64 * cell, top + a as f64 * cell);
            writeln!(
                out,
                r##"<g class="ls-cell-group" tabindex="0" aria-label="{}"><title>{}</title><rect class="ls-cell" x="{cx:.1}" y="{cy:.1}" width="{cell:.1}" height="{cell:.1}" fill="#1f77b4" fill-opacity="{:.3}"/><rect x="{cx:.1}" y="{cy:.1}" width="{cell:.1}" height="{cell:.1}" fill="none" stroke="currentColor" stroke-opacity="0.3"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{font:.0}">{n}</text></g>"##,
                esc(&label),
                esc(&label),
                0.08 + 0.82 * share,
                cx + cell / 2.0,
                cy + cell / 2.0 + font / 3.0
            )?;
        }
    }
    writeln!(out, "</svg>")
}

/// Learning curves: training and dev error against the training-set size, on a
/// log₂ axis (each tick one doubling; hover and focus give the size itself). `points`
/// are `(size, train error, dev error)` with size > 0, in any order; points with a
/// size that is not positive and finite are left out. The y axis runs from 0 to the
/// largest error (at least 0.05) with a little headroom.
pub fn learning_curve(points: &[(f64, f64, f64)]) -> Chart {
    let mut kept: Vec<(f64, f64, f64)> = points
        .iter()
        .copied()
        .filter(|(n, _, _)| n.is_finite() && *n > 0.0)
        .collect();
    kept.sort_by(|a, b| a.0.total_cmp(&b.0));
    let log = |n: f64| n.log2();
    let (x_lo, x_hi) = match (kept.first(), kept.last()) {
        (Some(a), Some(b)) if b.0 > a.0 => (log(a.0).floor(), log(b.0).ceil()),
        (Some(a), _) => (log(a.0).floor() - 1.0, log(a.0).ceil() + 1.0),
        _ => (0.0, 1.0),
    };
    let top = kept
        .iter()
        .flat_map(|&(_, t, d)| [t, d])
        .filter(|v| v.is_finite())
        .fold(0.05f64, f64::max);
    let series = |name: &str, pick: fn(&(f64, f64, f64)) -> f64| {
        let mut s = Series::new(
            name,
            kept.iter()
                .filter(|p| pick(p).is_finite())
                .map(|p| (log(p.0), pick(p)))
                .collect(),
        );
        s.markers = true;
        s.labels = Some(
            kept.iter()
                .filter(|p| pick(p).is_finite())
                .map(|p| format!("size {}, error {}", short(p.0), short(pick(p))))
                .collect(),
        );
        s
    };
    line_chart(&LineChart {
        title: "Learning curves".into(),
        x_label: "training-set size (log2)".into(),
        y_label: "error".into(),
        x_domain: (x_lo, x_hi),
        y_domain: (0.0, (top * 1.1 * 100.0).ceil() / 100.0),
        series: vec![
            series("training error", |p| p.1),
            series("dev error", |p| p.2),
        ],
        diagonal: false,
        marker: None,
    })
}

/// One row of an [`interval_chart`]: a point estimate and its interval.
pub struct IntervalRow<'a> {
    pub name: &'a str,
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    /// The row's colour (the caller's: e.g. by which side of zero the interval lies).
    pub color: &'a str,
}

const INTERVAL_ROW: f64 = 22.0;
const INTERVAL_LABEL: f64 = 170.0;

/// A forest plot: one row per estimate with its interval as a bar, on a common
/// horizontal axis symmetric around a dashed zero line (differences of metrics).
pub fn interval_chart(title: &str, axis_label: &str, rows: &[IntervalRow<'_>]) -> String {
    let extent = rows
        .iter()
        .flat_map(|r| [r.estimate, r.lower, r.upper])
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let extent = if extent > 0.0 { extent * 1.1 } else { 1.0 };
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_interval_chart(
        &mut out,
        &Forest {
            title,
            axis_label,
            rows,
            domain: (-extent, extent),
            reference: 0.0,
            tick: crate::report::export::format::difference,
            hover: false,
        },
    );
    out
}

/// A forest plot of estimates (a metric per slice) on the axis from the smallest lower
/// bound to the largest upper bound, with a dashed line at `reference` (the metric on
/// every row); each row names its value and interval on hover and keyboard focus.
pub fn estimate_chart(
    title: &str,
    axis_label: &str,
    rows: &[IntervalRow<'_>],
    reference: f64,
) -> String {
    let (lo, hi) = rows
        .iter()
        .flat_map(|r| [r.estimate, r.lower, r.upper])
        .chain([reference])
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let (lo, hi) = if lo.is_finite() && hi > lo {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    } else if lo.is_finite() {
        (lo - 0.5, lo + 0.5)
    } else {
        (0.0, 1.0)
    };
    let mut out = String::new();
    let _ = write_interval_chart(
        &mut out,
        &Forest {
            title,
            axis_label,
            rows,
            domain: (lo, hi),
            reference: if reference.is_finite() { reference } else { lo },
            tick: short,
            hover: true,
        },
    );
    out
}

struct Forest<'a> {
    title: &'a str,
    axis_label: &'a str,
    rows: &'a [IntervalRow<'a>],
    domain: (f64, f64),
    reference: f64,
    tick: fn(f64) -> String,
    /// Each row a focusable group with a `<title>` (the page's charts).
    hover: bool,
}

fn write_interval_chart(out: &mut String, f: &Forest<'_>) -> std::fmt::Result {
    let (title, axis_label, rows) = (f.title, f.axis_label, f.rows);
    let (lo, hi) = f.domain;
    let width = INTERVAL_LABEL + PLOT + 20.0;
    let height = TOP + INTERVAL_ROW * rows.len() as f64 + 40.0;
    let x_of = |v: f64| INTERVAL_LABEL + (v.clamp(lo, hi) - lo) / (hi - lo) * PLOT;
    // The page's charts take the themes of [`STYLESHEET`] (text in the foreground
    // colour, light and dark).
    let themed = if f.hover {
        r#" class="ls-chart ls-estimates" fill="currentColor" font-family="system-ui,sans-serif""#
    } else {
        ""
    };
    writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg"{themed} viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}">"#,
        esc(title)
    )?;
    writeln!(
        out,
        r#"<text x="{:.1}" y="18" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"#,
        width / 2.0,
        esc(title)
    )?;
    let bottom = TOP + INTERVAL_ROW * rows.len() as f64;
    writeln!(
        out,
        r##"<line x1="{:.1}" y1="{TOP}" x2="{:.1}" y2="{bottom:.1}" stroke="#999" stroke-dasharray="4 3"/>"##,
        x_of(f.reference),
        x_of(f.reference)
    )?;
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + INTERVAL_ROW * i as f64 + INTERVAL_ROW / 2.0;
        if f.hover {
            let label = format!(
                "{}: {} [{}, {}]",
                r.name,
                short(r.estimate),
                short(r.lower),
                short(r.upper)
            );
            write!(
                out,
                r#"<g tabindex="0" aria-label="{}"><title>{}</title>"#,
                esc(&label),
                esc(&label)
            )?;
        }
        writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11">{}</text>"#,
            INTERVAL_LABEL - 8.0,
            y + 4.0,
            esc(r.name)
        )?;
        if r.lower.is_finite() && r.upper.is_finite() {
            writeln!(
                out,
                r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="2"/>"#,
                x_of(r.lower),
                x_of(r.upper),
                esc(r.color)
            )?;
        }
        if r.estimate.is_finite() {
            writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{y:.1}" r="3.5" fill="{}"/>"#,
                x_of(r.estimate),
                esc(r.color)
            )?;
        }
        if f.hover {
            writeln!(out, "</g>")?;
        }
    }
    for v in [lo, f.reference, hi] {
        writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text>"#,
            x_of(v),
            bottom + 14.0,
            (f.tick)(v)
        )?;
    }
    writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"#,
        INTERVAL_LABEL + PLOT / 2.0,
        bottom + 30.0,
        esc(axis_label)
    )?;
    writeln!(out, "</svg>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_map_both_ways_and_clamp() {
        let s = Scale {
            domain: (0.0, 1.0),
            range: (52.0, 332.0),
        };
        assert_eq!(s.to_px(0.5), 192.0);
        assert_eq!(s.from_px(192.0), 0.5);
        assert_eq!(s.from_px(0.0), 0.0);
        assert_eq!(s.to_px(2.0), 332.0);
    }

    #[test]
    fn decimation_keeps_ends_and_bounds_the_vertices() {
        let (x, y) = scales((0.0, 1.0), (0.0, 1.0));
        let points: Vec<(f64, f64)> = (0..=1_000_000)
            .map(|i| {
                let t = f64::from(i) / 1e6;
                (t, t.sqrt())
            })
            .collect();
        let kept = decimate(&points, &x, &y);
        assert_eq!(kept.first(), Some(&0));
        assert_eq!(kept.last(), Some(&1_000_000));
        // A monotone curve over 280 × 280 units needs at most ~2 · 560 vertices.
        assert!(kept.len() < 1200, "{}", kept.len());
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.5), "0.5");
        assert_eq!(short(1.0), "1");
        assert_eq!(short(0.123456), "0.1235");
        assert_eq!(short(-0.0), "0");
    }
}
