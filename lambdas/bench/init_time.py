#!/usr/bin/env python3
"""Init time of the lake's Lambda bootstrap, per handler, against a fake Lambda Runtime API.

Init time = (first `GET /2018-06-01/runtime/invocation/next` seen by the fake API) minus (the
moment just before the bootstrap is spawned): process start, handler config from the
environment, AWS SDK clients, tracing subscriber, up to the runtime's first poll. The fake API
never answers that poll; the process is killed once it arrives.

Only the Python standard library. Called by init.sh; usable on its own:

    init_time.py BOOTSTRAP [--runs N] [--handlers a,b] [--json] [--check-network] [--keep-logs DIR]
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NEXT = "/2018-06-01/runtime/invocation/next"
TARGET_MS = 50.0

# Dummy values for every variable a handler's `from_env` reads (lambdas/runtime/src/handlers/*.rs,
# lambdas/core/src/layout.rs); each handler gets them all, as extras are ignored.
QUEUE = "http://127.0.0.1:1/000000000000/q"
STATE_MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:sm"
FUNCTION_ENV = {
    "CATALOG_TABLE": "t-catalog",
    "DATASET_CONFIG_TABLE": "t-config",
    "EXECUTION_HISTORY_TABLE": "t-history",
    "ROUTING_QUEUE_URL": QUEUE,
    "QUEUE_URL": QUEUE,
    "DEAD_LETTER_QUEUE_URL": QUEUE,
    "STATE_MACHINE_ARN": STATE_MACHINE,
    "RAW_BUCKET": "b-raw",
    "STAGE_BUCKET": "b-stage",
    "ANALYTICS_BUCKET": "b-analytics",
    "STAGE": "a",
}
HANDLERS = ["catalog", "routing", "config", "stage-a-routing", "stage-a-transform", "stage-b-routing",
            "stage-b-postupdate", "error", "redrive"]
EXTRA_ENV = {}  # --env K=V, for experiments (e.g. SSL_CERT_DIR)
DEFAULT_HANDLERS = ["catalog", "routing", "config", "stage-a-transform", "stage-b-routing"]


class FakeRuntimeApi:
    """Records the monotonic time of the first `/next` poll; holds the poll open."""

    def __init__(self):
        self.lock = threading.Lock()
        self.first_next = None
        self.arrived = threading.Event()
        self.release = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                now = time.monotonic_ns()
                if self.path == NEXT:
                    with api.lock:
                        if api.first_next is None:
                            api.first_next = now
                    api.arrived.set()
                    # Hold the long poll until the run ends (the process is killed).
                    api.release.wait(30)
                    return
                self.send_error(404)

            def do_POST(self):
                # /runtime/init/error and friends: an init failure.
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                api.init_error = f"{self.path}: {body}"
                api.arrived.set()
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.init_error = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        self.release.set()
        self.release = threading.Event()
        self.arrived.clear()
        self.first_next = None
        self.init_error = None

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def base_env(port, handler, home):
    env = {
        "PATH": "/usr/bin:/bin",
        # Lambda's own variables (lambda_runtime's Config reads them).
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "_HANDLER": handler,
        "AWS_LAMBDA_FUNCTION_NAME": f"bench-{handler}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/bench-{handler}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",  # the stacks set JSON
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        # Credentials and region as Lambda passes them; every endpoint is a closed local port,
        # so any network call at init would fail (and show under --check-network).
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_SESSION_TOKEN": "x",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        # An empty home: no ~/.aws profile files of this machine.
        "HOME": home,
    }
    env.update(FUNCTION_ENV)
    env.update(EXTRA_ENV)
    if os.environ.get("RUST_LOG"):
        env["RUST_LOG"] = os.environ["RUST_LOG"]
        env["AWS_LAMBDA_LOG_LEVEL"] = os.environ["RUST_LOG"]
    return env


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def one_run(api, bootstrap, handler, home, log_path, wrapper=None):
    """Init time in ms of one spawn, or raises with the process's output."""
    api.reset()
    env = base_env(api.port, handler, home)
    with open(log_path, "wb") as log:
        argv = (wrapper or []) + [bootstrap]
        start = time.monotonic_ns()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 10
            while not api.arrived.wait(0.05):
                if proc.poll() is not None or time.monotonic() > deadline:
                    break
        finally:
            if wrapper:
                # Kill the traced bootstrap, not strace: strace then ends by itself.
                for pid in children(proc.pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
            else:
                proc.kill()
            proc.wait()
    first = api.first_next
    if first is None:
        with open(log_path, "rb") as f:
            out = f.read().decode("utf-8", "replace")[-2000:]
        why = api.init_error or f"exit status {proc.returncode}"
        raise RuntimeError(f"{handler}: no /next poll ({why}); output:\n{out}")
    return (first - start) / 1e6


def percentile(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))
    return s[int(k)]


