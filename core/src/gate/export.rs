//! The gate report in the four formats, with the export toolkit's escaping
//! ([`crate::report::export::format`]).

use std::fmt::Write;

use super::GateReport;
use crate::report::export::format::{md_cell, md_text, xml_escape};

/// Pretty JSON with a trailing newline.
pub fn json(report: &GateReport) -> Result<String, serde_json::Error> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}

pub fn from_json(text: &str) -> Result<GateReport, serde_json::Error> {
    serde_json::from_str(text)
}

fn title(report: &GateReport) -> String {
    match &report.name {
        Some(name) => format!("Readiness gate: {name}"),
        None => "Readiness gate".to_owned(),
    }
}

fn provenance_rows(report: &GateReport) -> Vec<(&'static str, String)> {
    let p = &report.provenance;
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "not recorded".to_owned());
    vec![
        ("model sha256", or_none(&p.model_sha256)),
        ("pipeline fingerprint", or_none(&p.pipeline_sha256)),
        ("pipeline file sha256", or_none(&p.pipeline_file_sha256)),
        ("data sha256", or_none(&p.data_sha256)),
        ("code version", or_none(&p.code_version)),
        ("Lockstep version", p.lockstep_version.clone()),
        ("gate file sha256", or_none(&p.gate_config_sha256)),
        ("settings", p.settings.join("; ")),
    ]
}

/// Markdown: the verdict, one table row per check, the provenance.
pub fn markdown(report: &GateReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md_text(&title(report)));
    let _ = writeln!(out, "**Verdict: {}**\n", report.verdict.label());
    out.push_str("| status | check | required | evidence |\n|---|---|---|---|\n");
    for c in &report.checks {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            c.status.label(),
            md_cell(&c.name),
            if c.required { "yes" } else { "no" },
            md_cell(&c.evidence)
        );
    }
    out.push_str("\n## Provenance\n\n| what | value |\n|---|---|\n");
    for (what, value) in provenance_rows(report) {
        let _ = writeln!(out, "| {what} | {} |", md_cell(&value));
    }
    out
}

/// One self-contained HTML page (no script, no external asset).
pub fn html(report: &GateReport) -> String {
    let mut out = String::new();
    let t = xml_escape(&title(report));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}.pass{{color:#176b2c}}\
         .warn{{color:#8a5a00}}.fail{{color:#b00020}}</style></head><body>\n<h1>{t}</h1>\n"
    );
    let class = |s: super::Status| s.label().to_ascii_lowercase();
    let _ = writeln!(
        out,
        "<p>Verdict: <strong class=\"{}\">{}</strong></p>",
        class(report.verdict),
        report.verdict.label()
    );
    out.push_str(
        "<table><tr><th>status</th><th>check</th><th>required</th><th>evidence</th></tr>\n",
    );
    for c in &report.checks {
        let _ = writeln!(
            out,
            "<tr><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            class(c.status),
            c.status.label(),
            xml_escape(&c.name),
            if c.required { "yes" } else { "no" },
            xml_escape(&c.evidence)
        );
    }
    out.push_str("</table>\n<h2>Provenance</h2>\n<table>\n");
    for (what, value) in provenance_rows(report) {
        let _ = writeln!(
            out,
            "<tr><th>{what}</th><td>{}</td></tr>",
            xml_escape(&value)
        );
    }
    out.push_str("</table>\n</body></html>\n");
    out
}

/// JUnit XML: one test case per check; FAIL is a failure, WARN a passing case with
/// its evidence in `system-out`.
pub fn junit(report: &GateReport) -> String {
    let failures = report
        .checks
        .iter()
        .filter(|c| c.status == super::Status::Fail)
        .count();
    let suite = xml_escape(&title(report));
    let mut out = String::new();
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        out,
        "<testsuites name=\"lockstep gate\" tests=\"{}\" failures=\"{failures}\">",
        report.checks.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failures}\">",
        report.checks.len()
    );
    for c in &report.checks {
        let name = xml_escape(&c.name);
        let evidence = xml_escape(&c.evidence);
        let _ = write!(
            out,
            "    <testcase classname=\"gate.{}\" name=\"{name}\"",
            c.kind
        );
        match c.status {
            super::Status::Fail => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{evidence}\">{evidence}</failure>\n    </testcase>"
                );
            }
            super::Status::Warn => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>WARN: {evidence}</system-out>\n    </testcase>"
                );
            }
            super::Status::Pass => {
                let _ = writeln!(out, "/>");
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
