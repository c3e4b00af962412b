"""Measuring the app as it runs for real: gunicorn on loopback, plain HTTP clients.

Every loop here is bounded in count and in time, and talks only to 127.0.0.1.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    workers: int

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def peak_rss_mb(self) -> float:
        """The largest peak resident set (VmHWM) of one worker, in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return max(peaks) if peaks else float("nan")


@contextmanager
def gunicorn(database_url: str, workers: int = 3, timeout: float = 60) -> Iterator[Server]:
    """The README's production command on a free loopback port."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-" + secrets.token_hex(24)}
    exe = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(exe),
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Server(port, process, workers)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                status, _body, _headers = request(port, "GET", "/healthz", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {process.stderr.read()}")
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer in time")
            time.sleep(0.2)
        while len(server.worker_pids()) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict | None = None,
    timeout: float = 60,
) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, data, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


class Client:
    """One browser: a session cookie and the CSRF token of its pages."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict | None = None) -> dict:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep(self, headers: dict[str, str], raw_headers=None) -> None:
        pass

    def send(
        self,
        method: str,
        path: str,
        *,
        form: dict | None = None,
        headers: dict | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        all_headers = self._headers(headers)
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for key, value in response.getheaders():
                if key.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, data
        finally:
            conn.close()

    def get(self, path: str, **kwargs) -> tuple[int, bytes]:
        return self.send("GET", path, **kwargs)

    def csrf(self, path: str) -> str:
        status, html = self.get(path)
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            rb'"X-CSRFToken": "([^"]+)"', html
        )
        if status != 200 or not found:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return found.group(1).decode()

    def login(self, email: str, password: str) -> None:
        token = self.csrf("/login")
        status, _ = self.send(
            "POST", "/login", form={"csrf_token": token, "email": email, "password": password}
        )
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")


# --- latency -----------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    samples: list[float] = field(default_factory=list)  # seconds
    failures: int = 0
    capped: bool = False  # the time limit stopped it before the asked count

    @property
    def count(self) -> int:
        return len(self.samples)

    def pct(self, q: float) -> float:
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        # nearest-rank percentile
        rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
        return ordered[rank - 1]

    @property
    def p50(self) -> float:
        return self.pct(50)

    @property
    def p95(self) -> float:
        return self.pct(95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples) if self.samples else float("nan")


def measure(name: str, call: Callable[[int], bool], *, count: int, warmup: int, limit_s: float) -> Timing:
    """`warmup` unmeasured calls, then up to `count` measured ones within `limit_s` seconds."""
    for i in range(warmup):
        try:
            call(-1 - i)
        except OSError:
            pass
    timing = Timing(name)
    deadline = time.monotonic() + limit_s
    for i in range(count):
        if time.monotonic() > deadline:
            timing.capped = True
            break
        started = time.perf_counter()
        try:
            ok = call(i)
        except OSError:  # a timed-out or refused request is a failed one, not the end of the run
            ok = False
        timing.samples.append(time.perf_counter() - started)
        if not ok:
            timing.failures += 1
    return timing


def warm_workers(call: Callable[[int], bool], workers: int, rounds: int = 2) -> None:
    """Concurrent calls, so that every worker has served the page before it is timed."""
    for r in range(rounds):
        threads = [threading.Thread(target=call, args=(-100 - r * workers - w,)) for w in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


# --- throughput ----------------------------------------------------------------------------


@dataclass
class Throughput:
    clients: int
    workers: int
    done: int
    failures: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def sustained(
    clients: list[Callable[[int], bool]], *, per_client: int, limit_s: float, workers: int
) -> Throughput:
    """Every client in its own thread, `per_client` calls each (stopped at `limit_s`)."""
    done = [0] * len(clients)
    failed = [0] * len(clients)
    deadline = time.monotonic() + limit_s
    barrier = threading.Barrier(len(clients) + 1)

    def run(k: int) -> None:
        barrier.wait()
        for i in range(per_client):
            if time.monotonic() > deadline:
                break
            try:
                ok = clients[k](i)
            except OSError:
                ok = False
            if ok:
                done[k] += 1
            else:
                failed[k] += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(clients))]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return Throughput(len(clients), workers, sum(done), sum(failed), elapsed)


# --- what a phone downloads ------------------------------------------------------------------


@dataclass
class PageWeight:
    parts: list[tuple[str, int, int, bool]]  # (path, raw bytes, gzip bytes, compressed by the app)

    @property
    def raw(self) -> int:
        return sum(p[1] for p in self.parts)

    @property
    def gzipped(self) -> int:
        return sum(p[2] for p in self.parts)


def page_weight(client: Client, path: str) -> PageWeight:
    """The page, its stylesheets and scripts: raw, and gzip-compressed as a proxy sends them."""
    parts = []
    status, html = client.send("GET", path, headers={"Accept-Encoding": "gzip"})
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    assets = re.findall(rb'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    assets += re.findall(rb'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', html)
    assets += re.findall(rb'<script[^>]+src="([^"]+)"', html)
    parts.append(_weigh(path, html))
    for asset in dict.fromkeys(a.decode() for a in assets):
        asset_status, body = client.send("GET", asset, headers={"Accept-Encoding": "gzip"})
        if asset_status == 200:
            parts.append(_weigh(asset, body))
    return PageWeight(parts)


def _weigh(path: str, body: bytes) -> tuple[str, int, int, bool]:
    if body[:2] == b"\x1f\x8b":  # the app compressed it already
        return (path, len(gzip.decompress(body)), len(body), True)
    return (path, len(body), len(gzip.compress(body, compresslevel=6)), False)
