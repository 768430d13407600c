#!/usr/bin/env python3
"""Chat benchmark on loopback, in one invocation (standard library only).

  python3 bench/chat_bench.py BUILD_DIR

1. starts hubd (port 0, temporary data dir, server.max_threads=256) and, in this process, a
   scripted OpenAI-compatible upstream that streams BENCH_CHUNKS text chunks per request, each
   stamped with its send time (time.monotonic_ns());
2. BENCH_CONCURRENCY (200) concurrent streaming chats against the built-in `echo` provider:
   wall time, chats/s, errors, p50/p99 time to first event and total time;
3. the same against the scripted upstream: errors and the added latency per relayed chunk
   (client receive time - upstream send time), at 1 stream and at BENCH_CONCURRENCY streams,
   each beside a control that reads the upstream directly (the harness's own cost);
4. reading a 1000-message conversation: GET /api/v1/chat/messages/{id} and GET /api/v1/chat/{id};
5. machine facts, hubd's peak RSS, and a SIGTERM stop that must exit 0.

The report is printed and written to BUILD_DIR/chat-bench-report.txt. Exit status: 0 when the
report was produced (target misses and hubd failures under load are reported, not fatal),
1 when hubd did not start or the set-up failed, 2 on usage errors.
"""
import http.client
import http.server
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter

# ---------------------------------------------------------------------------------------- knobs


def env_int(name, default, lo=0):
    try:
        v = int(os.environ.get(name, default))
    except ValueError:
        sys.exit(f"{name} must be an integer")
    return max(lo, v)


CONCURRENCY = env_int("BENCH_CONCURRENCY", 200, 1)
CHUNKS = env_int("BENCH_CHUNKS", 50, 1)
CHUNK_INTERVAL_MS = env_int("BENCH_CHUNK_INTERVAL_MS", 20)
SINGLE_RUNS = env_int("BENCH_SINGLE_RUNS", 10, 1)
WORDS = env_int("BENCH_WORDS", 40, 1)
READS = env_int("BENCH_READS", 50, 1)
EXCHANGES = env_int("BENCH_EXCHANGES", 500, 1)
FILL = os.environ.get("BENCH_FILL", "sqlite")
PHASE_TIMEOUT = env_int("BENCH_PHASE_TIMEOUT", 60, 5)
MAX_THREADS = env_int("BENCH_MAX_THREADS", 256, 2)
EXTRA_SET = os.environ.get("BENCH_HUBD_SET", "").split()  # more hubd --set KEY=VALUE, for experiments
SWITCH_INTERVAL = float(os.environ.get("BENCH_SWITCH_INTERVAL", "0.0005"))  # s; the default 5 ms adds GIL hand-off delays to readings
PASSWORD = "bench-password-1"
CLIENT_TIMEOUT = 60  # seconds per socket operation

LOREM = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
         "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()

# ------------------------------------------------------------------------------------ helpers


def pct(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))
    return s[int(k)]


def ms(ns):
    return None if ns is None else ns / 1e6


def fmt_ms(v, width=8):
    return f"{'-':>{width}}" if v is None else f"{v:{width}.2f}"


def pair(values):
    """'p50/p99' in ms."""
    if not values:
        return "-"
    return f"{pct(values, 50) / 1e6:.1f}/{pct(values, 99) / 1e6:.1f}"


def sentence(n, seed):
    rnd = random.Random(seed)
    return " ".join(rnd.choice(LOREM) for _ in range(n))


def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        pass
    return out


def proc_mb(pid, key):
    v = proc_status(pid).get(key)
    return None if v is None else int(v.split()[0]) / 1024


def proc_threads(pid):
    v = proc_status(pid).get("Threads")
    return None if v is None else int(v)


