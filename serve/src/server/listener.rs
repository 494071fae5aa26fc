//! The accept loop: every connection is an HTTP/1.1 connection served by hyper, with
//! the limits a server facing strangers needs.
//!
//! - **Connection cap** (`max_connections`): at the cap, a new connection takes the slot
//!   of the open connection idle the longest (no request in flight, no byte moved for
//!   at least [`EVICTABLE_AFTER`]), which is closed; so sockets that send nothing
//!   cannot keep a health check out. When every connection is busy, the loop waits
//!   for one to end and further clients wait in the kernel's backlog.
//! - **Header timeout** (`header_timeout`): a request's headers must arrive within it.
//!   hyper starts the clock whenever it waits for a request head, so it also closes a
//!   socket that sends nothing, one that trickles its headers, and a keep-alive
//!   connection left idle between requests.
//! - **Idle timeout** (`idle_timeout`): a connection on which no byte moved in either
//!   direction for this long is closed (a client that stops reading its response, a
//!   stalled body the handler is not reading).
//! - The **body timeout** is the handlers' (see `routes::read_body`): a body announced
//!   longer than what is sent is answered 408 when it runs out.
//! - **Drain deadline** (`shutdown_timeout`): on shutdown the listener closes, every
//!   connection is asked to finish its current request and close; connections still
//!   open at the deadline (a client holding a partial request) are dropped, so the
//!   process always ends and the caller can flush the prediction log.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicUsize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use axum::body::Body;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// A connection this long without a byte moving (and no request in flight) may be
/// closed to make room at the connection cap.
pub const EVICTABLE_AFTER: Duration = Duration::from_millis(250);

/// Connection limits and the drain deadline.
#[derive(Debug, Clone, Copy)]
pub struct HttpConfig {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub shutdown_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(20),
        }
    }
}

/// What happened when the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    /// Connections still open at the drain deadline, closed without an answer.
    pub dropped_connections: usize,
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains (see the module
/// documentation). Returns once every connection is closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Drained {
    let (stop_tx, mut stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let registry = Arc::new(Registry::default());
    let mut connections = JoinSet::new();
    let mut next_id = 0_u64;
    loop {
        // Room for one more: below the cap, or by closing the idlest connection, or
        // by waiting for one to end.
        loop {
            let freed = registry.freed.notified();
            if registry.make_room(config.max_connections.max(1)) {
                break;
            }
            tokio::select! {
                () = stopped(&mut stop_rx) => break,
                () = freed => {}
                () = tokio::time::sleep(EVICTABLE_AFTER) => {}
            }
        }
        if *stop_rx.borrow() {
            break;
        }
        let stream = tokio::select! {
            () = stopped(&mut stop_rx) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // EMFILE and friends: wait a little instead of spinning.
                    tracing::warn!("cannot accept a connection: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        next_id += 1;
        let slot = registry.admit(next_id);
        connections.spawn(connection(
            stream,
            app.clone(),
            config,
            stop_rx.clone(),
            slot,
        ));
    }
    drop(listener);
    let open = connections.len();
    if open > 0 {
        tracing::info!(
            open,
            deadline_seconds = config.shutdown_timeout.as_secs_f64(),
            "draining connections"
        );
    }
    let drained = tokio::time::timeout(config.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await
    .is_ok();
    let dropped_connections = if drained {
        0
    } else {
        let left = connections.len();
        tracing::warn!(
            connections = left,
            "drain deadline passed (--shutdown-timeout): closing the connections still open"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
        left
    };
    Drained {
        dropped_connections,
    }
}

/// One connection, until it closes, times out or is dropped at the drain deadline.
async fn connection(
    stream: TcpStream,
    app: Router,
    config: HttpConfig,
    mut stop: watch::Receiver<bool>,
    slot: Slot,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::clone(&slot.entry.activity);
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let in_flight = Arc::clone(&slot.entry.in_flight);
    let service =
        hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let app = app.clone();
            let busy = Busy::enter(&in_flight);
            async move {
                let response = app.oneshot(request.map(Body::new)).await;
                drop(busy);
                response
            }
        });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let check_every = (config.idle_timeout / 4).max(Duration::from_millis(10));
    let mut idle_check = tokio::time::interval(check_every);
    idle_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stopping = false;
    // Made once, not on every wake of the connection: each `notified()` / `changed()`
    // made anew registers a waiter again (a lock per wake, several wakes per request).
    let stop_signal = stopped(&mut stop);
    let mut stop_signal = std::pin::pin!(stop_signal);
    let evicted = slot.entry.evict.notified();
    let mut evicted = std::pin::pin!(evicted);
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!("connection closed: {err}");
                }
                break;
            }
            () = stop_signal.as_mut(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            () = evicted.as_mut() => {
                tracing::debug!("closing an idle connection to make room (--max-connections)");
                break;
            }
            _ = idle_check.tick() => {
                if activity.idle_for() >= config.idle_timeout {
                    tracing::debug!("closing a connection idle for {:?} (--idle-timeout)", config.idle_timeout);
                    break;
                }
            }
        }
    }
}

/// The open connections, for the cap.
#[derive(Default)]
struct Registry {
    open: Mutex<HashMap<u64, Arc<Entry>>>,
    /// Notified whenever a connection ends.
    freed: Notify,
}

struct Entry {
    activity: Arc<Activity>,
    in_flight: Arc<AtomicUsize>,
    evict: Notify,
}

impl Registry {
    /// True when a connection may be admitted: below `max`, or after asking the
    /// idlest evictable connection to close (its slot counts as free at once).
    fn make_room(&self, max: usize) -> bool {
        let Ok(mut open) = self.open.lock() else {
            return true;
        };
        if open.len() < max {
            return true;
        }
        let victim = open
            .iter()
            .filter(|(_, e)| {
                e.in_flight.load(Ordering::Relaxed) == 0 && e.activity.idle_for() >= EVICTABLE_AFTER
            })
            .max_by_key(|(_, e)| e.activity.idle_for())
            .map(|(id, _)| *id);
        match victim.and_then(|id| open.remove(&id)) {
            Some(entry) => {
                entry.evict.notify_one();
                true
            }
            None => false,
        }
    }

    fn admit(self: &Arc<Self>, id: u64) -> Slot {
        let entry = Arc::new(Entry {
            activity: Arc::new(Activity::new()),
            in_flight: Arc::new(AtomicUsize::new(0)),
            evict: Notify::new(),
        });
        if let Ok(mut open) = self.open.lock() {
            open.insert(id, Arc::clone(&entry));
        }
        Slot {
            id,
            entry,
            registry: Arc::clone(self),
        }
    }
}

/// A connection's place in the registry, released when the connection ends.
struct Slot {
    id: u64,
    entry: Arc<Entry>,
    registry: Arc<Registry>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.registry.open.lock() {
            open.remove(&self.id);
        }
        self.registry.freed.notify_one();
    }
}

/// Counts a request in flight on a connection while it lives.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn enter(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(counter))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Resolves once the stop flag is set (never if its sender is gone unset).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    loop {
        let set = *stop.borrow_and_update();
        if set {
            return;
        }
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// When a connection last moved a byte, in milliseconds since it opened.
struct Activity {
    opened: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }
}

/// A socket that records its activity.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
