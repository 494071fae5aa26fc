//! Issue 19, findings 2 and 3: slow and hostile clients against the real accept loop
//! (`server::listener::serve`) on a loopback socket, and the drain deadline. Every test
//! is bounded in time: a hang fails it instead of blocking the suite. The tests that
//! send prediction requests need ONNX Runtime (ORT_DYLIB_PATH or .venv); the others
//! serve a one-route Router.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use common::{MAX_BODY, app_with, rows};
use lockstep_serve::server::RequestOptions;
use lockstep_serve::server::listener::{Drained, HttpConfig, serve};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Longest any single step may take before the test fails.
const BOUND: Duration = Duration::from_secs(10);

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    done: JoinHandle<Drained>,
}

async fn start(app: Router, config: HttpConfig) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(serve(listener, app, config, async move {
        let _ = stopped.await;
    }));
    Running { addr, stop, done }
}

fn hello() -> Router {
    Router::new().route("/", get(|| async { "ok" }))
}

fn config(header_ms: u64) -> HttpConfig {
    HttpConfig {
        max_connections: 64,
        header_timeout: Duration::from_millis(header_ms),
        idle_timeout: Duration::from_secs(30),
        shutdown_timeout: Duration::from_secs(5),
    }
}

/// Reads until the peer closes (or resets); the bytes read. Panics after `BOUND`.
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0_u8; 4096];
    loop {
        match tokio::time::timeout(BOUND, stream.read(&mut buf)).await {
            Err(_) => panic!("the server kept the connection open past {BOUND:?}"),
            Ok(Ok(0) | Err(_)) => return out,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads until `\r\n\r\n` and the body of the announced length.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0_u8; 4096];
    loop {
        let n = tokio::time::timeout(BOUND, stream.read(&mut buf))
            .await
            .expect("no response in time")
            .unwrap();
        assert!(n > 0, "closed before a full response: {out:?}");
        out.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&out).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if out.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn slow_clients_a_silent_socket_is_closed_after_the_header_timeout() {
    let server = start(hello(), config(300)).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    read_to_close(&mut silent).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn slow_clients_headers_trickled_one_byte_at_a_time_are_cut_off() {
    let server = start(hello(), config(500)).await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    let request =
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut closed = false;
    for byte in request {
        if slow.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The server closes at 500 ms, long before the ~3.5 s the request takes.
        let mut buf = [0_u8; 64];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(1), slow.read(&mut buf)).await
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "a header trickled over 3.5 s was not cut off");
}

#[tokio::test]
async fn slow_clients_an_idle_keep_alive_connection_is_closed() {
    let server = start(hello(), config(300)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let response = read_response(&mut client).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // Keep-alive, then nothing: closed by the header timeout.
    assert!(read_to_close(&mut client).await.is_empty());
}

#[tokio::test]
async fn slow_clients_silent_sockets_at_the_cap_cannot_keep_a_health_check_out() {
    let mut capped = config(60_000);
    capped.max_connections = 4;
    let server = start(hello(), capped).await;
    // Five times the cap of sockets that never send a byte; the header timeout (60 s)
    // is far away, so only the cap's eviction of idle connections lets others in.
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(server.addr).await.unwrap());
    }
    let started = Instant::now();
    let mut health = TcpStream::connect(server.addr).await.unwrap();
    health
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let response = read_response(&mut health).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let waited = started.elapsed();
    // 20 silent sockets, 4 slots, a slot freed per 250 ms of idleness: about 1.25 s.
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    // The oldest silent sockets were closed to make room.
    let mut closed = 0;
    for socket in &mut silent[..4] {
        let mut buf = [0_u8; 16];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(100), socket.read(&mut buf)).await
        {
            closed += 1;
        }
    }
    assert_eq!(closed, 4, "the first four silent sockets were evicted");
}

#[tokio::test]
async fn slow_clients_busy_connections_are_not_evicted_at_the_cap() {
    let app = hello().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(1000)).await;
            "slow"
        }),
    );
    let mut capped = config(60_000);
    capped.max_connections = 2;
    let server = start(app, capped).await;
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut client = TcpStream::connect(server.addr).await.unwrap();
        client
            .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        slow.push(client);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0_u8; 64];
    assert!(
        tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf))
            .await
            .is_err(),
        "served past the cap of 2 while both connections were busy"
    );
    for client in &mut slow {
        let response = read_response(client).await;
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "not evicted: {response}"
        );
    }
    let response = read_response(&mut third).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[tokio::test]
async fn slow_clients_a_body_announced_longer_than_sent_is_answered_408() {
    let dir = tempfile::tempdir().unwrap();
    let options = RequestOptions {
        body_timeout: Duration::from_millis(300),
        ..RequestOptions::default()
    };
    let (app, _log) = app_with(dir.path(), options).await;
    let server = start(app, config(10_000)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(
            b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"rows\": ",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let response = read_response(&mut client).await;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("--body-timeout"), "{response}");
    assert!(
        response.contains("\"error\""),
        "JSON error shape: {response}"
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
    // The unread rest of the body makes the connection unusable: it is closed.
    read_to_close(&mut client).await;
}

#[tokio::test]
async fn slow_clients_expect_100_continue_over_the_limit_gets_413_not_100() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _log) = app_with(dir.path(), RequestOptions::default()).await;
    let server = start(app, config(10_000)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        MAX_BODY + 1
    );
    client.write_all(head.as_bytes()).await.unwrap();
    let response = read_response(&mut client).await;
    assert!(
        response.starts_with("HTTP/1.1 413"),
        "answered before any body byte, without 100 Continue: {response}"
    );
    assert!(response.contains("--max-body-bytes"), "{response}");

    // Within the limit, the client is told to go on and is answered.
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    let body = json!({ "rows": rows(1) }).to_string();
    let head = format!(
        "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    client.write_all(head.as_bytes()).await.unwrap();
    let mut buf = [0_u8; 256];
    let n = tokio::time::timeout(BOUND, client.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 100 Continue"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    client.write_all(body.as_bytes()).await.unwrap();
    let response = read_response(&mut client).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[tokio::test]
async fn shutdown_drains_within_the_deadline_despite_a_partial_request() {
    let mut drain = config(60_000);
    drain.shutdown_timeout = Duration::from_millis(500);
    let server = start(hello(), drain).await;
    // One client holds a partial request; another finishes a request normally.
    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Half: ")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(read_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    server.stop.send(()).unwrap();
    let drained = tokio::time::timeout(BOUND, server.done)
        .await
        .expect("the server did not stop within the bound")
        .unwrap();
    let took = started.elapsed();
    assert_eq!(drained.dropped_connections, 1, "the partial request");
    assert!(
        took >= Duration::from_millis(400),
        "waited for the deadline: {took:?}"
    );
    // The idle keep-alive connection was closed at once, the partial one at the deadline.
    read_to_close(&mut idle).await;
    read_to_close(&mut partial).await;
    // No new connections after shutdown.
    assert!(TcpStream::connect(server.addr).await.is_err());
}

#[tokio::test]
async fn shutdown_without_stragglers_is_immediate() {
    let server = start(hello(), config(60_000)).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(read_response(&mut client).await.starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    server.stop.send(()).unwrap();
    let drained = tokio::time::timeout(BOUND, server.done)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(drained.dropped_connections, 0);
    assert!(started.elapsed() < Duration::from_secs(2));
}