def proc_cpu_s(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def self_cpu_s():
    t = os.times()
    return t.user + t.system


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def git(repo, *args):
    try:
        return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


# ---------------------------------------------------------------------------- scripted upstream


class Upstream:
    """OpenAI-compatible /v1/chat/completions streaming CHUNKS stamped text deltas."""

    def __init__(self, chunks, interval_ms):
        self.chunks = chunks
        self.interval = interval_ms / 1000.0
        self.lock = threading.Lock()
        self.requests = 0
        self.completed = 0
        self.broken = Counter()
        self.accepted = {}  # client address -> monotonic_ns when accept() returned
        self.arrivals = {}  # "[bench TAG]" in the last message -> (accepted ns, do_POST entered ns)
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):
                pass

            def do_POST(self):
                entered = time.monotonic_ns()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                model, tag = "", None
                try:
                    req = json.loads(body or b"{}")
                    model = str(req.get("model", ""))
                    m = TAG.search(str((req.get("messages") or [{}])[-1].get("content", "")))
                    tag = m.group(1) if m else None
                except (ValueError, AttributeError, TypeError):
                    pass
                with upstream.lock:
                    upstream.requests += 1
                    accepted = upstream.accepted.pop(self.client_address, None)
                    if tag:
                        upstream.arrivals[tag] = (accepted, entered)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                w = self.wfile

                def send_event(payload):
                    data = b"data: " + payload + b"\n\n"
                    w.write(b"%x\r\n%s\r\n" % (len(data), data))

                try:
                    send_event(b'{"id":"bench-1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}')
                    for i in range(upstream.chunks):
                        if i and upstream.interval:
                            time.sleep(upstream.interval)
                        # Stamped just before the write: the client subtracts it from its receive time.
                        text = f"<{i}:{time.monotonic_ns()}> "
                        send_event(b'{"id":"bench-1","model":"%s","choices":[{"index":0,"delta":{"content":"%s"}}]}'
                                   % (model.encode()[:100].replace(b'"', b""), text.encode()))
                    send_event(b'{"id":"bench-1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],'
                               b'"usage":{"prompt_tokens":10,"completion_tokens":%d,"total_tokens":%d}}'
                               % (upstream.chunks, upstream.chunks + 10))
                    send_event(b"[DONE]")
                    w.write(b"0\r\n\r\n")
                    with upstream.lock:
                        upstream.completed += 1
                except OSError as e:
                    with upstream.lock:
                        upstream.broken[type(e).__name__] += 1

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 1024  # the default backlog of 5 would drop SYNs under 200 connections

            def get_request(self):
                sock, addr = super().get_request()
                with upstream.lock:
                    upstream.accepted[addr] = time.monotonic_ns()
                return sock, addr

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


STAMP = re.compile(r"<(\d+):(\d+)> ")
TAG = re.compile(r"\[bench ([\w-]+)\]$")

# --------------------------------------------------------------------------------- SSE client


class ChatResult:
    __slots__ = ("ok", "error", "connect_ns", "ttfe_ns", "total_ns", "events", "chunk_lat_ns", "text", "start_ns",
                 "end_ns", "first_stamp_ns")

    def __init__(self):
        self.ok = False
        self.error = None
        self.connect_ns = None
        self.ttfe_ns = None
        self.total_ns = None
        self.events = 0
        self.chunk_lat_ns = []
        self.text = ""
        self.start_ns = None  # absolute monotonic_ns when the request was sent / the stream ended
        self.end_ns = None
        self.first_stamp_ns = None  # the upstream's send time of its first text chunk


