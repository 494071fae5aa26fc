//! Issue 19, finding 9: input files that are not regular files (`/dev/zero`, a FIFO,
//! a folder) are refused by name before anything is read from them, and values in
//! error messages are quoted truncated.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use std::process::Command;
use std::time::{Duration, Instant};

use lockstep_serve::input;

fn message(err: &anyhow::Error) -> String {
    format!("{err:#}")
}

#[test]
fn input_files_dev_zero_a_fifo_and_a_folder_are_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("rows.csv");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let folder = dir.path().join("data.csv");
    std::fs::create_dir(&folder).unwrap();
    let zero = std::path::Path::new("/dev/zero");
    let started = Instant::now();
    for path in [zero, fifo.as_path(), folder.as_path()] {
        let err = input::read_table(path, &[]).unwrap_err();
        assert!(
            message(&err).contains("is not a regular file"),
            "{}: {err:#}",
            path.display()
        );
        let err = input::read_model(path).unwrap_err();
        assert!(message(&err).contains("is not a regular file"), "{err:#}");
        let err = input::read_pipeline(path).unwrap_err();
        assert!(message(&err).contains("is not a regular file"), "{err:#}");
    }
    // Nothing was read (a FIFO without a writer would block; /dev/zero never ends).
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn input_files_over_the_limit_are_refused_by_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let file = std::fs::File::create(&path).unwrap();
    // A sparse file: its size is over the pipeline limit, its disk use nothing.
    file.set_len(input::MAX_PIPELINE_BYTES + 1).unwrap();
    let err = input::read_pipeline(&path).unwrap_err();
    let text = message(&err);
    assert!(text.contains("over the limit of 268435456 bytes"), "{text}");
}

#[test]
fn input_files_a_long_bad_value_is_quoted_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.jsonl");
    let long = "x".repeat(100_000);
    std::fs::write(&path, format!("{{\"a\": 1}}\n{{\"a\": \"{long}\"}}\n")).unwrap();
    let err = input::read_table(&path, &[]).unwrap_err();
    let text = message(&err);
    assert!(text.contains("… (100000 bytes)"), "{text}");
    assert!(
        text.len() < 400,
        "the value is not echoed whole: {}",
        text.len()
    );
}

#[test]
fn input_files_the_cli_refuses_dev_zero_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args([
            "transform",
            "--pipeline",
            "tests/data/serving/pipeline.json",
        ])
        .args(["--input", "/dev/zero", "--output"])
        .arg(dir.path().join("out.csv"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`/dev/zero` is not a regular file"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}
