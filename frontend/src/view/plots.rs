//! The report's SVG plots on the page: the very ones core's HTML export draws
//! (`lockstep_core::report::export::plots`), inline, so the page and the exported report
//! show the same thing. The Evaluate cell shows the ranking curves (ROC,
//! precision–recall), the Calibration & threshold cell the rest.

use lockstep_core::report::EvalReport;
use lockstep_core::report::export::plots;

/// A plot: its title (the SVG's `aria-label`) and its markup.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    pub title: String,
    pub svg: String,
}

fn title_of(svg: &str) -> String {
    svg.split_once("aria-label=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or_else(String::new, |(title, _)| title.to_owned())
}

/// Whether a plot belongs to the Evaluate cell (ranking) rather than the
/// Calibration & threshold cell.
fn is_ranking(title: &str) -> bool {
    title == "ROC" || title.starts_with("Precision")
}

/// The report's plots: (ranking, calibration and threshold).
pub fn split(report: &EvalReport) -> (Vec<Plot>, Vec<Plot>) {
    plots(report)
        .into_iter()
        .map(|svg| Plot {
            title: title_of(&svg),
            svg,
        })
        .partition(|p| is_ranking(&p.title))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::notebook::PredictionSource;
    use crate::state::Dataset;
    use crate::view::eval::{EvalPicks, evaluate};

    #[test]
    fn a_score_evaluation_draws_ranking_and_calibration_plots() {
        let data = include_str!("../../../www/demo/breast_cancer_eval.csv");
        let dataset = Dataset::from_csv("demo".into(), data.as_bytes()).unwrap();
        let source = PredictionSource::Score("score".into());
        let shown = evaluate(
            &EvalPicks {
                dataset: &dataset,
                label: "malignant",
                source: &source,
                threshold: None,
                positive_label: "",
                settings: "",
                model: None,
                pipeline: None,
            },
            &|| 0.0,
        )
        .unwrap();
        let (ranking, calibration) = split(&shown.report);
        let titles: Vec<&str> = ranking.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["ROC", "Precision–recall"]);
        assert!(
            calibration
                .iter()
                .any(|p| p.title.starts_with("Reliability"))
        );
        assert!(calibration.iter().any(|p| p.title == "Threshold sweep"));
        // The same markup as the HTML export.
        for plot in ranking.iter().chain(&calibration) {
            assert!(shown.html.contains(&plot.svg));
        }
    }
}