def stream_request(host, port, path, body, headers, result, barrier=None, mode="hub"):
    """POSTs body and reads an SSE stream with http.client. mode "hub": hubd's chat events
    (the last must be done: true); mode "openai": the upstream's chunks, ending with [DONE]."""
    conn = http.client.HTTPConnection(host, port, timeout=CLIENT_TIMEOUT)
    try:
        t = time.monotonic_ns()
        try:
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            result.connect_ns = time.monotonic_ns() - t
        except OSError as e:
            result.error = ("connect: " + type(e).__name__, str(e))
            return result
        finally:
            if barrier is not None:  # also after a failed connect, so the others are not held up
                barrier.wait(timeout=PHASE_TIMEOUT)
        t0 = result.start_ns = time.monotonic_ns()
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        if resp.status != 200:
            result.error = ("HTTP %d" % resp.status, resp.read(2000).decode("utf-8", "replace"))
            return result
        ctype = resp.getheader("Content-Type", "")
        if "text/event-stream" not in ctype:
            result.error = ("not SSE", f"Content-Type {ctype!r}: " + resp.read(2000).decode("utf-8", "replace"))
            return result
        # The hot loop only reads and stamps; events are parsed after the stream ended, so 200
        # reader threads spend as little GIL time as possible while chunks are in flight.
        received = []
        while True:
            data = resp.read1(65536)
            now = time.monotonic_ns()
            if not data:
                break
            received.append((now, data))
        end = result.end_ns = time.monotonic_ns()
        buf = b""
        done = False
        for now, data in received:
            buf += data
            while b"\n\n" in buf:
                raw, buf = buf.split(b"\n\n", 1)
                for line in raw.split(b"\n"):
                    if not line.startswith(b"data: "):
                        continue
                    payload = line[6:]
                    if result.ttfe_ns is None:
                        result.ttfe_ns = now - t0
                    result.events += 1
                    if done:
                        result.error = ("event after done", payload.decode("utf-8", "replace")[:500])
                        return result
                    if mode == "openai" and payload == b"[DONE]":
                        done = True
                        continue
                    ev = json.loads(payload)
                    if "error" in ev:
                        result.error = ("error event", payload.decode("utf-8", "replace")[:2000])
                        return result
                    if mode == "hub":
                        if ev.get("done") is True:
                            done = True
                            if ev.get("finish_reason") != "stop":
                                result.error = ("finish_reason", payload.decode("utf-8", "replace")[:500])
                                return result
                            continue
                        content = ev["message"]["content"]
                    else:
                        choices = ev.get("choices") or [{}]
                        content = (choices[0].get("delta") or {}).get("content") or ""
                    result.text += content
                    for m in STAMP.finditer(content):
                        if result.first_stamp_ns is None:
                            result.first_stamp_ns = int(m.group(2))
                        result.chunk_lat_ns.append(now - int(m.group(2)))
        result.total_ns = end - t0
        if not done:
            result.error = ("no done event", f"stream ended after {result.events} events; tail {buf[-300:]!r}")
            return result
        result.ok = True
        return result
    except threading.BrokenBarrierError:
        result.error = ("barrier broken", "another thread failed to connect in time")
        return result
    except (OSError, http.client.HTTPException) as e:
        result.error = (type(e).__name__, str(e))
        return result
    except (ValueError, KeyError, TypeError) as e:
        result.error = ("malformed event", f"{type(e).__name__}: {e}")
        return result
    finally:
        conn.close()


class Api:
    """Small JSON client on one keep-alive connection."""

    def __init__(self, host, port, token=None):
        self.host, self.port, self.token = host, port, token
        self.conn = None

    def call(self, method, path, body=None):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=CLIENT_TIMEOUT)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, raw
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def json(self, method, path, body=None, expect=200):
        status, raw = self.call(method, path, body)
        if status != expect:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {raw[:500].decode('utf-8', 'replace')}")
        return json.loads(raw)

    def close(self):
        if self.conn:
            self.conn.close()


# ---------------------------------------------------------------------------------------- hubd


class Hubd:
    def __init__(self, binary, data_dir, work, upstream_port):
        self.binary, self.data_dir, self.work = binary, data_dir, work
        self.out_path = os.path.join(work, "hubd.out")
        self.err_path = os.path.join(work, "hubd.err")
        self.args = [binary, "--port", "0", "--data-dir", data_dir,
                     "--set", "logging.access_log=false",
                     "--set", "logging.level=warning",
                     "--set", f"server.max_threads={MAX_THREADS}",
                     "--set", "plugins.chat.config.echo_chunk_delay_ms=0",
                     "--set", "plugins.chat.config.providers={script: {base_url: \"http://127.0.0.1:%d/v1\", "
                              "read_timeout_seconds: 30}}" % upstream_port]
        for kv in EXTRA_SET:
            self.args += ["--set", kv]
        self.proc = None
        self.host = self.port = None

    def start(self):
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.args, stdout=open(self.out_path, "w"), stderr=open(self.err_path, "w"),
                                     stdin=subprocess.DEVNULL)
        deadline = t0 + 10
        while time.monotonic() < deadline:
            with open(self.out_path) as f:
                m = re.search(r"listening on http://([^\s:]+):(\d+)", f.read())
            if m:
                self.host, self.port = m.group(1), int(m.group(2))
                return time.monotonic() - t0
            if self.proc.poll() is not None:
                break
            time.sleep(0.005)
        return None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self):
        try:
            with open(self.err_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, grace=45):
        if not self.alive():
            return (self.proc.returncode if self.proc else None), 0.0
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = f"did not exit within {grace} s after SIGTERM (killed)"
            self.proc.wait()
        return rc, time.monotonic() - t0


