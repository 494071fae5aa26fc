//! Every `.wgsl` kernel under core/src/gpu parses and validates with naga (the WGSL
//! front end and validator wgpu itself uses), without a device.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lockstep_core::gpu::wgpu::naga;

fn wgsl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            wgsl_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "wgsl") {
            out.push(path);
        }
    }
}

#[test]
fn every_wgsl_kernel_parses_and_validates() {
    let mut files = Vec::new();
    wgsl_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gpu"),
        &mut files,
    );
    files.sort();
    assert!(!files.is_empty(), "no .wgsl files under core/src/gpu");
    // softfloat.wgsl is a library the Rust side puts before every kernel that calls
    // `sf_*`: validated alone (no entry point) and with each such kernel.
    let softfloat_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/gpu/softfloat.wgsl");
    let softfloat = std::fs::read_to_string(&softfloat_path).unwrap();
    let library = naga::front::wgsl::parse_str(&softfloat)
        .unwrap_or_else(|e| panic!("softfloat.wgsl: {}", e.emit_to_string(&softfloat)));
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&library)
    .unwrap_or_else(|e| panic!("softfloat.wgsl: {}", e.emit_to_string(&softfloat)));
    for path in files.iter().filter(|p| **p != softfloat_path) {
        let kernel = std::fs::read_to_string(path).unwrap();
        let source = if kernel.contains("sf_") {
            format!("{softfloat}\n{kernel}")
        } else {
            kernel
        };
        let module = naga::front::wgsl::parse_str(&source)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&source)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&source)));
        assert!(
            module.entry_points.iter().any(|e| e.name == "main"),
            "{}: no `main` entry point",
            path.display()
        );
    }
}
