//! The one evaluation request (`report::evaluate_request`) that `lockstep eval` and the
//! web app both carry out: settings in TOML and JSON read by one parser, a missing
//! prediction source named, overrides applied over the settings.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::report::{
    EvalConfig, EvalRequest, Overrides, Predictions, RequestError, Settings, SettingsFormat,
    Source, evaluate, evaluate_request, sha256_hex,
};
use lockstep_core::{CsvOptions, Table};

const DATA: &str = "y,score\n1,0.9\n0,0.2\n1,0.7\n0,0.4\n1,0.35\n0,0.1\n1,0.8\n0,0.6\n";

fn table() -> Table {
    Table::from_csv(DATA.as_bytes(), &CsvOptions::default()).unwrap()
}

fn request<'a>(source: Source<'a>, settings: Option<Settings<'a>>) -> EvalRequest<'a> {
    EvalRequest {
        label: "y".into(),
        source,
        settings,
        contract: None,
        overrides: Overrides {
            bootstrap_replicates: Some(50),
            ..Overrides::default()
        },
        data_sha256: Some(sha256_hex(DATA.as_bytes())),
    }
}

#[test]
fn toml_and_json_settings_give_the_same_report() {
    let toml = "threshold = 0.5\noptimizing = \"roc_auc\"\nsatisficing = [\"accuracy >= 0.6\"]\n\
                [bootstrap]\nseed = 7\n";
    let json = r#"{"threshold": 0.5, "optimizing": "roc_auc",
                   "satisficing": ["accuracy >= 0.6"], "bootstrap": {"seed": 7}}"#;
    let from = |text, format| {
        evaluate_request(
            &table(),
            &request(
                Source::Score("score".into()),
                Some(Settings { text, format }),
            ),
            &|| 0.0,
        )
        .unwrap()
    };
    let a = from(toml, SettingsFormat::Toml);
    let b = from(json, SettingsFormat::Json);
    assert_eq!(a, b);
    assert!(a.contract.is_some());
    assert_eq!(
        a.fingerprints.data_sha256.as_deref(),
        Some(sha256_hex(DATA.as_bytes()).as_str())
    );

    // The same evaluation built by hand from a config.
    let mut config =
        EvalConfig::from_toml_settings(toml, "y", &Predictions::Score("score".into())).unwrap();
    config.bootstrap.replicates = 50;
    config.fingerprints.data_sha256 = Some(sha256_hex(DATA.as_bytes()));
    assert_eq!(evaluate(&table(), &config).unwrap(), a);
}

#[test]
fn errors_name_the_setting_and_the_missing_source() {
    let bad = |text, format| {
        evaluate_request(
            &table(),
            &request(
                Source::Score("score".into()),
                Some(Settings { text, format }),
            ),
            &|| 0.0,
        )
        .unwrap_err()
        .to_string()
    };
    for (text, format) in [
        ("[bootstrap]\nreplicates = \"many\"\n", SettingsFormat::Toml),
        (
            r#"{"bootstrap": {"replicates": "many"}}"#,
            SettingsFormat::Json,
        ),
    ] {
        let message = bad(text, format);
        assert!(message.starts_with("invalid settings:"), "{message}");
        assert!(message.contains("replicates"), "{message}");
    }
    let none = evaluate_request(&table(), &request(Source::Settings, None), &|| 0.0).unwrap_err();
    assert_eq!(none, RequestError::NoPredictions);
    let settings_without = evaluate_request(
        &table(),
        &request(
            Source::Settings,
            Some(Settings {
                text: "threshold = 0.4\n",
                format: SettingsFormat::Toml,
            }),
        ),
        &|| 0.0,
    )
    .unwrap_err();
    assert_eq!(settings_without, RequestError::NoPredictions);
}

#[test]
fn overrides_win_over_the_settings() {
    let mut req = request(
        Source::Settings,
        Some(Settings {
            text: "threshold = 0.9\n[predictions]\nscore = \"score\"\n",
            format: SettingsFormat::Toml,
        }),
    );
    req.overrides.threshold = Some(0.3);
    let report = evaluate_request(&table(), &req, &|| 0.0).unwrap();
    assert_eq!(report.inputs.threshold, Some(0.3));
}