class Sampler:
    """Samples hubd's thread count and RSS every 50 ms while a phase runs."""

    def __init__(self, pid):
        self.pid = pid
        self.max_threads = 0
        self.max_rss = 0.0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop_event.is_set():
            t = proc_threads(self.pid)
            r = proc_mb(self.pid, "VmRSS")
            if t:
                self.max_threads = max(self.max_threads, t)
            if r:
                self.max_rss = max(self.max_rss, r)
            self.stop_event.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.stop_event.set()
        self.thread.join()


# -------------------------------------------------------------------------------------- phases


def run_concurrent(hub, n, make_job):
    """Runs n jobs, one thread each; every thread connects, waits at a barrier, then streams.
    Returns (results, wall_s, hung, hubd_cpu_s, self_cpu_s, sampler); wall_s runs from the first
    request sent to the last stream ended."""
    barrier = threading.Barrier(n + 1)
    results = [ChatResult() for _ in range(n)]
    threads = [threading.Thread(target=make_job(i, results[i], barrier), daemon=True) for i in range(n)]
    cpu0, self0 = proc_cpu_s(hub.proc.pid), self_cpu_s()
    with Sampler(hub.proc.pid) as sampler:
        for t in threads:
            t.start()
        try:
            barrier.wait(timeout=PHASE_TIMEOUT)
        except threading.BrokenBarrierError:
            pass
        deadline = time.monotonic() + PHASE_TIMEOUT
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
    hung = sum(1 for t in threads if t.is_alive())
    # Wall time from the first request sent to the last stream ended, taken by the worker threads:
    # the main thread may get the GIL back long after the barrier opened.
    starts = [r.start_ns for r in results if r.start_ns]
    ends = [r.end_ns for r in results if r.end_ns]
    wall = (max(ends) - min(starts)) / 1e9 if starts and ends else 0.0
    cpu1, self1 = proc_cpu_s(hub.proc.pid), self_cpu_s()
    hub_cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
    return results, wall, hung, hub_cpu, self1 - self0, sampler


def summarize_errors(results, hung):
    errors = Counter()
    first = None
    for r in results:
        if r.error:
            errors[r.error[0]] += 1
            if first is None:
                first = r.error
        elif not r.ok:
            errors["unfinished"] += 1
    return errors, first


def still_generating(api, conversations):
    """How many of the conversations hubd still reports a reply in progress for, after a phase
    (POST .../cancel answers "cancelled" only then). A non-zero count is a stuck generation."""
    n = 0
    for c in conversations:
        status, raw = api.call("POST", f"/api/v1/chat/{c}/cancel")
        if status != 200 or json.loads(raw).get("status") != "no_active_stream":
            n += 1
    return n


