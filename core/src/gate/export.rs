//! The gate report in the four formats, with the export toolkit's escaping
//! ([`crate::report::export::format`]).

use std::fmt::Write;

use super::GateReport;
use crate::report::export::format::{Align, Cell, ExportTable, md_text, xml_escape};

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

/// One row per check: its status (coloured in HTML), name, whether it is required,
/// its evidence.
fn checks_table(report: &GateReport) -> ExportTable {
    let mut table = ExportTable::new([
        ("status", Align::Left),
        ("check", Align::Left),
        ("required", Align::Left),
        ("evidence", Align::Left),
    ]);
    for c in &report.checks {
        table.row([
            Cell::Classed(status_class(c.status), c.status.label().to_owned()),
            Cell::text(c.name.clone()),
            Cell::text(if c.required { "yes" } else { "no" }),
            Cell::text(c.evidence.clone()),
        ]);
    }
    table
}

fn status_class(status: super::Status) -> &'static str {
    match status {
        super::Status::Pass => "pass",
        super::Status::Warn => "warn",
        super::Status::Fail => "fail",
    }
}

fn provenance_table(report: &GateReport) -> ExportTable {
    let p = &report.provenance;
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "not recorded".to_owned());
    let mut table = ExportTable::new([("what", Align::Left), ("value", Align::Left)]);
    for (what, value) in [
        ("model sha256", or_none(&p.model_sha256)),
        ("pipeline fingerprint", or_none(&p.pipeline_sha256)),
        ("pipeline file sha256", or_none(&p.pipeline_file_sha256)),
        ("data sha256", or_none(&p.data_sha256)),
        ("code version", or_none(&p.code_version)),
        ("Lockstep version", p.lockstep_version.clone()),
        ("gate file sha256", or_none(&p.gate_config_sha256)),
        ("settings", p.settings.join("; ")),
    ] {
        table.row([Cell::text(what), Cell::Text(value)]);
    }
    table
}

/// Markdown: the verdict, one table row per check, the provenance.
pub fn markdown(report: &GateReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md_text(&title(report)));
    let _ = writeln!(out, "**Verdict: {}**\n", report.verdict.label());
    checks_table(report).markdown(&mut out);
    out.push_str("\n## Provenance\n\n");
    provenance_table(report).markdown(&mut out);
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
    let _ = writeln!(
        out,
        "<p>Verdict: <strong class=\"{}\">{}</strong></p>",
        status_class(report.verdict),
        report.verdict.label()
    );
    checks_table(report).html(&mut out);
    out.push_str("<h2>Provenance</h2>\n");
    provenance_table(report).html(&mut out);
    out.push_str("</body></html>\n");
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
