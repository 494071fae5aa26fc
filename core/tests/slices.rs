//! Slices against independent references (fixtures from
//! `scripts/fixtures/gen_slices.py`): per-slice metrics against scikit-learn on the
//! same masks, the finder's SliceLine ranking against the `sliceline` package, its
//! Welch p-values against scipy, planted slices found at the top, the false-discovery
//! rate on null data over 100 seeds, and Simpson's paradox on constructed cases.
//!
//! Tolerances: metric estimates 1e-9 absolute (the same formulas in another order);
//! SliceLine scores 1e-9; Welch p-values 1e-6 relative (our incomplete beta against
//! scipy's); the null false-discovery rate ≤ 0.10 over 100 seeds (BH's 0.05 plus
//! binomial noise: P(≥ 11 of 100 | 0.05) < 0.01).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use lockstep_core::metrics::Metric;
use lockstep_core::metrics::bootstrap::SplitMix64;
use lockstep_core::report::{
    EvalRequest, Overrides, Settings, SettingsFormat, Source, evaluate_request, export,
};
use lockstep_core::slices::finder::top_by_score;
use lockstep_core::slices::simpson::{self, CompareMetric, SimpsonCheck};
use lockstep_core::slices::{Bitset, Control, FinderSettings, SlicesSpec, Stopped, find};
use lockstep_core::{CsvOptions, Table};
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/slices")
        .join(name)
}

fn read_table(name: &str) -> Table {
    let bytes = std::fs::read(data(name)).unwrap();
    Table::from_csv(&bytes, &CsvOptions::default()).unwrap()
}

fn json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(name)).unwrap()).unwrap()
}

fn zero_clock() -> f64 {
    0.0
}

fn run_find(
    table: &Table,
    columns: &[String],
    losses: &[f64],
    settings: &FinderSettings,
) -> lockstep_core::slices::FinderReport {
    let cancel = AtomicBool::new(false);
    let mut control = Control {
        now: &zero_clock,
        progress: &mut |_| {},
        cancel: &cancel,
    };
    find(table, columns, losses, "test", settings, &mut control).unwrap()
}

fn column_f64(table: &Table, name: &str) -> Vec<f64> {
    lockstep_core::metrics::table_input::numeric_column(table, name).unwrap()
}

#[test]
fn per_slice_metrics_match_scikit_learn_on_the_same_masks() {
    let table = read_table("metrics.csv");
    let spec =
        SlicesSpec::from_toml(&std::fs::read_to_string(data("metrics.toml")).unwrap()).unwrap();
    let contract = "optimizing = \"f1\"\nsatisficing = [\"slice:region=EU recall >= 0.5\", \
                    \"slice:region=US accuracy >= 0.9999\", \"slice:nowhere f1 >= 0.1\"]\n";
    let request = EvalRequest {
        label: "label".into(),
        source: Source::Score("score".into()),
        settings: None,
        contract: Some(Settings {
            text: contract,
            format: SettingsFormat::Toml,
        }),
        overrides: Overrides {
            bootstrap_replicates: Some(40),
            slices: Some(spec),
            ..Overrides::default()
        },
        data_sha256: None,
    };
    let report = evaluate_request(&table, &request, &zero_clock).unwrap();
    let slices = report.slices.as_ref().unwrap();
    let expected = json("metrics.json");
    let expected = expected.as_object().unwrap();
    assert_eq!(slices.slices.len(), expected.len());
    for (name, want) in expected {
        let got = slices
            .slice(name)
            .unwrap_or_else(|| panic!("slice `{name}` is missing"));
        assert_eq!(got.rows, want["rows"].as_u64().unwrap(), "{name}");
        for (metric, value) in want["slice"].as_object().unwrap() {
            let row = got
                .metrics
                .iter()
                .find(|m| &m.name == metric)
                .unwrap_or_else(|| panic!("{name}: no {metric}"));
            let rest = want["rest"][metric].as_f64();
            match (row.estimate, value.as_f64()) {
                (Metric::Value(v), Some(w)) => {
                    assert!((v - w).abs() < 1e-9, "{name} {metric}: {v} vs {w}")
                }
                (Metric::Undefined(_), None) => {}
                (g, w) => panic!("{name} {metric}: {g:?} vs {w:?}"),
            }
            if let (Metric::Value(v), Some(w)) = (row.rest, rest) {
                assert!((v - w).abs() < 1e-9, "{name} rest {metric}: {v} vs {w}");
                let gap = row.gap.unwrap();
                let want_gap = value.as_f64().unwrap() - w;
                assert!((gap - want_gap).abs() < 1e-9, "{name} gap {metric}");
            }
            // The interval brackets the estimate (percentile bootstrap, 40 replicates).
            if let (Metric::Value(lo), Metric::Value(hi)) = (row.lower, row.upper) {
                assert!(lo <= hi, "{name} {metric}");
            }
        }
    }
    // The contract's slice floors read the slice's estimate.
    let lines = &report.contract.as_ref().unwrap().lines;
    let eu_recall = expected["region=EU"]["slice"]["recall"].as_f64().unwrap();
    assert_eq!(lines[0].value, Some(eu_recall));
    assert_eq!(lines[0].passed, eu_recall >= 0.5);
    assert!(
        !lines[1].passed || expected["region=US"]["slice"]["accuracy"].as_f64() >= Some(0.9999)
    );
    assert_eq!(
        lines[2].status,
        lockstep_core::report::contract::LineStatus::NotComputed
    );
    assert!(
        lines[2].reason.contains("slices file"),
        "{}",
        lines[2].reason
    );
    // Every export shows the section.
    assert!(export::markdown(&report).contains("## Slices"));
    assert!(export::markdown(&report).contains("region=EU"));
    assert!(export::html(&report).contains("<h2>Slices</h2>"));
    assert!(export::junit(&report).contains("slice:region=EU"));
    let text = export::json(&report).unwrap();
    assert_eq!(export::from_json(&text).unwrap(), report);
}

