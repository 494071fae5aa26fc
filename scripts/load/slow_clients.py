#!/usr/bin/env python3
"""Slow-client storm against a running `lockstep serve` on loopback (issue 19, finding 2).

Opens SILENT sockets that never send a byte and TRICKLE sockets that send one header
byte every 2 s, then, for SECONDS, times a health check (GET /v2/health/ready on a fresh
connection) every 0.25 s. Prints: health checks answered and their latency (p50, max),
how many storm sockets the server closed and when, and the server's open file
descriptors (from /proc, when --pid is given) at the start and at the peak.

Loopback only; stdlib only; bounded by --seconds.
"""

import argparse
import ipaddress
import os
import select
import socket
import statistics
import sys
import time


def fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def health(host, port, timeout):
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        ok = data.startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    return ok, time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True, help="host:port of the server (loopback)")
    ap.add_argument("--silent", type=int, default=2000)
    ap.add_argument("--trickle", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--pid", type=int)
    args = ap.parse_args()
    host, port = args.addr.rsplit(":", 1)
    port = int(port)
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("loopback addresses only")

    fds_start = fds(args.pid) if args.pid else None
    storm = []  # (socket, opened_at, kind)
    t0 = time.monotonic()
    for i in range(args.silent + args.trickle):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        storm.append([s, time.monotonic(), "silent" if i < args.silent else "trickle", None])
    opened = len(storm)
    poller = select.poll()
    by_fd = {}
    for entry in storm:
        by_fd[entry[0].fileno()] = entry
        poller.register(entry[0].fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
    request = b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 100
    sent = {id(entry[0]): 0 for entry in storm}
    latencies, answered, failed = [], 0, 0
    fds_peak = fds_start
    next_health = time.monotonic()
    next_trickle = time.monotonic()
    while time.monotonic() - t0 < args.seconds:
        now = time.monotonic()
        if now >= next_trickle:
            next_trickle = now + 2.0
            for entry in storm:
                if entry[2] == "trickle" and entry[3] is None:
                    k = sent[id(entry[0])]
                    try:
                        entry[0].send(request[k % len(request):k % len(request) + 1])
                        sent[id(entry[0])] = k + 1
                    except OSError:
                        entry[3] = now - entry[1]
        if now >= next_health:
            next_health = now + 0.25
            ok, seconds = health(host, port, timeout=5.0)
            if ok:
                answered += 1
                latencies.append(seconds)
            else:
                failed += 1
            if args.pid:
                fds_peak = max(fds_peak or 0, fds(args.pid) or 0)
        # Which storm sockets did the server close?
        for fd, _ in poller.poll(0):
            entry = by_fd.get(fd)
            if entry is None or entry[3] is not None:
                continue
            try:
                data = entry[0].recv(1024)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                entry[3] = time.monotonic() - entry[1]
                poller.unregister(fd)
        time.sleep(0.02)
    closed = [e[3] for e in storm if e[3] is not None]
    for e in storm:
        e[0].close()
    print(f"storm sockets opened: {opened} ({args.silent} silent, {args.trickle} trickling)")
    print(f"storm sockets closed by the server within {args.seconds:.0f} s: {len(closed)}"
          + (f" (median after {statistics.median(closed):.2f} s, max {max(closed):.2f} s)" if closed else ""))
    print(f"health checks: {answered} answered, {failed} failed")
    if latencies:
        latencies.sort()
        print(f"health check latency: p50 {statistics.median(latencies) * 1000:.1f} ms, "
              f"max {latencies[-1] * 1000:.1f} ms")
    if fds_start is not None:
        print(f"server fds: {fds_start} at start, {fds_peak} at peak")


if __name__ == "__main__":
    main()
