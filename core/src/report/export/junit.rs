//! JUnit XML: one test case per contract line, so a CI system shows each line as a
//! passing or failing test. Without a contract, one skipped case says so. The
//! behavioural tests, when the report has them, are a second suite.

use std::fmt::Write;

use super::format::xml_escape;
use crate::report::contract::LineStatus;
use crate::report::types::EvalReport;

/// The contract as JUnit XML.
pub fn junit(report: &EvalReport) -> String {
    let mut out = String::new();
    // `write!` into a String cannot fail.
    let _ = write_junit(&mut out, report);
    out
}

fn write_junit(out: &mut String, report: &EvalReport) -> std::fmt::Result {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let (b_tests, b_failures, b_skipped) = report
        .behaviour
        .as_ref()
        .map_or((0, 0, 0), super::behaviour::counts);
    let close = |out: &mut String| -> std::fmt::Result {
        writeln!(out, "  </testsuite>")?;
        if let Some(b) = &report.behaviour {
            super::behaviour::junit(out, b)?;
        }
        writeln!(out, "</testsuites>")
    };
    let Some(contract) = &report.contract else {
        writeln!(
            out,
            r#"<testsuites name="lockstep eval" tests="{}" failures="{b_failures}" skipped="{}">"#,
            1 + b_tests,
            1 + b_skipped
        )?;
        writeln!(
            out,
            r#"  <testsuite name="metric contract" tests="1" failures="0" skipped="1">"#
        )?;
        if let Some(slices) = &report.slices {
            writeln!(out, "    <properties>")?;
            for (name, value) in super::slices::junit_properties(slices) {
                writeln!(
                    out,
                    r#"      <property name="{}" value="{}"/>"#,
                    xml_escape(&name),
                    xml_escape(&value)
                )?;
            }
            writeln!(out, "    </properties>")?;
        }
        writeln!(
            out,
            r#"    <testcase classname="lockstep.contract" name="metric contract"><skipped message="no metric contract was given"/></testcase>"#
        )?;
        return close(out);
    };
    let tests = contract.lines.len();
    let failures = contract.lines.iter().filter(|l| !l.passed).count();
    let skipped = if b_skipped > 0 {
        format!(r#" skipped="{b_skipped}""#)
    } else {
        String::new()
    };
    writeln!(
        out,
        r#"<testsuites name="lockstep eval" tests="{}" failures="{}"{skipped}>"#,
        tests + b_tests,
        failures + b_failures
    )?;
    writeln!(
        out,
        r#"  <testsuite name="metric contract" tests="{tests}" failures="{failures}">"#
    )?;
    writeln!(out, "    <properties>")?;
    let mut property = |name: &str, value: &str| {
        writeln!(
            out,
            r#"      <property name="{}" value="{}"/>"#,
            xml_escape(name),
            xml_escape(value)
        )
    };
    property("schema_version", &report.schema_version)?;
    property("optimizing", &contract.optimizing.reason)?;
    if let Some(d) = &report.fingerprints.data_sha256 {
        property("data_sha256", d)?;
    }
    if let Some(m) = &report.fingerprints.model_sha256 {
        property("model_sha256", m)?;
    }
    if let Some(p) = &report.fingerprints.pipeline_sha256 {
        property("pipeline_sha256", p)?;
    }
    if let Some(slices) = &report.slices {
        for (name, value) in super::slices::junit_properties(slices) {
            property(&name, &value)?;
        }
    }
    writeln!(out, "    </properties>")?;
    for line in &contract.lines {
        let name = format!("{} {} {}", line.metric, line.op.symbol(), line.threshold);
        if line.passed {
            writeln!(
                out,
                r#"    <testcase classname="lockstep.contract" name="{}"/>"#,
                xml_escape(&name)
            )?;
        } else {
            let kind = match line.status {
                LineStatus::Pass | LineStatus::Fail => "threshold",
                LineStatus::Undefined => "undefined",
                LineStatus::NotComputed => "not_computed",
                LineStatus::NotMeasured => "not_measured",
            };
            writeln!(
                out,
                r#"    <testcase classname="lockstep.contract" name="{}">"#,
                xml_escape(&name)
            )?;
            writeln!(
                out,
                r#"      <failure type="{kind}" message="{}">{}</failure>"#,
                xml_escape(&line.reason),
                xml_escape(&line.reason)
            )?;
            writeln!(out, "    </testcase>")?;
        }
    }
    close(out)
}
