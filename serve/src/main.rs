//! `lockstep`: Lockstep's server and command-line tool.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "lockstep",
    version,
    about = "Evaluate models offline and serve exactly what you evaluated."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app with its bundled demo data set.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Folder holding the built web app (Trunk's output).
        #[arg(long, default_value = "dist")]
        web_dir: PathBuf,
    },
    /// Serve a fitted pipeline and an ONNX model over HTTP (Open Inference Protocol v2).
    Serve(lockstep_serve::server::ServeArgs),
    /// Fit a pipeline spec on training data and write the fitted pipeline (JSON).
    Fit(lockstep_serve::commands::fit::FitArgs),
    /// Apply a fitted pipeline to raw rows and write the features.
    Transform(lockstep_serve::commands::transform::TransformArgs),
    /// Evaluate predictions (columns, or a model run on the data) into a report; exit 1
    /// when the metric contract fails.
    Eval(Box<lockstep_serve::commands::eval::EvalArgs>),
    /// Champion vs challenger on the same rows: paired intervals of every metric's
    /// difference, McNemar's and DeLong's tests; exit 1 when the challenger is rejected.
    Compare(Box<lockstep_serve::commands::compare::CompareArgs>),
    /// Replay logged serving rows through the offline pipeline and model and compare
    /// (exit 1 when skew is found).
    Skew(Box<lockstep_serve::commands::skew::SkewArgs>),
    /// What to do next: avoidable bias, variance, data mismatch and dev overfitting with
    /// intervals, learning curves, and the dev set's errors with their tags.
    Diagnose(Box<lockstep_serve::commands::diagnose::DiagnoseArgs>),
    /// One readiness verdict from the declared checks of a gate file (exit 1 on FAIL),
    /// written as JSON, Markdown, HTML and JUnit plus a blessing; `--verify` checks a
    /// blessing against the artefacts about to ship.
    Gate(Box<lockstep_serve::commands::gate::GateArgs>),
    /// Run an ONNX model over a data file and write its predictions.
    Predict(lockstep_serve::commands::predict::PredictArgs),
    /// Run the same model and data through two engines and compare their outputs
    /// (exit 1 when a tolerance is exceeded).
    Parity(lockstep_serve::commands::parity::ParityArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", chain_text(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes joined by `: `, each cause said once: a cause whose text
/// a message before it already holds (an error that prints its source in its own
/// message, as `#[error("…: {0}")]` with `#[from]` does) is left out, where `{:#}`
/// repeated it once per level.
fn chain_text(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo { addr, web_dir } => {
            lockstep_serve::web::check_web_dir(&web_dir)?;
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(demo(addr, web_dir))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(lockstep_serve::server::run(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fit(args) => lockstep_serve::commands::fit::run(args),
        Command::Transform(args) => lockstep_serve::commands::transform::run(args),
        Command::Eval(args) => lockstep_serve::commands::eval::run(*args),
        Command::Compare(args) => lockstep_serve::commands::compare::run(*args),
        Command::Skew(args) => lockstep_serve::commands::skew::run(*args),
        Command::Diagnose(args) => lockstep_serve::commands::diagnose::run(*args),
        Command::Gate(args) => lockstep_serve::commands::gate::run(*args),
        Command::Predict(args) => lockstep_serve::commands::predict::run(args),
        Command::Parity(args) => lockstep_serve::commands::parity::run(args),
    }
}

async fn demo(addr: SocketAddr, web_dir: PathBuf) -> anyhow::Result<()> {
    // Compressed copies are made off the startup path; until one exists its file is
    // sent uncompressed.
    let folder = web_dir.clone();
    std::thread::spawn(move || match lockstep_serve::web::precompress(&folder) {
        Ok(written) => tracing::info!(written, "precompressed the web app (gzip)"),
        Err(err) => tracing::warn!(%err, "cannot precompress the web app; serving it uncompressed"),
    });
    let app =
        lockstep_serve::web::router(&web_dir).layer(tower_http::trace::TraceLayer::new_for_http());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;
    tracing::info!(web_dir = %web_dir.display(), "lockstep demo ready on http://{local}/");
    println!("lockstep demo: open http://{local}/");
    // The same accept loop as `lockstep serve`: connection cap, header and idle
    // timeouts, a drain deadline on shutdown.
    lockstep_serve::server::listener::serve(
        listener,
        app,
        lockstep_serve::server::listener::HttpConfig::default(),
        lockstep_serve::shutdown::signal(),
    )
    .await;
    Ok(())
}
