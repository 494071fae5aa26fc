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
