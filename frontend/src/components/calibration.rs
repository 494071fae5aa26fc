//! The Calibration & threshold cell: reads the Evaluate cell's report — the
//! reliability diagrams (both binnings), the recalibration fitted on the blackbox rows,
//! the threshold sweep — and reads the sweep at a threshold the user types, or drags:
//! the sweep chart's threshold marker follows the pointer (core's `chart::Scale`
//! turns the pointer's x into a threshold) and the arrow keys.

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
                // The sweep is drawn here, live, with the chosen threshold's marker.
                let live_sweep = report
                    .threshold_sweep
                    .clone()
                    .filter(|s| s.kind != "confidence");
                let plots = e
                    .calibration
                    .iter()
                    .filter(|p| live_sweep.is_none() || p.title != "Threshold sweep")
                    .map(|p| view! { <figure class="plot" inner_html=p.svg.clone()></figure> })
                    .collect_view();
                let sweep_plot = live_sweep.map(|sweep| {
                    let fallback = report.inputs.threshold;
                    view! { <SweepPlot id sweep fallback /> }
                });
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
                    <div class="plots" data-testid="calibration-plots">{sweep_plot}{plots}</div>
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

/// Writes the cell's threshold (what the sweep is read at).
fn set_threshold(ui: Ui, id: u32, value: f64) {
    ui.nb.update(|n| {
        if let Some(c) = n.cell_mut(id)
            && let CellInputs::Calibration(c) = &mut c.inputs
        {
            c.threshold = format!("{value:.4}");
        }
    });
}

/// The threshold sweep with its marker at the cell's threshold (else the report's):
/// dragging anywhere on the chart, or the arrow keys on the marker, move it.
#[component]
fn SweepPlot(
    id: u32,
    sweep: lockstep_core::report::types::SweepReport,
    fallback: Option<f64>,
) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let sweep = std::sync::Arc::new(sweep);
    let chosen = move || {
        ui.nb.with(|n| match n.cell(id).map(|c| &c.inputs) {
            Some(CellInputs::Calibration(c)) => parse_threshold(&c.threshold).ok().flatten(),
            _ => None,
        })
    };
    let chart = {
        let sweep = sweep.clone();
        Memo::new(move |_| {
            lockstep_core::chart::threshold_sweep(&sweep, chosen().or(fallback).or(Some(0.5)))
        })
    };
    let dragging = RwSignal::new(false);
    // The pointer's x in the SVG's user units, then through the chart's x scale.
    let follow = move |ev: &leptos::ev::PointerEvent| {
        let Some(figure) = ev
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        else {
            return;
        };
        let Ok(Some(svg)) = figure.query_selector("svg") else {
            return;
        };
        let rect = svg.get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return;
        }
        let x =
            (f64::from(ev.client_x()) - rect.left()) * lockstep_core::chart::WIDTH / rect.width();
        let t = chart.with_untracked(|c| c.x.from_px(x));
        set_threshold(ui, id, t);
    };
    view! {
        <figure
            class="plot sweep-drag"
            data-testid="sweep-plot"
            inner_html=move || chart.with(|c| c.svg.clone())
            on:pointerdown=move |ev| {
                dragging.set(true);
                follow(&ev);
            }
            on:pointermove=move |ev| {
                if dragging.get_untracked() {
                    follow(&ev);
                }
            }
            on:pointerup=move |_| dragging.set(false)
            on:pointerleave=move |_| dragging.set(false)
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                let step = match ev.key().as_str() {
                    "ArrowLeft" | "ArrowDown" => -0.01,
                    "ArrowRight" | "ArrowUp" => 0.01,
                    _ => return,
                };
                ev.prevent_default();
                let (lo, hi) = chart.with_untracked(|c| c.x.domain);
                let now = chosen().or(fallback).unwrap_or(0.5);
                set_threshold(ui, id, (now + step).clamp(lo, hi));
            }
        ></figure>
    }
}
