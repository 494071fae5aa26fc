//! An open-loop HTTP/1.1 load generator for `lockstep serve` (issue 19, tail latency).
//! One file, standard library only: `scripts/load/tail_latency.sh` compiles it with
//! `rustc -O` (no workspace build).
//!
//! Closed loop (`--rate 0`): each of `--connections` keep-alive connections sends its
//! next request as soon as the last is answered; the figure is the peak throughput.
//!
//! Open loop (`--rate R`): request `i` is *due* at `start + i / R`, whatever happened to
//! the requests before it (wrk2's model). The connections take the due requests in turn;
//! a request's latency is measured from the moment it was due, so time spent waiting for
//! a free connection counts (no coordinated omission: a stall shows up in the tail
//! instead of slowing the load down).
//!
//! Usage: openloop ADDR PATH BODY_FILE RATE SECONDS CONNECTIONS
//! Prints one line: `mode=… rate=… sent=… ok=… errors=… achieved=…/s p50=…ms p99=…ms
//! p999=…ms max=…ms`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 7 {
        eprintln!("usage: openloop ADDR PATH BODY_FILE RATE SECONDS CONNECTIONS");
        std::process::exit(2);
    }
    let addr = args[1].clone();
    let path = args[2].clone();
    let body = std::fs::read(&args[3]).unwrap_or_else(|e| fail(&format!("{}: {e}", args[3])));
    let rate: f64 = args[4].parse().unwrap_or_else(|_| fail("RATE must be a number"));
    let seconds: f64 = args[5].parse().unwrap_or_else(|_| fail("SECONDS must be a number"));
    let connections: usize = args[6].parse().unwrap_or_else(|_| fail("CONNECTIONS: a count"));
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let request = Arc::new(request);

    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(50);
    let end = start + Duration::from_secs_f64(seconds);
    let workers: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let (addr, request, next) = (addr.clone(), Arc::clone(&request), Arc::clone(&next));
            std::thread::spawn(move || worker(&addr, &request, &next, rate, start, end))
        })
        .collect();
    let mut latencies = Vec::new();
    let (mut ok, mut errors) = (0_u64, 0_u64);
    for w in workers {
        let (l, o, e) = w.join().unwrap_or_else(|_| fail("a worker panicked"));
        latencies.extend(l);
        ok += o;
        errors += e;
    }
    latencies.sort_unstable();
    let q = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i] as f64 / 1e6
    };
    println!(
        "mode={} rate={rate:.0} sent={} ok={ok} errors={errors} achieved={:.0}/s \
         p50={:.3}ms p99={:.3}ms p999={:.3}ms max={:.3}ms",
        if rate > 0.0 { "open" } else { "closed" },
        ok + errors,
        (ok + errors) as f64 / seconds,
        q(0.5),
        q(0.99),
        q(0.999),
        latencies.last().map_or(f64::NAN, |&m| m as f64 / 1e6),
    );
}

/// One keep-alive connection: (latencies in ns, answered 200, other answers or failures).
fn worker(
    addr: &str,
    request: &[u8],
    next: &AtomicU64,
    rate: f64,
    start: Instant,
    end: Instant,
) -> (Vec<u64>, u64, u64) {
    let mut latencies = Vec::new();
    let (mut ok, mut errors) = (0, 0);
    let mut conn: Option<(TcpStream, BufReader<TcpStream>)> = None;
    loop {
        let due = if rate > 0.0 {
            let i = next.fetch_add(1, Ordering::Relaxed);
            start + Duration::from_secs_f64(i as f64 / rate)
        } else {
            Instant::now().max(start)
        };
        if due >= end {
            break;
        }
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        if conn.is_none() {
            conn = TcpStream::connect(addr).ok().and_then(|s| {
                s.set_nodelay(true).ok()?;
                s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
                Some((s.try_clone().ok()?, BufReader::new(s)))
            });
        }
        let status = match conn.as_mut() {
            Some((w, r)) => exchange(w, r, request),
            None => None,
        };
        latencies.push(due.elapsed().as_nanos() as u64);
        match status {
            Some(200) => ok += 1,
            Some(_) => errors += 1,
            None => {
                errors += 1;
                conn = None;
            }
        }
    }
    (latencies, ok, errors)
}

/// Sends the request and reads the response; its status, or `None` when the
/// connection failed.
fn exchange(w: &mut TcpStream, r: &mut BufReader<TcpStream>, request: &[u8]) -> Option<u16> {
    w.write_all(request).ok()?;
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
    let mut length = 0_usize;
    loop {
        line.clear();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).ok()?;
    Some(status)
}

fn fail(message: &str) -> ! {
    eprintln!("openloop: {message}");
    std::process::exit(2)
}
