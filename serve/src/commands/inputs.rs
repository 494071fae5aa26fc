//! What `lockstep eval` and `lockstep compare` (and `gate`) read the same way: the data
//! file with the null values its pipeline recorded, a model loaded into an engine with
//! its class labels and pipeline, the settings files, and where the report goes.

use std::path::Path;

use anyhow::Context;
use lockstep_core::engine::Engine;
use lockstep_core::onnx;
use lockstep_core::report::{ModelSource, Settings, SettingsFormat, Source};
use lockstep_core::table::Table;
use lockstep_core::transform::FittedPipeline;

use super::EngineChoice;
use crate::input;

/// A model file loaded into an engine, with its class labels and its pipeline.
pub struct LoadedModel {
    pub bytes: Vec<u8>,
    pub engine: Box<dyn Engine>,
    pub class_labels: Option<Vec<String>>,
    pub pipeline: Option<FittedPipeline>,
}

impl LoadedModel {
    /// Reads the model at `path` (and the pipeline at `pipeline`) and loads it into
    /// `engine` (one thread: evaluations time the model per row).
    pub fn load(
        path: &Path,
        pipeline: Option<&Path>,
        engine: EngineChoice,
        ort_lib: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let pipeline = pipeline.map(input::read_pipeline).transpose()?;
        let bytes = input::read_model(path)?;
        let engine = engine.load(&bytes, ort_lib, 1)?;
        Ok(Self {
            class_labels: onnx::class_labels(&bytes),
            bytes,
            engine,
            pipeline,
        })
    }

    /// The evaluation source: this model, run through its pipeline.
    pub fn source(&self) -> Source<'_> {
        Source::Model(ModelSource {
            engine: self.engine.as_ref(),
            class_labels: self.class_labels.as_deref(),
            pipeline: self.pipeline.as_ref(),
            bytes: &self.bytes,
        })
    }
}

/// The data file's bytes (for its fingerprint) and its table, read with the null values
/// `pipeline` recorded at fit (or `--null-values`, which must agree with them).
pub fn read_data(
    path: &Path,
    null_values: &input::NullValuesArg,
    pipeline: Option<&FittedPipeline>,
) -> anyhow::Result<(Vec<u8>, Table)> {
    let bytes = input::read_file(path, "data", input::MAX_DATA_BYTES)?;
    let null_values = null_values.resolve(pipeline)?;
    let table = input::table_from_bytes(path, &bytes, &null_values)?;
    Ok((bytes, table))
}

/// A settings file's text with its format (by extension), for an evaluation request.
pub fn settings_of<'a>(path: Option<&Path>, text: Option<&'a str>) -> Option<Settings<'a>> {
    path.zip(text).map(|(path, text)| Settings {
        text,
        format: SettingsFormat::from_extension(&input::extension(path)),
    })
}

pub fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))
}

/// Writes a report to `output`, or to standard output without one.
pub fn write_report(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write `{}`", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
