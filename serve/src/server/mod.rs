//! `lockstep serve`: a fitted pipeline and an ONNX model behind HTTP.
//!
//! Data flow: a request's raw features ([`validate`]: checked against the pipeline's
//! input schema) → a `lockstep-core` table → [`served::ServedModel::predict`] (core
//! transforms, then the engine: ONNX Runtime's pool of sessions) → OIP tensors or JSON rows
//! ([`routes`]), while [`record`] lines go through a bounded queue to the JSON Lines
//! writer ([`logging`]). [`metrics`] counts requests; [`openapi`] documents the API.
//! [`listener`] accepts connections (cap, timeouts, drain deadline); [`guard`] holds
//! the request contract every route shares (CORS, `Content-Type`, JSON errors).

mod clock;
pub mod error;
pub mod guard;
pub mod listener;
pub mod logging;
pub mod metrics;
pub mod oip;
pub mod openapi;
mod record;
pub mod routes;
pub mod served;
pub mod validate;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use self::listener::HttpConfig;
use self::logging::{FailurePolicy, LogConfig, LogSender, SyncPolicy};
use self::metrics::Metrics;
use self::served::ServedModel;
use crate::{input, ort_engine};

/// Arguments of `lockstep serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The ONNX model (one input: the pipeline's feature matrix).
    #[arg(long)]
    pub model: PathBuf,
    /// The fitted pipeline (JSON from `lockstep fit`).
    #[arg(long)]
    pub pipeline: PathBuf,
    /// The model's name in URLs (/v2/models/NAME); default: the model file's stem.
    #[arg(long)]
    pub name: Option<String>,
    /// Address to listen on (port 0: any free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Folder for the prediction log (JSON Lines, see docs/serving-log-format.md).
    #[arg(long, default_value = "prediction-logs")]
    pub log_dir: PathBuf,
    /// Start a new log file when the current one would grow past this many bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    pub log_max_bytes: u64,
    /// Request batches the log queue holds before requests wait (back-pressure).
    #[arg(long, default_value_t = 1024)]
    pub log_queue: usize,
    /// Flush the log at least this often (milliseconds).
    #[arg(long, default_value_t = 1000)]
    pub log_flush_ms: u64,
    /// Refuse request bodies over this many bytes (413).
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Refuse batches of more rows than this (413).
    #[arg(long, default_value_t = 4096)]
    pub max_rows: usize,
    /// ONNX Runtime sessions in the pool (default: the number of cores).
    #[arg(long)]
    pub sessions: Option<usize>,
    /// Also serve the built web app from this folder.
    #[arg(long)]
    pub web_dir: Option<PathBuf>,
    /// ONNX Runtime's library (default: $ORT_DYLIB_PATH, then .venv's onnxruntime wheel).
    #[arg(long)]
    pub ort_lib: Option<PathBuf>,
    /// Most connections open at once. At the cap a new connection replaces the one idle
    /// the longest (no request in flight); when all are busy, new clients wait.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers; also how long an idle
    /// keep-alive connection stays open.
    #[arg(long, default_value = "10", value_parser = seconds)]
    pub header_timeout: Duration,
    /// Seconds a client has to send a request's body once its headers are in (408 after).
    #[arg(long, default_value = "30", value_parser = seconds)]
    pub body_timeout: Duration,
    /// Seconds without a byte moving either way before a connection is closed.
    #[arg(long, default_value = "60", value_parser = seconds)]
    pub idle_timeout: Duration,
    /// Seconds to finish in-flight requests after SIGTERM or Ctrl-C; connections still
    /// open then are closed unanswered. The prediction log is flushed either way.
    #[arg(long, default_value = "20", value_parser = seconds)]
    pub shutdown_timeout: Duration,
    /// While the prediction log cannot be written (a full disk): `refuse` answers 503,
    /// `answer` keeps answering and counts the rows it drops. Readiness is 503 either way.
    #[arg(long, value_enum, default_value_t = FailurePolicy::Refuse)]
    pub on_log_failure: FailurePolicy,
    /// When a request's rows must be in the log before it is answered: `interval`
    /// (at the next flush, every --log-flush-ms: a kill -9 can lose that interval's
    /// rows), `request` (written to the OS: a kill -9 loses no answered row) or `fsync`
    /// (on disk: a power loss loses none either). Cost in docs/serving.md.
    #[arg(long, value_enum, default_value_t = SyncPolicy::Interval)]
    pub log_sync: SyncPolicy,
    /// Let browser pages from this origin call the API (e.g. `https://app.example.com`;
    /// repeat for more). By default no foreign origin is allowed.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Refuse to start unless the model and pipeline files are the ones this blessing
    /// (`lockstep gate`'s blessing.json) binds, and the gate did not fail.
    #[arg(long, value_name = "BLESSING_JSON")]
    pub require_blessing: Option<PathBuf>,
}