def check_network(api, bootstrap, handler, home, logdir):
    """connect() calls of one init, under strace; all but the fake runtime API's are unexpected."""
    trace = os.path.join(logdir, f"{handler}.net.strace")
    one_run(api, bootstrap, handler, home, os.path.join(logdir, f"{handler}.net.log"),
            wrapper=["strace", "-f", "-qq", "-e", "trace=connect,sendto,socket", "-o", trace])
    with open(trace) as f:
        lines = f.read().splitlines()
    # Any connect() but the runtime API's: an SDK endpoint, IMDS, DNS, nscd's socket...
    return [l for l in lines if "connect(" in l and f"htons({api.port})" not in l]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bootstrap")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--handlers", default=",".join(DEFAULT_HANDLERS),
                    help=f"comma-separated; known: {', '.join(HANDLERS)}")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--check-network", action="store_true",
                    help="strace one init per handler and fail on any connect() but the runtime API's")
    ap.add_argument("--keep-logs", metavar="DIR", help="keep the bootstraps' output here")
    ap.add_argument("--env", action="append", default=[], metavar="K=V",
                    help="extra variable for the bootstrap, for experiments (repeatable)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed runs per handler (page cache)")
    args = ap.parse_args()

    for kv in args.env:
        k, sep, v = kv.partition("=")
        if not sep:
            sys.exit(f"--env wants K=V, got {kv!r}")
        EXTRA_ENV[k] = v
    handlers = [h for h in args.handlers.split(",") if h]
    unknown = [h for h in handlers if h not in HANDLERS]
    if unknown:
        sys.exit(f"unknown handler(s): {', '.join(unknown)}; known: {', '.join(HANDLERS)}")
    bootstrap = os.path.abspath(args.bootstrap)

    logdir = args.keep_logs or tempfile.mkdtemp(prefix="sdlf-bench-")
    os.makedirs(logdir, exist_ok=True)
    home = tempfile.mkdtemp(prefix="sdlf-bench-home-")
    api = FakeRuntimeApi()
    results = {}
    network = {}
    try:
        for h in handlers:
            log = os.path.join(logdir, f"{h}.log")
            for _ in range(args.warmup):
                one_run(api, bootstrap, h, home, log)
            samples = [one_run(api, bootstrap, h, home, log) for _ in range(args.runs)]
            results[h] = {
                "runs": len(samples),
                "min_ms": round(min(samples), 2),
                "median_ms": round(statistics.median(samples), 2),
                "p90_ms": round(percentile(samples, 90), 2),
                "max_ms": round(max(samples), 2),
            }
            if args.check_network:
                network[h] = check_network(api, bootstrap, h, home, logdir)
    finally:
        api.close()

    ok = all(r["median_ms"] < TARGET_MS for r in results.values())
    if args.json:
        out = {"target_ms": TARGET_MS, "handlers": results, "median_under_target": ok}
        if args.check_network:
            out["unexpected_connections"] = network
        print(json.dumps(out, indent=2))
    else:
        print(f"init time, process start to first /next poll ({args.runs} runs each, ms; target < {TARGET_MS:g}):")
        print(f"  {'handler':<20} {'min':>8} {'median':>8} {'p90':>8} {'max':>8}")
        for h, r in results.items():
            print(f"  {h:<20} {r['min_ms']:>8.1f} {r['median_ms']:>8.1f} {r['p90_ms']:>8.1f} {r['max_ms']:>8.1f}")
        if args.check_network:
            for h, lines in network.items():
                verdict = "none" if not lines else f"{len(lines)} unexpected:\n    " + "\n    ".join(lines)
                print(f"  network at init ({h}): {verdict}")
    if args.check_network and any(network.values()):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
