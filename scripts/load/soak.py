"""The client side and the judge of scripts/load/soak.sh (issue 19): mixed valid and
invalid requests plus slow clients against one `lockstep serve` for SECONDS, sampling
the server's RSS, open file descriptors, log bytes and request latency every SAMPLE
seconds, then asserting that none of them grows.

Load: CLIENTS keep-alive clients each send, in a fixed pseudo-random mix, valid
/v1/predict requests of 1-8 rows (80 %), invalid ones (10 %: malformed JSON, a wrong
type, an unknown column, text/plain) and reads (10 %: health, metadata, metrics);
SLOW clients send one header byte every 2 s and reconnect when the server closes them.

Judged after the warm-up (the first quarter of the samples):
- RSS: the median of the last quarter ≤ the median of the second quarter × 1.10 + 4 MiB;
- file descriptors: the last quarter's maximum ≤ the second quarter's maximum + 8;
- log bytes per logged row: every window within ±10 % of the whole run's, and (after
  SIGTERM, in soak.sh) the log holds exactly the rows answered 200;
- latency: the last quarter's p99 ≤ 3 × the second quarter's p99 + 5 ms (loose: on a shared
  machine the tail is mostly other processes'; a leak shows as a trend over hours).
Exit status 1 when a check fails. Standard library only.
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import sys
import threading
import time


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--addr", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--logs", required=True)
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--sample", type=float, default=5)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--slow", type=int, default=16)
    p.add_argument("--rows-file", default="tests/data/transforms/test.jsonl")
    p.add_argument("--result", required=True, help="JSON file for soak.sh's final check")
    return p.parse_args()


class Totals:
    def __init__(self):
        self.lock = threading.Lock()
        self.rows_ok = 0
        self.requests = {"valid_200": 0, "invalid_4xx": 0, "reads_200": 0, "unexpected": 0}
        self.latencies = []  # seconds, valid requests answered 200
        self.unexpected = {}  # what the unexpected answers were, and how many

    def add(self, kind, rows=0, latency=None, what=None):
        with self.lock:
            self.requests[kind] += 1
            if what is not None:
                self.unexpected[what] = self.unexpected.get(what, 0) + 1
            self.rows_ok += rows
            if latency is not None:
                self.latencies.append(latency)

    def take_latencies(self):
        with self.lock:
            out, self.latencies = self.latencies, []
            return out


def client(i, args, host, port, rows, totals, stop):
    rng = random.Random(i)
    conn = None
    invalid = [
        ("application/json", b'{"rows": [{"age": '),
        ("application/json", json.dumps({"rows": [dict(rows[0], age="old")]}).encode()),
        ("application/json", json.dumps({"rows": [dict(rows[0], colour="red")]}).encode()),
        ("text/plain", json.dumps({"rows": rows[:1]}).encode()),
    ]
    previous = "none"  # the request before, on this connection (named in failures)
    while not stop.is_set():
        if conn is None:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            previous = "none"
        pick = rng.random()
        kind = "?"
        try:
            if pick < 0.8:
                n = rng.randint(1, 8)
                kind = "valid"
                start = rng.randrange(len(rows) - n)
                body = json.dumps({"rows": rows[start : start + n]})
                t0 = time.monotonic()
                conn.request("POST", "/v1/predict", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                latency = time.monotonic() - t0
                if r.status == 200:
                    totals.add("valid_200", n, latency)
                else:
                    totals.add("unexpected", what=f"valid request answered {r.status}")
            elif pick < 0.9:
                k = rng.randrange(len(invalid))
                ctype, body = invalid[k]
                kind = f"invalid #{k}"
                conn.request("POST", "/v1/predict", body, {"Content-Type": ctype})
                r = conn.getresponse()
                r.read()
                if 400 <= r.status < 500:
                    totals.add("invalid_4xx")
                else:
                    totals.add("unexpected", what=f"invalid request answered {r.status}")
            else:
                path = rng.choice(["/v2/health/ready", "/v2/models/m", "/metrics"])
                kind = path
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    totals.add("reads_200")
                else:
                    totals.add("unexpected", what=f"GET {path} answered {r.status}")
            previous = kind
        except (OSError, http.client.HTTPException) as e:
            totals.add("unexpected", what=f"{type(e).__name__}: {kind} after {previous}")
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


def slow_client(host, port, stop, reconnects):
    header = b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
    while not stop.is_set():
        try:
            s = socket.create_connection((host, port), timeout=5)
            for b in header:
                if stop.wait(2):
                    break
                s.send(bytes([b]))
        except OSError:
            pass
        finally:
            try:
                s.close()
            except (OSError, UnboundLocalError):
                pass
        reconnects[0] += 1


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def log_bytes(folder):
    total = 0
    for root, _, files in os.walk(folder):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def quantile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(q * len(values) + 0.999999) - 1))]


def main():
    args = parse()
    host, port = args.addr.rsplit(":", 1)
    port = int(port)
    rows = [json.loads(line) for line in open(args.rows_file) if "null" not in line]
    totals, stop = Totals(), threading.Event()
    reconnects = [0]
    threads = [
        threading.Thread(target=client, args=(i, args, host, port, rows, totals, stop))
        for i in range(args.clients)
    ] + [
        threading.Thread(target=slow_client, args=(host, port, stop, reconnects))
        for _ in range(args.slow)
    ]
    for t in threads:
        t.start()
    samples = []
    begin = time.monotonic()
    print(f"{'t (s)':>7} {'RSS MiB':>8} {'fds':>5} {'log MiB':>8} {'rows':>9} "
          f"{'B/row':>6} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7}", flush=True)
    last_rows, last_t = 0, begin
    while time.monotonic() - begin < args.seconds:
        time.sleep(args.sample)
        now = time.monotonic()
        lat = totals.take_latencies()
        with totals.lock:
            rows_ok = totals.rows_ok
        s = {
            "t": now - begin,
            "rss_kib": rss_kib(args.pid),
            "fds": len(os.listdir(f"/proc/{args.pid}/fd")),
            "log_bytes": log_bytes(args.logs),
            "rows": rows_ok,
            "req_per_s": len(lat) / (now - last_t),
            "p50_ms": quantile(lat, 0.5) * 1e3,
            "p99_ms": quantile(lat, 0.99) * 1e3,
            "latencies": lat,
        }
        samples.append(s)
        last_rows, last_t = rows_ok, now
        print(f"{s['t']:7.0f} {s['rss_kib'] / 1024:8.1f} {s['fds']:5} "
              f"{s['log_bytes'] / 2**20:8.2f} {s['rows']:9} "
              f"{s['log_bytes'] / max(1, s['rows']):6.0f} {s['req_per_s']:6.0f} "
              f"{s['p50_ms']:7.2f} {s['p99_ms']:7.2f}", flush=True)
    stop.set()
    for t in threads:
        t.join()

    failures = []
    n = len(samples)
    if n < 8:
        failures.append(f"only {n} samples: run longer than 8 × --sample")
    else:
        q = n // 4
        second, last = samples[q : 2 * q], samples[n - q :]
        rss2 = statistics.median(x["rss_kib"] for x in second)
        rss4 = statistics.median(x["rss_kib"] for x in last)
        if rss4 > rss2 * 1.10 + 4096:
            failures.append(f"RSS grew: median {rss2 / 1024:.1f} → {rss4 / 1024:.1f} MiB")
        fd2, fd4 = max(x["fds"] for x in second), max(x["fds"] for x in last)
        if fd4 > fd2 + 8:
            failures.append(f"file descriptors grew: max {fd2} → {fd4}")
        # Bytes per row, per window (windows with rows in them).
        overall = samples[-1]["log_bytes"] / max(1, samples[-1]["rows"])
        prev_bytes, prev_rows = 0, 0
        for x in samples[q:]:
            d_rows = x["rows"] - prev_rows
            d_bytes = x["log_bytes"] - prev_bytes
            prev_bytes, prev_rows = x["log_bytes"], x["rows"]
            if d_rows > 200 and abs(d_bytes / d_rows - overall) > 0.10 * overall:
                failures.append(
                    f"log bytes per row at {x['t']:.0f} s: {d_bytes / d_rows:.0f} "
                    f"(whole run {overall:.0f})"
                )
                break
        p2 = quantile([v for x in second for v in x["latencies"]], 0.99) * 1e3
        p4 = quantile([v for x in last for v in x["latencies"]], 0.99) * 1e3
        if p4 > 3 * p2 + 5:
            failures.append(f"p99 latency grew: {p2:.2f} → {p4:.2f} ms")
        print(f"second quarter → last quarter: RSS median {rss2 / 1024:.1f} → {rss4 / 1024:.1f} "
              f"MiB, fds max {fd2} → {fd4}, p99 {p2:.2f} → {p4:.2f} ms, "
              f"log {overall:.0f} bytes/row")
    print(f"requests: {totals.requests}; rows answered 200: {totals.rows_ok}; "
          f"slow-client reconnects: {reconnects[0]}")
    with open(args.result, "w") as f:
        json.dump({"rows_ok": totals.rows_ok, "requests": totals.requests,
                   "failures": failures}, f)
    for f in failures:
        print("FAIL:", f)
    if totals.requests["unexpected"]:
        print(f"FAIL: {totals.requests['unexpected']} unexpected answers or failures: "
              f"{totals.unexpected}")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