/// SIGXFSZ ("file size limit exceeded") on Linux and the BSDs.
#[cfg(unix)]
const SIGXFSZ: i32 = 25;

/// A duration in seconds, fractions allowed (`0.5`).
fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if value.is_finite() && value > 0.0 && value <= 86_400.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(format!(
            "`{text}`: give a number of seconds above 0 and at most 86400"
        ))
    }
}

/// `text` for an error message: whole when short, else its first `max` characters,
/// then `… (N bytes)`.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
    }
}

/// Request limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_rows: usize,
}

/// How requests are read and answered, beyond [`Limits`].
#[derive(Debug, Clone)]
pub struct RequestOptions {
    /// A request's body must arrive within this time (408 after).
    pub body_timeout: Duration,
    /// What to do while the prediction log cannot be written.
    pub on_log_failure: FailurePolicy,
    /// Origins whose pages may call the API (CORS); none by default.
    pub cors_origins: Arc<[String]>,
}

impl Default for RequestOptions {
    fn default() -> Self {
        Self {
            body_timeout: Duration::from_secs(30),
            on_log_failure: FailurePolicy::default(),
            cors_origins: Arc::new([]),
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub served: Arc<ServedModel>,
    pub log: LogSender,
    pub metrics: Arc<Metrics>,
    pub limits: Limits,
    pub options: RequestOptions,
    pub ready: Arc<AtomicBool>,
    id_prefix: Arc<str>,
    next_id: Arc<AtomicU64>,
}

impl AppState {
    pub fn new(served: ServedModel, log: LogSender, metrics: Metrics, limits: Limits) -> Self {
        Self {
            served: Arc::new(served),
            log,
            metrics: Arc::new(metrics),
            limits,
            options: RequestOptions::default(),
            ready: Arc::new(AtomicBool::new(true)),
            id_prefix: format!("{:x}-{:x}", clock::unix_millis(), std::process::id()).into(),
            next_id: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The same state with `options`.
    #[must_use]
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Ready to serve: loaded, not shutting down, and the log writer is healthy.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed) && self.log.healthy()
    }

    /// A request id unique to this process: `<start ms hex>-<pid hex>-<counter>`.
    pub fn next_request_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.id_prefix)
    }
}

/// Every route, with metrics and the body limit; other paths go to the web app in
/// `web_dir` when given, else get a JSON 404. The request contract ([`guard`]) wraps
/// them all.
pub fn router(state: AppState, web_dir: Option<&std::path::Path>) -> Router {
    let cors = guard::Cors::new(state.options.cors_origins.clone());
    let api = api_routes(state);
    let app = match web_dir {
        Some(dir) => api.merge(crate::web::router(dir)),
        None => api.fallback(routes::not_found),
    };
    app.layer(middleware::from_fn_with_state(cors, guard::contract))
}