fn sliceline_case(name: &str) {
    let table = read_table(&format!("{name}.csv"));
    let want = json(&format!("{name}.json"));
    let losses = column_f64(&table, "error");
    let columns: Vec<String> = table
        .column_names()
        .filter(|c| *c != "error")
        .map(str::to_owned)
        .collect();
    let settings = FinderSettings {
        alpha: want["alpha"].as_f64().unwrap(),
        top_k: want["k"].as_u64().unwrap() as usize,
        max_level: want["max_level"].as_u64().unwrap() as usize,
        min_support: Some(want["min_support"].as_u64().unwrap() as usize),
        ..FinderSettings::default()
    };
    let cancel = AtomicBool::new(false);
    let mut control = Control {
        now: &zero_clock,
        progress: &mut |_| {},
        cancel: &cancel,
    };
    let got = top_by_score(&table, &columns, &losses, &settings, &mut control).unwrap();
    let top = want["top"].as_array().unwrap();
    assert_eq!(got.len(), top.len(), "{name}: {got:#?}");
    for (g, w) in got.iter().zip(top) {
        let mut names: Vec<String> = w["predicates"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        names.sort();
        let mut mine = g.predicates.clone();
        mine.sort();
        assert_eq!(mine, names, "{name}");
        assert_eq!(g.rows, w["rows"].as_u64().unwrap());
        assert!(
            (g.score - w["score"].as_f64().unwrap()).abs() < 1e-9,
            "{name}"
        );
        assert!((g.score - w["sliceline_score"].as_f64().unwrap()).abs() < 1e-9);
    }
    // Welch p-values of the same slices against scipy.
    let report = run_find(
        &table,
        &columns,
        &losses,
        &FinderSettings {
            fold_jaccard: 1.0,
            ..settings
        },
    );
    let mut compared = 0;
    for s in &report.slices {
        let Some(w) = top.iter().find(|w| {
            let mut names: Vec<String> = w["predicates"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            names.sort();
            let mut mine = s.predicates.clone();
            mine.sort();
            names == mine
        }) else {
            continue;
        };
        let (p, want_p) = (s.p_value, w["welch_p"].as_f64().unwrap());
        assert!(
            (p - want_p).abs() <= 1e-6 * want_p.max(1e-300),
            "{name} {}: p {p} vs scipy {want_p}",
            s.name
        );
        assert!((s.t - w["welch_t"].as_f64().unwrap()).abs() < 1e-9);
        compared += 1;
    }
    assert!(compared >= 1, "{name}: no slice to compare");
}

#[test]
fn sliceline_ranking_matches_the_sliceline_package() {
    sliceline_case("sliceline_small");
}

#[test]
fn sliceline_ranking_matches_the_sliceline_package_at_level_3() {
    sliceline_case("sliceline_level3");
}

#[test]
fn planted_slices_are_found_at_the_top_through_eval() {
    let table = read_table("planted.csv");
    let want = json("planted.json");
    let spec = SlicesSpec::from_toml("[finder]\ntop_k = 5\n").unwrap();
    let request = EvalRequest {
        label: "label".into(),
        source: Source::Column("pred".into()),
        settings: None,
        contract: None,
        overrides: Overrides {
            bootstrap_replicates: Some(10),
            slices: Some(spec),
            ..Overrides::default()
        },
        data_sha256: None,
    };
    let report = evaluate_request(&table, &request, &zero_clock).unwrap();
    let finder = report.slices.unwrap().finder.unwrap();
    assert_eq!(finder.loss, "zero_one");
    assert_eq!(finder.columns, ["a", "b", "c", "d", "e", "f"]);
    assert_eq!(finder.min_support, 120);
    let top3: Vec<Vec<String>> = finder.slices[..3]
        .iter()
        .map(|s| {
            let mut p = s.predicates.clone();
            p.sort();
            p
        })
        .collect();
    for (planted, rows) in want["planted"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want["rows"].as_array().unwrap())
    {
        let planted: Vec<String> = planted
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        let at = top3.iter().position(|p| *p == planted);
        assert!(at.is_some(), "{planted:?} not in the top 3: {top3:?}");
        assert_eq!(finder.slices[at.unwrap()].rows, rows.as_u64().unwrap());
        assert!(finder.slices[at.unwrap()].effect_size > 0.5);
    }
}

/// A table of `n` rows with `cards[j]` values in column `cj`, and 0/1 losses with
/// probability `p`, nothing planted.
fn null_data(seed: u64, n: usize, cards: &[u64], p: f64) -> (Table, Vec<f64>) {
    let mut rng = SplitMix64::new(seed);
    let mut csv = (0..cards.len())
        .map(|j| format!("c{j}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    let mut losses = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<String> = cards
            .iter()
            .map(|&c| format!("v{}", rng.below(c)))
            .collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
        losses.push(f64::from(u8::from(rng.next_f64() < p)));
    }
    (
        Table::from_csv(csv.as_bytes(), &CsvOptions::default()).unwrap(),
        losses,
    )
}

#[test]
fn null_data_over_100_seeds_keeps_false_discoveries_under_bh() {
    let cards = [3, 4, 5, 3, 2];
    let columns: Vec<String> = (0..cards.len()).map(|j| format!("c{j}")).collect();
    let mut with_discovery = 0;
    let mut evaluated = 0;
    for seed in 0..100 {
        let (table, losses) = null_data(seed, 1500, &cards, 0.2);
        let report = run_find(&table, &columns, &losses, &FinderSettings::default());
        evaluated += report.candidates_evaluated;
        // Every discovery is false here: the FDR of a run is 1 if it has any, else 0.
        if report.discoveries > 0 {
            with_discovery += 1;
        }
    }
    let fdr = f64::from(with_discovery) / 100.0;
    println!(
        "null data: observed false discovery rate {fdr} over 100 seeds \
         ({} candidates per run on average)",
        evaluated / 100
    );
    assert!(fdr <= 0.10, "observed FDR {fdr}");
}

#[test]
fn the_finder_is_deterministic_and_honours_cancel_and_time_limits() {
    let (table, losses) = null_data(3, 2000, &[3, 4, 5, 3], 0.3);
    let columns: Vec<String> = (0..4).map(|j| format!("c{j}")).collect();
    let settings = FinderSettings::default();
    assert_eq!(
        run_find(&table, &columns, &losses, &settings),
        run_find(&table, &columns, &losses, &settings)
    );
    let cancel = AtomicBool::new(true);
    let mut levels = Vec::new();
    let mut progress = |p: lockstep_core::slices::Progress| levels.push(p.level);
    let mut control = Control {
        now: &zero_clock,
        progress: &mut progress,
        cancel: &cancel,
    };
    let r = find(
        &table,
        &columns,
        &losses,
        "zero_one",
        &settings,
        &mut control,
    )
    .unwrap();
    assert_eq!(r.stopped, Some(Stopped::Cancelled));
    assert_eq!(levels.first(), Some(&1));
    let ticks = std::cell::Cell::new(0.0);
    let clock = || {
        ticks.set(ticks.get() + 1000.0);
        ticks.get()
    };
    let cancel = AtomicBool::new(false);
    let mut control = Control {
        now: &clock,
        progress: &mut |_| {},
        cancel: &cancel,
    };
    let limited = FinderSettings {
        max_seconds: Some(0.5),
        ..FinderSettings::default()
    };
    let r = find(
        &table,
        &columns,
        &losses,
        "zero_one",
        &limited,
        &mut control,
    )
    .unwrap();
    assert_eq!(r.stopped, Some(Stopped::TimeLimit));
    assert_eq!(r.levels_searched, 2);
}

#[test]
fn bad_settings_and_inputs_are_named() {
    let (table, losses) = null_data(1, 100, &[3], 0.2);
    let columns = vec!["c0".to_owned()];
    let cancel = AtomicBool::new(false);
    let mut control = Control {
        now: &zero_clock,
        progress: &mut |_| {},
        cancel: &cancel,
    };
    let bad = FinderSettings {
        alpha: 0.0,
        ..FinderSettings::default()
    };
    let e = find(&table, &columns, &losses, "x", &bad, &mut control).unwrap_err();
    assert_eq!(e.to_string(), "`finder.alpha` = 0 is invalid: in (0, 1]");
    let e = find(
        &table,
        &columns,
        &losses[..5],
        "x",
        &FinderSettings::default(),
        &mut control,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "5 losses for 100 rows: give one loss per row"
    );
    let e = find(
        &table,
        &["nope".to_owned()],
        &losses,
        "x",
        &FinderSettings::default(),
        &mut control,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("no column named `nope`"), "{e}");
    let e = SlicesSpec::from_toml("[[slice]]\nname = \"two words\"\nwhere = \"c0 == 'v1'\"\n")
        .unwrap_err();
    assert!(e.to_string().contains("without spaces"), "{e}");
    let e = SlicesSpec::from_toml("[[by]]\ncolumns = []\n").unwrap_err();
    assert_eq!(e.to_string(), "`by` needs 1 to 3 columns, got 0");
}

#[test]
fn simpson_flags_the_kidney_stone_reversal_in_plain_words() {
    // Charig et al. (1986): treatment A (open surgery) vs B (percutaneous
    // nephrolithotomy), successes by stone size.
    let mut csv = String::from("treatment,stones,success\n");
    for (t, s, ok, total) in [
        ("A", "small", 81, 87),
        ("A", "large", 192, 263),
        ("B", "small", 234, 270),
        ("B", "large", 55, 80),
    ] {
        for i in 0..total {
            csv.push_str(&format!("{t},{s},{}\n", i < ok));
        }
    }
    let table = Table::from_csv(csv.as_bytes(), &CsvOptions::default()).unwrap();
    let f = simpson::groups(&table, "treatment", "stones", "success").unwrap();
    assert!(f.reversed, "{}", f.message);
    assert_eq!(f.sides, ["treatment=A", "treatment=B"]);
    assert_eq!(f.overall.rows, [350, 350]);
    assert!((f.overall.values[0].unwrap() - 273.0 / 350.0).abs() < 1e-12);
    assert!((f.overall.values[1].unwrap() - 289.0 / 350.0).abs() < 1e-12);
    let small = f
        .strata
        .iter()
        .find(|s| s.stratum == "stones=small")
        .unwrap();
    assert!((small.values[0].unwrap() - 81.0 / 87.0).abs() < 1e-12);
    assert!((small.values[1].unwrap() - 234.0 / 270.0).abs() < 1e-12);
    assert_eq!(
        f.message,
        "Overall, treatment=B has the higher success rate (82.5714% vs 78%), yet treatment=A is \
         higher in every one of the 2 strata of stones: Simpson's paradox. The sides are spread \
         differently over the strata, so the overall figure mostly reflects that mix; compare \
         within strata."
    );
    // A wins overall and in every stratum: no reversal.
    let even = "g,s,y\nA,x,true\nA,x,true\nB,x,true\nB,x,false\nA,z,true\nA,z,false\nB,z,false\nB,z,false\n";
    let table = Table::from_csv(even.as_bytes(), &CsvOptions::default()).unwrap();
    let f = simpson::groups(&table, "g", "s", "y").unwrap();
    assert!(!f.reversed);
    assert!(f.message.contains("no Simpson's paradox"), "{}", f.message);
}

/// The kidney-stone study as a model's errors: the model is right on a row when the
/// treatment succeeded; `[simpson]` in `slices.toml` compares the two treatments'
/// 0/1 error within stone sizes, through `evaluate_request`, and every export says so.
#[test]
fn simpson_in_the_report_flags_the_kidney_stone_reversal_of_the_model_error() {
    let mut csv = String::from("treatment,stones,label,pred\n");
    for (t, s, ok, total) in [
        ("A", "small", 81, 87),
        ("A", "large", 192, 263),
        ("B", "small", 234, 270),
        ("B", "large", 55, 80),
    ] {
        for i in 0..total {
            let label = i % 2;
            let pred = if i < ok { label } else { 1 - label };
            csv.push_str(&format!("{t},{s},{label},{pred}\n"));
        }
    }
    let table = Table::from_csv(csv.as_bytes(), &CsvOptions::default()).unwrap();
    let spec =
        SlicesSpec::from_toml("[[by]]\ncolumns = [\"stones\"]\n[simpson]\ngroup = \"treatment\"\n")
            .unwrap();
    let request = EvalRequest {
        label: "label".into(),
        source: Source::Column("pred".into()),
        settings: None,
        contract: None,
        overrides: Overrides {
            bootstrap_replicates: Some(10),
            slices: Some(spec),
            ..Overrides::default()
        },
        data_sha256: None,
    };
    let report = evaluate_request(&table, &request, &zero_clock).unwrap();
    let check = report.slices.as_ref().unwrap().simpson.clone().unwrap();
    let SimpsonCheck::Checked { findings } = &check else {
        panic!("{check:?}");
    };
    // The label and prediction columns are not strata; the group is not either.
    let partitions: Vec<&str> = findings.iter().map(|f| f.partition.as_str()).collect();
    assert_eq!(partitions, ["stones"]);
    let f = &findings[0];
    assert!(f.reversed, "{}", f.message);
    assert_eq!(f.measure, "zero_one rate");
    // Failures from the published counts: A 6 + 71 of 350, B 36 + 25 of 350.
    assert!((f.overall.values[0].unwrap() - 77.0 / 350.0).abs() < 1e-12);
    assert!((f.overall.values[1].unwrap() - 61.0 / 350.0).abs() < 1e-12);
    let small = f
        .strata
        .iter()
        .find(|s| s.stratum == "stones=small")
        .unwrap();
    assert_eq!(small.rows, [87, 270]);
    assert!((small.values[0].unwrap() - 6.0 / 87.0).abs() < 1e-12);
    assert!((small.values[1].unwrap() - 36.0 / 270.0).abs() < 1e-12);
    let md = lockstep_core::report::export::markdown(&report);
    assert!(
        md.contains("Simpson's paradox: 1 of 1 partitions reverse the comparison of treatment=A and treatment=B"),
        "{md}"
    );
    assert!(md.contains("| stones | treatment=A rows |"), "{md}");
    let html = lockstep_core::report::export::html(&report);
    assert!(
        html.contains("yet treatment=B is higher in every one of the 2 strata"),
        "{html}"
    );
    // An outcome column given: the classic comparison, on the same table.
    let spec = SlicesSpec::from_toml(
        "[simpson]\ngroup = \"treatment\"\noutcome = \"label\"\nstrata = [\"stones\"]\n",
    )
    .unwrap();
    let request = EvalRequest {
        overrides: Overrides {
            bootstrap_replicates: Some(10),
            slices: Some(spec),
            ..Overrides::default()
        },
        ..request
    };
    let report = evaluate_request(&table, &request, &zero_clock).unwrap();
    let check = report.slices.unwrap().simpson.unwrap();
    assert!(check.reversals().is_empty());
    // A group column with three values is a named error.
    let three = "g,label,pred\na,1,1\nb,0,0\nc,1,0\n";
    let table = Table::from_csv(three.as_bytes(), &CsvOptions::default()).unwrap();
    let spec2 = SlicesSpec::from_toml("[simpson]\ngroup = \"g\"\n").unwrap();
    let request = EvalRequest {
        overrides: Overrides {
            bootstrap_replicates: Some(10),
            slices: Some(spec2),
            ..Overrides::default()
        },
        ..request
    };
    let error = evaluate_request(&table, &request, &zero_clock).unwrap_err();
    assert!(error.to_string().contains("exactly two values"), "{error}");
}

#[test]
fn simpson_on_the_same_rows_reverses_f1_and_says_accuracy_cannot() {
    // Two strata of 20 rows, 10 positives each. A: stratum 1 predicts nothing,
    // stratum 2 three true and one false positive. B: stratum 1 one true and nine
    // false positives, stratum 2 three true positives.
    let mut labels = Vec::new();
    let mut a = Vec::new();
    let mut b = Vec::new();
    let mut s1 = Bitset::empty(40);
    for stratum in 0..2 {
        for i in 0..20 {
            let row = stratum * 20 + i;
            if stratum == 0 {
                s1.insert(row);
            }
            labels.push(i < 10);
            a.push(if stratum == 0 {
                false
            } else {
                i < 3 || i == 10
            });
            b.push(if stratum == 0 {
                i == 0 || (10..19).contains(&i)
            } else {
                i < 3
            });
        }
    }
    let partition = simpson::Partition {
        name: "stratum".into(),
        strata: vec![("s=1".into(), s1.clone()), ("s=2".into(), s1.not())],
    };
    let check = simpson::same_rows(
        CompareMetric::F1,
        ["A", "B"],
        &labels,
        [&a, &b],
        std::slice::from_ref(&partition),
    )
    .unwrap();
    let reversals = check.reversals();
    assert_eq!(reversals.len(), 1);
    let f = reversals[0];
    assert!((f.overall.values[0].unwrap() - 0.25).abs() < 1e-12);
    assert!((f.overall.values[1].unwrap() - 8.0 / 33.0).abs() < 1e-12);
    assert!(
        f.message
            .starts_with("Overall, A has the higher F1 (0.25 vs 0.2424)")
    );
    let check = simpson::same_rows(
        CompareMetric::Accuracy,
        ["A", "B"],
        &labels,
        [&a, &b],
        &[partition],
    )
    .unwrap();
    let SimpsonCheck::Impossible { reason } = check else {
        panic!("accuracy on the same rows cannot reverse");
    };
    assert!(reason.contains("cannot lose in every stratum"), "{reason}");
}

#[test]
fn contract_lines_name_a_slice_and_check_its_metric() {
    use lockstep_core::report::MetricContract;
    let c = MetricContract::from_toml(
        "optimizing = \"f1\"\nsatisficing = [\"slice:region=EU recall >= 0.8\", \"f1 >= 0.5\"]\n",
    )
    .unwrap();
    assert_eq!(c.satisficing[0].metric, "slice:region=EU recall");
    assert_eq!(
        c.satisficing[0].to_string(),
        "slice:region=EU recall >= 0.8"
    );
    let e = MetricContract::from_toml(
        "optimizing = \"f1\"\nsatisficing = [\"slice:a=b recal >= 1\"]\n",
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("unknown metric `recal`"), "{e}");
    let e =
        MetricContract::from_toml("optimizing = \"f1\"\nsatisficing = [\"slice: recall >= 1\"]\n")
            .unwrap_err();
    assert!(
        e.to_string().contains("is not `metric op threshold`"),
        "{e}"
    );
}
