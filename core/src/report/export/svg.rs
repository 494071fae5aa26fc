//! Inline SVG line charts on the unit square (every plotted quantity here —
//! probabilities, rates, precision, recall, coverage, thresholds of probability
//! scores — lies in [0, 1]).

use std::fmt::Write;

use super::format::xml_escape;

/// One line on a chart.
pub struct Series<'a> {
    pub name: &'a str,
    pub points: Vec<(f64, f64)>,
    pub color: &'a str,
    /// Draw a dot at every point (for sparse data such as reliability bins).
    pub markers: bool,
}

const WIDTH: f64 = 360.0;
const LEFT: f64 = 48.0;
const TOP: f64 = 30.0;
const PLOT: f64 = 280.0;
const LEGEND_ROW: f64 = 16.0;

fn x_at(x: f64) -> f64 {
    LEFT + x.clamp(0.0, 1.0) * PLOT
}

fn y_at(y: f64) -> f64 {
    TOP + (1.0 - y.clamp(0.0, 1.0)) * PLOT
}

/// An SVG chart with axes from 0 to 1, a grid at quarters, an optional dashed
/// diagonal (perfect calibration, or a random ranking) and a legend below.
pub fn chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series<'_>],
    diagonal: bool,
) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_chart(&mut out, title, x_label, y_label, series, diagonal);
    out
}

fn write_chart(
    out: &mut String,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series<'_>],
    diagonal: bool,
) -> std::fmt::Result {
    let height = TOP + PLOT + 44.0 + LEGEND_ROW * series.len() as f64;
    writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{}">"#,
        xml_escape(title)
    )?;
    writeln!(
        out,
        r#"<text x="{}" y="18" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"#,
        LEFT + PLOT / 2.0,
        xml_escape(title)
    )?;
    for i in 0..=4 {
        let v = f64::from(i) / 4.0;
        let (x, y) = (x_at(v), y_at(v));
        writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/>"##,
            TOP + PLOT,
            LEFT + PLOT
        )?;
        writeln!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="10">{v}</text><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="10">{v}</text>"#,
            TOP + PLOT + 14.0,
            LEFT - 4.0,
            y + 3.0
        )?;
    }
    writeln!(
        out,
        r##"<rect x="{LEFT}" y="{TOP}" width="{PLOT}" height="{PLOT}" fill="none" stroke="#333"/>"##
    )?;
    writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"#,
        LEFT + PLOT / 2.0,
        TOP + PLOT + 30.0,
        xml_escape(x_label)
    )?;
    writeln!(
        out,
        r#"<text x="12" y="{:.1}" text-anchor="middle" font-size="11" transform="rotate(-90 12 {:.1})">{}</text>"#,
        TOP + PLOT / 2.0,
        TOP + PLOT / 2.0,
        xml_escape(y_label)
    )?;
    if diagonal {
        writeln!(
            out,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 3"/>"##,
            x_at(0.0),
            y_at(0.0),
            x_at(1.0),
            y_at(1.0)
        )?;
    }
    for s in series {
        if s.points.is_empty() {
            continue;
        }
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", x_at(x), y_at(y)))
            .collect();
        writeln!(
            out,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.8" points="{}"/>"#,
            xml_escape(s.color),
            path.join(" ")
        )?;
        if s.markers {
            for &(x, y) in &s.points {
                writeln!(
                    out,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2.8" fill="{}"/>"#,
                    x_at(x),
                    y_at(y),
                    xml_escape(s.color)
                )?;
            }
        }
    }
    for (i, s) in series.iter().enumerate() {
        let y = TOP + PLOT + 48.0 + LEGEND_ROW * i as f64;
        writeln!(
            out,
            r#"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="3"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
            y - 4.0,
            LEFT + 18.0,
            y - 4.0,
            xml_escape(s.color),
            LEFT + 24.0,
            y,
            xml_escape(s.name)
        )?;
    }
    writeln!(out, "</svg>")
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

const ROW: f64 = 22.0;
const LABEL: f64 = 170.0;

/// A forest plot: one row per estimate with its interval as a bar, on a common
/// horizontal axis symmetric around a dashed zero line (differences of metrics).
pub fn interval_chart(title: &str, axis_label: &str, rows: &[IntervalRow<'_>]) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_interval_chart(&mut out, title, axis_label, rows);
    out
}

fn write_interval_chart(
    out: &mut String,
    title: &str,
    axis_label: &str,
    rows: &[IntervalRow<'_>],
) -> std::fmt::Result {
    let extent = rows
        .iter()
        .flat_map(|r| [r.estimate, r.lower, r.upper])
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let extent = if extent > 0.0 { extent * 1.1 } else { 1.0 };
    let width = LABEL + PLOT + 20.0;
    let height = TOP + ROW * rows.len() as f64 + 40.0;
    let x_of = |v: f64| LABEL + (v.clamp(-extent, extent) + extent) / (2.0 * extent) * PLOT;
    writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}">"#,
        xml_escape(title)
    )?;
    writeln!(
        out,
        r#"<text x="{:.1}" y="18" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"#,
        width / 2.0,
        xml_escape(title)
    )?;
    let bottom = TOP + ROW * rows.len() as f64;
    writeln!(
        out,
        r##"<line x1="{:.1}" y1="{TOP}" x2="{:.1}" y2="{bottom:.1}" stroke="#999" stroke-dasharray="4 3"/>"##,
        x_of(0.0),
        x_of(0.0)
    )?;
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64 + ROW / 2.0;
        writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11">{}</text>"#,
            LABEL - 8.0,
            y + 4.0,
            xml_escape(r.name)
        )?;
        if r.lower.is_finite() && r.upper.is_finite() {
            writeln!(
                out,
                r#"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="2"/>"#,
                x_of(r.lower),
                x_of(r.upper),
                xml_escape(r.color)
            )?;
        }
        if r.estimate.is_finite() {
            writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{y:.1}" r="3.5" fill="{}"/>"#,
                x_of(r.estimate),
                xml_escape(r.color)
            )?;
        }
    }
    for v in [-extent, 0.0, extent] {
        writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text>"#,
            x_of(v),
            bottom + 14.0,
            super::format::difference(v)
        )?;
    }
    writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"#,
        LABEL + PLOT / 2.0,
        bottom + 30.0,
        xml_escape(axis_label)
    )?;
    writeln!(out, "</svg>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_unit_square_and_escapes_names() {
        let svg = chart(
            "A & B",
            "x",
            "y",
            &[Series {
                name: "<raw>",
                points: vec![(0.0, 0.0), (1.0, 1.0)],
                color: "#123456",
                markers: false,
            }],
            true,
        );
        assert!(svg.contains(r#"points="48.0,310.0 328.0,30.0""#), "{svg}");
        assert!(svg.contains("A &amp; B"));
        assert!(svg.contains("&lt;raw&gt;"));
        assert!(!svg.contains("<raw>"));
    }
}