# ---------------------------------------------------------------------------------------- main


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    binary = os.path.join(build, "bin", "hubd")
    if not os.access(binary, os.X_OK):
        print(f"no {binary}; build first: cmake --build {build} -j2 --target hubd hub_chat hub_advisors",
              file=sys.stderr)
        return 1
    if FILL not in ("sqlite", "api"):
        print("BENCH_FILL must be sqlite or api", file=sys.stderr)
        return 2
    sys.setswitchinterval(SWITCH_INTERVAL)
    threading.stack_size(512 * 1024)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    report = []

    def out(line=""):
        report.append(line)
        print(line, flush=True)

    work = tempfile.mkdtemp(prefix="hub-chat-bench.")
    data_dir = os.path.join(work, "data")
    upstream = None
    hub = None
    load_before = loadavg()
    rc = 0
    try:
        upstream = Upstream(CHUNKS, CHUNK_INTERVAL_MS)
        cp = subprocess.run([binary, "user", "create", "bench", "--data-dir", data_dir], input=PASSWORD + "\n",
                            capture_output=True, text=True, timeout=60)
        if cp.returncode != 0:
            print(f"hubd user create failed ({cp.returncode}):\n{cp.stdout}{cp.stderr}", file=sys.stderr)
            return 1
        hub = Hubd(binary, data_dir, work, upstream.port)
        started = hub.start()
        if started is None:
            print(f"hubd did not start (exit {hub.proc.poll()}):\n{hub.stderr_text()}", file=sys.stderr)
            return 1
        pid = hub.proc.pid
        idle_threads = proc_threads(pid)
        idle_rss = proc_mb(pid, "VmRSS")

        api = Api(hub.host, hub.port)
        token = api.json("POST", "/api/v1/auth/login", {"username": "bench", "password": PASSWORD})["access_token"]
        api.token = token
        auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": "text/event-stream"}

        def advisor(name, gateway, stream):
            return api.json("POST", "/api/v1/advisors", {
                "name": name, "model": "bench-model", "gateway": gateway, "stream": stream,
                "messages": [{"role": "system", "content": "You are a benchmark advisor."}]})["id"]

        echo_adv = advisor("bench-echo", "echo", True)
        script_adv = advisor("bench-script", "script", True)
        quiet_adv = advisor("bench-echo-quiet", "echo", False)

        def new_conversations(adv, n):
            return [api.json("POST", f"/api/v1/chat/advisor/{adv}/new")["id"] for _ in range(n)]

        rev = git(repo, "rev-parse", "--short", "HEAD") or "?"
        dirty = git(repo, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench")
        out(f"Hub chat benchmark  ({rev}{' + uncommitted changes outside bench/' if dirty else ''}, "
            f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())})")
        out(f"machine: {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}, "
            f"kernel {platform.release()}, Python {platform.python_version()}")
        out(f"load average before: {load_before}")
        out(f"hubd: {os.path.relpath(binary, repo) if binary.startswith(repo + '/') else binary} {' '.join(hub.args[1:])}")
        out(f"  server.max_threads={MAX_THREADS} is passed: the default 128 (one thread per connection) cannot hold "
            f"{CONCURRENCY} concurrent streams, the rest would wait in the accept queue")
        out(f"  listening after {started * 1000:.0f} ms; idle: {idle_rss:.1f} MB RSS, {idle_threads} threads")
        out(f"client: one Python process, http.client, one thread per chat, sys.setswitchinterval({SWITCH_INTERVAL}); "
            f"the scripted upstream runs in the same process")
        out()

        # ---- 2. concurrent echo chats --------------------------------------------------------
        message = sentence(WORDS, 1)
        expected = "Echo: " + message
        t = time.monotonic()
        convs = new_conversations(echo_adv, CONCURRENCY)
        setup_s = time.monotonic() - t
        body = json.dumps({"message": message}).encode()

        def echo_job(i, result, barrier):
            return lambda: stream_request(hub.host, hub.port, f"/api/v1/chat/{convs[i]}/message", body, auth,
                                          result, barrier)

        results, wall, hung, hub_cpu, my_cpu, smp = run_concurrent(hub, CONCURRENCY, echo_job)
        for r in results:
            if r.ok and r.text != expected and not r.error:
                r.ok = False
                r.error = ("wrong text", f"got {r.text[:200]!r}")
        errors, first = summarize_errors(results, hung)
        ok = [r for r in results if r.ok]
        n_err = CONCURRENCY - len(ok)
        events = [r.events for r in ok]
        out(f"1. {CONCURRENCY} concurrent streaming chats, echo provider (echo_chunk_delay_ms=0), "
            f"{WORDS}-word message")
        out(f"   each chat: its own conversation of one advisor (gateway echo, stream true); "
            f"{CONCURRENCY} conversations created first in {setup_s:.2f} s")
        out(f"   all {CONCURRENCY} connections are opened, then every thread sends at once "
            f"(connect p50/p99 {fmt_ms(ms(pct([r.connect_ns for r in results if r.connect_ns], 50)), 0)} / "
            f"{fmt_ms(ms(pct([r.connect_ns for r in results if r.connect_ns], 99)), 0)} ms)")
        out(f"   wall {wall:.2f} s, {len(ok) / wall if wall else 0:.0f} chats/s, "
            f"{min(events) if events else 0}-{max(events) if events else 0} events per chat")
        out(f"   errors: {n_err}/{CONCURRENCY}" + (f" {dict(errors)}" if errors else "") +
            (f", {hung} threads still waiting after {PHASE_TIMEOUT} s" if hung else ""))
        if first:
            out(f"   first error: {first[0]}: {first[1][:1000]}")
        out(f"   {'':24}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
        for label, vals in (("time to first event", [r.ttfe_ns for r in ok]), ("total time", [r.total_ns for r in ok])):
            out(f"   {label:24}{fmt_ms(ms(pct(vals, 50)), 9)}{fmt_ms(ms(pct(vals, 99)), 9)}"
                f"{fmt_ms(ms(max(vals) if vals else None), 9)}")
        out(f"   hubd: {hub_cpu if hub_cpu is not None else float('nan'):.2f} CPU-s, peak {smp.max_threads} threads, "
            f"peak {smp.max_rss:.1f} MB RSS, client process {my_cpu:.2f} CPU-s")
        out(f"   after: {proc_threads(pid)} hubd threads (idle pool threads live 60 s), "
            f"{still_generating(api, convs)} of {CONCURRENCY} conversations still generating")
        out(f"   target 0 errors: {'PASS' if n_err == 0 else 'MISS'}")
        out()
        echo_errors = n_err

        # ---- 3. the scripted upstream ----------------------------------------------------------
        # Each request carries a tag, so the upstream's accept and arrival times can be matched to it.
        tagged = {}

        def script_stream(result, barrier, conv, tag):
            tagged[tag] = result
            payload = json.dumps({"message": f"{message} [bench {tag}]"}).encode()
            return stream_request(hub.host, hub.port, f"/api/v1/chat/{conv}/message", payload, auth, result, barrier)

        def direct_stream(result, barrier, tag):
            tagged[tag] = result
            payload = json.dumps({"model": "direct", "stream": True,
                                  "messages": [{"role": "user", "content": f"{message} [bench {tag}]"}]}).encode()
            return stream_request("127.0.0.1", upstream.port, "/v1/chat/completions", payload,
                                  {"Content-Type": "application/json"}, result, barrier, mode="openai")

        def check_chunks(results):
            for r in results:
                if r.ok and len(r.chunk_lat_ns) != CHUNKS:
                    r.ok = False
                    r.error = ("missing chunks", f"{len(r.chunk_lat_ns)} of {CHUNKS} stamped chunks arrived")

        rows = []

        # single stream: sequential runs
        single_convs = new_conversations(script_adv, SINGLE_RUNS)
        single = []
        direct_single = []
        up_cpu0 = proc_cpu_s(pid)
        for i in range(SINGLE_RUNS):
            single.append(script_stream(ChatResult(), None, single_convs[i], f"s1-{i}"))
            direct_single.append(direct_stream(ChatResult(), None, f"d1-{i}"))
        check_chunks(single)
        check_chunks(direct_single)
        rows.append(("direct (no hubd), 1 stream", direct_single, None, None))
        rows.append(("via hubd, 1 stream", single, None, proc_cpu_s(pid) - up_cpu0))

        # concurrent
        dres, dwall, dhung, _, dcpu, _ = run_concurrent(
            hub, CONCURRENCY, lambda i, r, b: (lambda: direct_stream(r, b, f"dn-{i}")))
        check_chunks(dres)
        rows.append((f"direct (no hubd), {CONCURRENCY} streams", dres, dwall, None))
        sconvs = new_conversations(script_adv, CONCURRENCY)
        up_before = upstream.completed
        sres, swall, shung, s_hub_cpu, s_cpu, ssmp = run_concurrent(
            hub, CONCURRENCY, lambda i, r, b: (lambda: script_stream(r, b, sconvs[i], f"sn-{i}")))
        check_chunks(sres)
        rows.append((f"via hubd, {CONCURRENCY} streams", sres, swall, s_hub_cpu))

        out(f"2. scripted OpenAI-compatible upstream (gateway script): {CHUNKS} text chunks per request, "
            f"one every {CHUNK_INTERVAL_MS} ms, each stamped with time.monotonic_ns() at send")
        out("   added latency per relayed chunk = client receive time - upstream send time. 'direct' rows read the")
        out("   upstream without hubd: they are the harness's own cost (Python threads, GIL, loopback), and hubd's")
        out("   share is roughly 'via hubd' minus 'direct' at the same concurrency. Single stream: "
            f"{SINGLE_RUNS} sequential chats.")
        out(f"   {'':32}{'chats':>6}{'errors':>7}{'chunks':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'max ms':>8}"
            f"{'TTFE p50/p99':>15}{'total p50/p99':>16}")
        script_first = None
        script_errors = 0
        for label, res, wall, _cpu in rows:
            good = [r for r in res if r.ok]
            lats = [x for r in good for x in r.chunk_lat_ns]
            errs = len(res) - len(good)
            if "via hubd" in label:
                script_errors += errs
                if script_first is None:
                    script_first = summarize_errors(res, 0)[1]
            out(f"   {label:32}{len(res):6d}{errs:7d}{len(lats):8d}{fmt_ms(ms(pct(lats, 50)))}{fmt_ms(ms(pct(lats, 90)))}"
                f"{fmt_ms(ms(pct(lats, 99)))}{fmt_ms(ms(max(lats) if lats else None))}"
                f"{pair([r.ttfe_ns for r in good]):>15}{pair([r.total_ns for r in good]):>16}")
        tag_of = {id(r): t for t, r in tagged.items()}
        out("   where the time to the first chunk goes (p50/p99 ms): A = request sent -> upstream handler running;")
        out("   B = upstream accept() -> handler running (Python, part of A; hubd rows only, direct connections are")
        out("   accepted before the send); C = handler running -> first text chunk sent (Python); D = first chunk relayed")
        out(f"   {'':32}{'A':>15}{'B':>15}{'C':>15}{'D':>15}")
        for label, res, wall, _cpu in rows:
            a, b, c, d = [], [], [], []
            for r in res:
                if not r.ok:
                    continue
                accepted, entered = upstream.arrivals.get(tag_of.get(id(r)), (None, None))
                if entered is None:
                    continue
                a.append(entered - r.start_ns)
                if accepted is not None and "via hubd" in label:
                    b.append(entered - accepted)
                if r.first_stamp_ns is not None:
                    c.append(r.first_stamp_ns - entered)
                d.append(r.chunk_lat_ns[0])
            out(f"   {label:32}{pair(a):>15}{pair(b):>15}{pair(c):>15}{pair(d):>15}")
        for label, res, wall, _cpu in rows:
            errors, first = summarize_errors(res, 0)
            if errors:
                out(f"   {label}: errors {dict(errors)}; first: {first[0]}: {first[1][:1000]}")
        if dhung or shung:
            out(f"   threads still waiting after {PHASE_TIMEOUT} s: direct {dhung}, via hubd {shung}")
        out(f"   {CONCURRENCY} streams via hubd: wall {swall:.2f} s (ideal {CHUNKS * CHUNK_INTERVAL_MS / 1000:.2f} s), "
            f"hubd {s_hub_cpu if s_hub_cpu is not None else float('nan'):.2f} CPU-s, peak {ssmp.max_threads} threads, "
            f"client+upstream process {s_cpu:.2f} CPU-s")
        out(f"   after: {proc_threads(pid)} hubd threads, "
            f"{still_generating(api, sconvs)} of {CONCURRENCY} conversations still generating")
        out(f"   upstream: {upstream.requests} requests, {upstream.completed} streams completed"
            + (f", broken: {dict(upstream.broken)}" if upstream.broken else "")
            + f" ({upstream.completed - up_before} in the {CONCURRENCY}-stream run)")
        single_lats = [x for r in single if r.ok for x in r.chunk_lat_ns]
        conc_lats = [x for r in sres if r.ok for x in r.chunk_lat_ns]
        p99_single = ms(pct(single_lats, 99))
        p99_conc = ms(pct(conc_lats, 99))
        out(f"   target 0 errors: {'PASS' if script_errors == 0 else 'MISS'}; "
            f"target p99 < 2 ms per relayed chunk: 1 stream {'PASS' if p99_single is not None and p99_single < 2 else 'MISS'}"
            f" ({fmt_ms(p99_single, 0)} ms), {CONCURRENCY} streams "
            f"{'PASS' if p99_conc is not None and p99_conc < 2 else 'MISS'} ({fmt_ms(p99_conc, 0)} ms; "
            f"expected to miss on 2 cores shared by hubd and the Python client)")
        out()

        # ---- 4. reading a 1000-message conversation -------------------------------------------
        n_msgs = 2 * EXCHANGES
        t = time.monotonic()
        if FILL == "api":
            big = new_conversations(quiet_adv, 1)[0]
            for i in range(EXCHANGES):
                api.json("POST", f"/api/v1/chat/{big}/message", {"message": sentence(WORDS, 1000 + i)})
            fill_how = f"{EXCHANGES} messages sent to a stream: false echo advisor"
        else:
            big = new_conversations(echo_adv, 1)[0]
            db = sqlite3.connect(os.path.join(data_dir, "hub.db"), timeout=30)
            try:
                now_us = time.time_ns() // 1000
                rows_db = []
                for i in range(EXCHANGES):
                    text = sentence(WORDS, 1000 + i)
                    for k, (role, content, finish) in enumerate((("user", text, None),
                                                                 ("assistant", "Echo: " + text, "stop"))):
                        seq = 2 * i + k + 1
                        rows_db.append((str(uuid.uuid4()), big, role, content, seq, now_us + seq, finish))
                with db:
                    db.executemany("INSERT INTO messages (id, conversation_id, role, content, sequence, created_at, "
                                   "finish_reason) VALUES (?, ?, ?, ?, ?, ?, ?)", rows_db)
                    db.execute("UPDATE conversations SET message_count = ?, updated_at = ? WHERE id = ?",
                               (n_msgs, now_us + n_msgs, big))
            finally:
                db.close()
            fill_how = (f"{EXCHANGES} user + assistant exchanges inserted into hub.db with sqlite3 "
                        f"({WORDS}-word user messages, 'Echo: ' + the same as replies)")
        fill_s = time.monotonic() - t
        listing = api.json("GET", f"/api/v1/chat/messages/{big}")
        out(f"3. reading a {n_msgs}-message conversation ({fill_how}, {fill_s:.2f} s)")
        if len(listing) != n_msgs:
            out(f"   MISMATCH: GET /api/v1/chat/messages returned {len(listing)} messages, expected {n_msgs}")
        out(f"   {READS} sequential requests each on one keep-alive connection (after one unmeasured request)")
        out(f"   {'':34}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'bytes':>10}{'errors':>7}")
        api.json("GET", f"/api/v1/chat/{big}")
        for path in (f"/api/v1/chat/messages/{big}", f"/api/v1/chat/{big}"):
            times, sizes, errs, first_err = [], set(), 0, None
            for _ in range(READS):
                t0 = time.monotonic_ns()
                status, raw = api.call("GET", path)
                times.append(time.monotonic_ns() - t0)
                sizes.add(len(raw))
                if status != 200:
                    errs += 1
                    first_err = first_err or f"HTTP {status}: {raw[:300]!r}"
            label = "GET " + path.replace(big, "{id}")
            size = "/".join(str(s) for s in sorted(sizes))
            out(f"   {label:34}{fmt_ms(ms(pct(times, 50)), 9)}{fmt_ms(ms(pct(times, 99)), 9)}"
                f"{fmt_ms(ms(max(times)), 9)}{size:>10}{errs:7d}")
            if first_err:
                out(f"   first error: {first_err}")
        api.close()
        out()

        # ---- 5. end -----------------------------------------------------------------------------
        hwm = proc_mb(pid, "VmHWM")
        rss = proc_mb(pid, "VmRSS")
        threads_end = proc_threads(pid)
        alive = hub.alive()
        stop_rc, stop_s = hub.stop()
        err_text = hub.stderr_text()
        out(f"hubd peak RSS (VmHWM) {fmt_ms(hwm, 0)} MB, RSS at the end {fmt_ms(rss, 0)} MB, "
            f"{threads_end} threads at the end")
        if not alive:
            out(f"hubd DIED during the run (exit status {stop_rc})")
        else:
            out(f"SIGTERM: exit status {stop_rc} after {stop_s:.2f} s: {'PASS' if stop_rc == 0 else 'FAIL'}")
        lines = [line for line in err_text.splitlines() if line.strip()]
        if lines:
            out(f"hubd stderr: {len(lines)} lines; first {min(20, len(lines))}:")
            for line in lines[:20]:
                out("  | " + line[:300])
        else:
            out("hubd stderr: empty")
        out(f"load average after: {loadavg()}")
        summary = []
        summary.append(f"echo errors {echo_errors}")
        summary.append(f"script errors {script_errors}")
        out("summary: " + ", ".join(summary) + f"; chunk p99 {fmt_ms(p99_single, 0)} ms (1 stream), "
            f"{fmt_ms(p99_conc, 0)} ms ({CONCURRENCY} streams)")
    except Exception as e:
        import traceback
        traceback.print_exc()
        out()
        out(f"THE BENCHMARK STOPPED: {type(e).__name__}: {e}")
        if hub is not None and hub.proc is not None:
            status = hub.proc.poll()
            if status is None:
                out("hubd is still running")
            else:
                out(f"hubd DIED: exit status {status}" + (f" (signal {-status})" if status < 0 else ""))
            for line in hub.stderr_text().splitlines()[-40:]:
                out("  | " + line[:300])
        rc = 1
    finally:
        if hub is not None and hub.alive():
            hub.stop(grace=10)
        if upstream is not None:
            upstream.stop()
        if report:
            try:
                with open(os.path.join(build, "chat-bench-report.txt"), "w") as f:
                    f.write("\n".join(report) + "\n")
            except OSError as e:
                print(f"cannot write the report: {e}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
