//! The Calibration & threshold cell: reads the Evaluate cell's report — the
//! reliability diagrams (both binnings), the recalibration fitted on the blackbox rows,
//! the threshold sweep — and reads the sweep at a threshold the user types.

use leptos::prelude::*;
use lockstep_core::report::EvalReport;
use lockstep_core::report::export::format::{metric, metric_short};

use super::{Output, Ui};
use crate::notebook::CellInputs;
use crate::view::eval::parse_threshold;

fn strategy_name(strategy: lockstep_core::metrics::calibration::BinStrategy) -> &'static str {
    match strategy {
        lockstep_core::metrics::calibration::BinStrategy::EqualWidth => "equal-width bins",
        lockstep_core::metrics::calibration::BinStrategy::EqualMass => "equal-mass bins",
    }
}

/// The sweep's row nearest to `threshold`: (threshold, precision, recall, coverage).
fn sweep_at(report: &EvalReport, threshold: f64) -> Option<(f64, String, String, f64)> {
    let sweep = report.threshold_sweep.as_ref()?;
    let row = sweep.points.iter().min_by(|a, b| {
        (a.threshold - threshold)
            .abs()
            .total_cmp(&(b.threshold - threshold).abs())
    })?;
    Some((
        row.threshold,
        metric(row.precision),
        metric(row.recall),
        row.coverage,
    ))
}

#[component]
pub fn CalibrationCell(id: u32) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let threshold = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.inputs) {
            Some(CellInputs::Calibration(c)) => c.threshold.clone(),
            _ => String::new(),
        })
    };
    let output = move || {
        ui.outputs.with(|o| match o.get(&id) {
            Some(Output::Evaluated(e)) => {
                let report = e.report.clone();
                let diagrams = [&report.reliability, &report.reliability_equal_mass]
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        view! {
                            <tr>
                                <th scope="row" class="text">{strategy_name(r.strategy)}</th>
                                <td>{r.bins.len()}</td>
                                <td data-testid="ece">{metric_short(r.ece)}</td>
                                <td>{metric_short(r.mce)}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                let plots = e
                    .calibration
                    .iter()
                    .map(|p| view! { <figure class="plot" inner_html=p.svg.clone()></figure> })
                    .collect_view();
                let at = move || {
                    let text = threshold();
                    match parse_threshold(&text) {
                        Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                        Ok(None) => ().into_any(),
                        Ok(Some(t)) => match sweep_at(&report, t) {
                            None => view! { <p class="hint">"The report has no threshold sweep (it needs scores)."</p> }.into_any(),
                            Some((row, precision, recall, coverage)) => view! {
                                <p data-testid="sweep-at">
                                    {format!("At threshold {row:.4}: precision {precision}, recall {recall}, coverage {coverage:.4}")}
                                </p>
                            }
                            .into_any(),
                        },
                    }
                };
                Some(view! {
                    <div class="scroll">
                        <table class="numbers" data-testid="calibration">
                            <thead><tr><th>"Binning"</th><th>"Bins"</th><th>"ECE"</th><th>"MCE"</th></tr></thead>
                            <tbody>{diagrams}</tbody>
                        </table>
                    </div>
                    {at}
                    <div class="plots" data-testid="calibration-plots">{plots}</div>
                }
                .into_any())
            }
            _ => None,
        })
    };
    view! {
        <label>
            "Read the threshold sweep at "
            <input
                type="text"
                inputmode="decimal"
                data-testid="sweep-threshold"
                prop:value=threshold
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    ui.nb.update(|n| {
                        if let Some(c) = n.cell_mut(id)
                            && let CellInputs::Calibration(c) = &mut c.inputs
                        {
                            c.threshold = v;
                        }
                    });
                }
            />
        </label>
        <p class="hint">"Run reads the report of the Evaluate cell above (run it first)."</p>
        {output}
    }
}