fn api_routes(state: AppState) -> Router {
    let limit = state.limits.max_body_bytes;
    Router::new()
        .route("/v2/health/live", get(routes::live))
        .route("/v2/health/ready", get(routes::ready))
        .route("/v2", get(routes::server_metadata))
        .route("/v2/models/{name}", get(routes::model_metadata))
        .route("/v2/models/{name}/ready", get(routes::model_ready))
        .route("/v2/models/{name}/infer", post(routes::infer))
        .route("/v1/predict", post(routes::predict_rows))
        .route("/openapi.json", get(routes::openapi))
        .route("/metrics", get(routes::metrics))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Counts each request by route and status and times it.
async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The matched path is shared (an `Arc<str>` inside): cloning it allocates nothing.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let start = Instant::now();
    let response = next.run(request).await;
    let seconds = start.elapsed().as_secs_f64();
    state.metrics.record_request(
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        response.status().as_u16(),
        seconds,
    );
    response
}

/// Loads everything, then serves until SIGTERM/SIGINT; then drains in-flight
/// requests (at most `--shutdown-timeout`), closes the log queue and waits for every
/// row to be written.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let pipeline = input::read_pipeline(&args.pipeline)?;
    let model_bytes = input::read_model(&args.model)?;
    if let Some(path) = &args.require_blessing {
        crate::commands::gate::require_blessing(path, &model_bytes, &args.pipeline)?;
    }
    let name = args.name.clone().unwrap_or_else(|| {
        args.model
            .file_stem()
            .map_or_else(|| "model".to_owned(), |s| s.to_string_lossy().into_owned())
    });
    ort_engine::init(args.ort_lib.as_deref())?;
    let sessions = args
        .sessions
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let served = tokio::task::spawn_blocking(move || {
        ServedModel::load(name, pipeline, &model_bytes, sessions)
    })
    .await
    .context("loading the model failed")?
    .with_context(|| format!("cannot serve `{}`", args.model.display()))?;
    let load_seconds = started.elapsed().as_secs_f64();
    // A file-size limit (`ulimit -f`) must fail a log write (EFBIG), which the writer
    // survives, instead of killing the process with SIGXFSZ: listening for the signal
    // replaces its default action.
    #[cfg(unix)]
    let _file_size_signal =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(SIGXFSZ));
    let (log, log_handle) = logging::start(LogConfig {
        dir: args.log_dir.clone(),
        max_bytes: args.log_max_bytes,
        queue: args.log_queue,
        flush_every: Duration::from_millis(args.log_flush_ms.max(1)),
        sync: args.log_sync,
    })
    .await
    .with_context(|| {
        format!(
            "cannot open the prediction log in `{}`",
            args.log_dir.display()
        )
    })?;
    tracing::info!(
        model = %served.name,
        engine = %served.engine_name(),
        model_fingerprint = %served.model_fingerprint,
        pipeline_fingerprint = %served.pipeline.fingerprint(),
        sessions,
        load_seconds,
        "model loaded and warmed up"
    );
    let limits = Limits {
        max_body_bytes: args.max_body_bytes,
        max_rows: args.max_rows,
    };
    let options = RequestOptions {
        body_timeout: args.body_timeout,
        on_log_failure: args.on_log_failure,
        cors_origins: args.cors_origins.clone().into(),
    };
    let state =
        AppState::new(served, log, Metrics::new(load_seconds), limits).with_options(options);
    if let Some(web_dir) = &args.web_dir {
        crate::web::check_web_dir(web_dir)?;
    }
    let app =
        router(state, args.web_dir.as_deref()).layer(tower_http::trace::TraceLayer::new_for_http());
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;
    tracing::info!("lockstep serve ready on http://{local}/");
    println!("lockstep serve: listening on http://{local}/");
    let http = HttpConfig {
        max_connections: args.max_connections,
        header_timeout: args.header_timeout,
        idle_timeout: args.idle_timeout,
        shutdown_timeout: args.shutdown_timeout,
    };
    let drained = listener::serve(listener, app, http, crate::shutdown::signal()).await;
    // Every answered request has queued its rows by now; write them all.
    log_handle
        .close()
        .await
        .context("the prediction log writer failed")?;
    if drained.dropped_connections > 0 {
        tracing::warn!(
            connections = drained.dropped_connections,
            "closed at the drain deadline without an answer"
        );
    }
    Ok(())
}
