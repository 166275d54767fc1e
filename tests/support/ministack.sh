#!/usr/bin/env bash
# Run a local MiniStack (AWS emulator) for the tests, bound to 127.0.0.1 only.
#
#   ministack.sh start [--port N]    start (no-op if already running and healthy); prints the URL
#                                    --port 0 picks a free port
#   ministack.sh stop [--port N|--all]
#   ministack.sh status [--port N]   prints running/not running and the URL; exit 0 if running, 1 if not
#   ministack.sh reset [--port N]    POST /_ministack/reset (wipe all emulated resources)
#   ministack.sh url [--port N]      prints http://127.0.0.1:PORT
#   ministack.sh log [--port N]      prints the path of the instance's log file
#
# Port: --port N, else $MINISTACK_PORT, else (all but start) the port of the last
# `start`, else 4566. Clients use the URL as endpoint with key/secret `test` and
# region us-east-1 (account 000000000000).
#
# Environment:
#   SDLF_STATE_DIR           instance state (default: <repo>/.tools/ministack); one folder
#                            per port with the PID file, the log and MiniStack's scratch dirs
#   MINISTACK_START_TIMEOUT  seconds to wait for /_ministack/health (default 120: three
#                            emulators starting at once on a busy 2-core machine)
#   SDLF_TOOLS_DIR           passed on to tools.sh, which installs MiniStack into a venv
set -euo pipefail

SUPPORT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SUPPORT_DIR/../.." && pwd)
STATE_ROOT=${SDLF_STATE_DIR:-$REPO_ROOT/.tools/ministack}
START_TIMEOUT=${MINISTACK_START_TIMEOUT:-120}
HOST=127.0.0.1

die() {
    printf 'ministack.sh: error: %s\n' "$*" >&2
    exit 1
}
note() { printf 'ministack: %s\n' "$*" >&2; }

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
    exit "${1:-2}"
}

mkdir -p "$STATE_ROOT" || die "cannot create state dir $STATE_ROOT"
STATE_ROOT=$(cd "$STATE_ROOT" && pwd)
LAST_PORT_FILE="$STATE_ROOT/last-port"

# ---- small helpers -----------------------------------------------------------

valid_port() { [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 <= 65535)); }

inst_dir() { printf '%s/%s\n' "$STATE_ROOT" "$1"; }
pid_file() { printf '%s/ministack.pid\n' "$(inst_dir "$1")"; }
log_file() { printf '%s/ministack.log\n' "$(inst_dir "$1")"; }
url_of() { printf 'http://%s:%s\n' "$HOST" "$1"; }

# PID recorded for a port, or nothing.
recorded_pid() {
    local f
    f=$(pid_file "$1")
    [[ -f $f ]] || return 0
    local pid
    pid=$(head -n1 "$f" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
    return 0
}

# True if PID is alive and is a MiniStack process (guards against PID reuse).
is_ministack_pid() {
    local pid=$1 cmd
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *ministack* ]]
}

# Process group of PID (field 5 of /proc/PID/stat; the command name may hold spaces).
pgid_of() {
    local stat fields
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # After "(comm) ": state ppid pgrp ...
    read -r -a fields <<<"${stat##*) }"
    printf '%s\n' "${fields[2]}"
}

# HTTP helper: http GET|POST URL -> body on stdout, non-zero on failure.
http() {
    local method=$1 url=$2
    if command -v curl >/dev/null 2>&1; then
        curl -fsS --noproxy '*' -m 5 -X "$method" "$url"
    else
        "$(venv_python)" - "$method" "$url" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[2], method=sys.argv[1], data=b"" if sys.argv[1] == "POST" else None)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(req, timeout=5) as r:
    sys.stdout.write(r.read().decode())
PY
    fi
}

healthy() { http GET "$(url_of "$1")/_ministack/health" >/dev/null 2>&1; }

ministack_bin() { "$SUPPORT_DIR/tools.sh" path ministack; }
venv_python() { "$SUPPORT_DIR/tools.sh" path python; }

free_port() {
    "$(venv_python)" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

port_bindable() {
    "$(venv_python)" - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# Every TCP socket that listens on PORT or belongs to PID must be on 127.0.0.1
# (never 0.0.0.0, [::] or *). Prints the offending addresses and fails otherwise.
# Skipped without `ss`; the per-PID part needs root (ss -p), as in CI.
check_loopback_only() {
    local port=$1 pid=$2 addrs bad=""
    command -v ss >/dev/null 2>&1 || return 0
    addrs=$(ss -Hltnp 2>/dev/null | awk -v port=":$port" -v pid="pid=$pid," '
        { n = split($4, a, ":") } a[n] == substr(port, 2) || index($0, pid) { print $4 }') || return 0
    local a
    for a in $addrs; do
        [[ $a == 127.* ]] || bad+=" $a"
    done
    if [[ -n $bad ]]; then
        printf '%s\n' "$bad"
        return 1
    fi
}

log_tail() {
    local log
    log=$(log_file "$1")
    [[ -f $log ]] || return 0
    printf -- '---- last lines of %s ----\n' "$log" >&2
    tail -n 40 "$log" >&2
    printf -- '----\n' >&2
}

# Hold an exclusive per-port lock on fd 8 for the rest of the process.
lock_port() {
    mkdir -p "$(inst_dir "$1")"
    exec 8>"$(inst_dir "$1")/lock"
    flock -w 120 8 || die "timed out waiting for the lock of port $1"
}

# Stop the instance on PORT (caller holds its lock). Returns 0 when nothing runs any more.
stop_instance() {
    local port=$1 pid pgid="" i
    pid=$(recorded_pid "$port")
    if ! is_ministack_pid "$pid"; then
        rm -f "$(pid_file "$port")"
        return 0
    fi
    pgid=$(pgid_of "$pid" || true)
    # Signal the whole process group only when MiniStack leads its own group (setsid
    # at start); otherwise just the process.
    if [[ $pgid == "$pid" ]]; then
        kill -TERM -- "-$pgid" 2>/dev/null || true
    else
        kill -TERM "$pid" 2>/dev/null || true
    fi
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        note "pid $pid did not exit after SIGTERM within 10 s; sending SIGKILL"
        if [[ $pgid == "$pid" ]]; then kill -KILL -- "-$pgid" 2>/dev/null || true; fi
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    # Leftover children in the group (e.g. Lambda bootstrap processes).
    if [[ $pgid == "$pid" ]] && pgrep -g "$pgid" >/dev/null 2>&1; then
        kill -KILL -- "-$pgid" 2>/dev/null || true
    fi
    if kill -0 "$pid" 2>/dev/null; then
        note "could not stop pid $pid"
        return 1
    fi
    rm -f "$(pid_file "$port")"
    return 0
}

# ---- commands ------------------------------------------------------------------

cmd_start() {
    local port=$1 pid bin dir log started elapsed addrs
    if [[ $port == 0 ]]; then
        port=$(free_port) || die "could not pick a free port"
    fi
    lock_port "$port"
    dir=$(inst_dir "$port")
    log=$(log_file "$port")

    pid=$(recorded_pid "$port")
    if is_ministack_pid "$pid"; then
        if healthy "$port"; then
            note "already running (pid $pid) at $(url_of "$port")"
            printf '%s\n' "$port" >"$LAST_PORT_FILE"
            url_of "$port"
            return 0
        fi
        note "pid $pid is alive but not healthy; restarting it"
        stop_instance "$port" || die "could not stop the unhealthy instance (pid $pid)"
    fi
    rm -f "$(pid_file "$port")"

    if healthy "$port"; then
        die "something not started by this script already answers at $(url_of "$port"); stop it or use another --port"
    fi
    bin=$(ministack_bin)
    port_bindable "$port" || die "127.0.0.1:$port is already in use; pick another --port (0 = any free port)"

    # Fresh scratch dirs for this instance: MiniStack's defaults (/tmp/ministack-state,
    # /tmp/ministack-data/s3, $TMPDIR) would be shared between instances.
    rm -rf "$dir/tmp" "$dir/state" "$dir/s3"
    mkdir -p "$dir/tmp" "$dir/state" "$dir/s3"
    [[ -f $log ]] && mv -f "$log" "$log.prev"
    printf '# %s: starting %s on %s:%s\n' "$(date -u +%FT%TZ)" "$bin" "$HOST" "$port" >"$log"

    started=$EPOCHREALTIME
    # BIND_HOST: the HTTP gateway's bind address (MiniStack's default is 0.0.0.0).
    # GATEWAY_PORT: its port. MINISTACK_HOST: the host name MiniStack puts into URLs
    # it hands out (queue URLs, S3 virtual hosts, execute-api).
    # No AWS_ENDPOINT_URL: the lake's functions get the endpoint from their stacks (the
    # EmulatorEndpoint parameter `sdlf deploy` gives), as they must on a MiniStack started
    # any other way; the tests run on instances started without it to keep that so.
    # IOT_MTLS_ENABLED=0: otherwise an MQTT/TLS listener binds 0.0.0.0:8883 (its bind
    # address is hard-coded) and a second instance collides on 8883.
    # SFTP_*: the Transfer Family listener (only with asyncssh, not installed) would
    # bind $SFTP_HOST, default 0.0.0.0.
    # setsid: MiniStack leads its own process group, so `stop` can also end the
    # Lambda processes it spawns. fd 8 (the lock) must not leak into it.
    (
        cd "$dir"
        exec env -u AWS_ENDPOINT_URL \
            BIND_HOST="$HOST" \
            GATEWAY_PORT="$port" \
            MINISTACK_HOST="$HOST" \
            IOT_MTLS_ENABLED=0 \
            SFTP_ENABLED=0 \
            SFTP_HOST="$HOST" \
            PERSIST_STATE=0 \
            S3_PERSIST=0 \
            STATE_DIR="$dir/state" \
            S3_DATA_DIR="$dir/s3" \
            TMPDIR="$dir/tmp" \
            setsid "$bin" </dev/null >>"$log" 2>&1 8>&-
    ) &
    pid=$!
    printf '%s\n' "$pid" >"$(pid_file "$port")"

    local deadline=$((${EPOCHREALTIME%.*} + START_TIMEOUT))
    until healthy "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            rm -f "$(pid_file "$port")"
            log_tail "$port"
            die "MiniStack exited during startup on port $port (log: $log)"
        fi
        if ((${EPOCHREALTIME%.*} >= deadline)); then
            log_tail "$port"
            stop_instance "$port" || true
            die "MiniStack did not answer $(url_of "$port")/_ministack/health within ${START_TIMEOUT}s (log: $log)"
        fi
        # Each look is a Python process: a few per second is enough and leaves the CPU to MiniStack.
        sleep 0.25
    done

    if ! addrs=$(check_loopback_only "$port" "$pid"); then
        stop_instance "$port" || true
        die "MiniStack listened on non-loopback address(es):$addrs; stopped it"
    fi
    elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    printf '%s\n' "$port" >"$LAST_PORT_FILE"
    note "started pid $pid at $(url_of "$port") in ${elapsed}s (log: $log)"
    url_of "$port"
}

cmd_stop() {
    local port=$1 pid
    lock_port "$port"
    pid=$(recorded_pid "$port")
    if ! is_ministack_pid "$pid"; then
        rm -f "$(pid_file "$port")"
        note "not running on port $port"
        return 0
    fi
    stop_instance "$port" || die "failed to stop pid $pid on port $port"
    rm -rf "$(inst_dir "$port")/tmp" "$(inst_dir "$port")/state" "$(inst_dir "$port")/s3"
    note "stopped pid $pid (port $port)"
}

# Stops every instance recorded under the state dir, in parallel (each takes ~1-2 s).
cmd_stop_all() {
    local f port rc=0 pids=()
    for f in "$STATE_ROOT"/*/ministack.pid; do
        [[ -e $f ]] || continue
        port=$(basename "$(dirname "$f")")
        valid_port "$port" || continue
        (cmd_stop "$port") &
        pids+=("$!")
    done
    for f in "${pids[@]}"; do
        wait "$f" || rc=1
    done
    return "$rc"
}

cmd_status() {
    local port=$1 pid
    pid=$(recorded_pid "$port")
    if is_ministack_pid "$pid" && healthy "$port"; then
        printf 'running: %s (pid %s)\n' "$(url_of "$port")" "$pid"
        return 0
    fi
    if is_ministack_pid "$pid"; then
        printf 'not running: %s (pid %s is alive but not healthy; log: %s)\n' "$(url_of "$port")" "$pid" "$(log_file "$port")"
    else
        printf 'not running: %s\n' "$(url_of "$port")"
    fi
    return 1
}

cmd_reset() {
    local port=$1
    http POST "$(url_of "$port")/_ministack/reset" >/dev/null ||
        die "reset failed: is MiniStack running at $(url_of "$port")? (ministack.sh status --port $port)"
    note "reset $(url_of "$port")"
}

# ---- argument parsing ------------------------------------------------------------

cmd=${1:-}
[[ $# -gt 0 ]] && shift
port="" all=no
while [[ $# -gt 0 ]]; do
    case $1 in
    --port) [[ $# -ge 2 ]] || die "--port needs a value"; port=$2; shift 2 ;;
    --port=*) port=${1#--port=}; shift ;;
    --all) all=yes; shift ;;
    -h | --help) usage 0 ;;
    *) die "unknown argument '$1' (see ministack.sh --help)" ;;
    esac
done
[[ $all == no || $cmd == stop ]] || die "--all is only for stop"
[[ $all == no || -z $port ]] || die "--all and --port exclude each other"

if [[ -z $port ]]; then
    if [[ -n ${MINISTACK_PORT:-} ]]; then
        port=$MINISTACK_PORT
    elif [[ $cmd != start && -f $LAST_PORT_FILE ]]; then
        port=$(<"$LAST_PORT_FILE")
    else
        port=4566
    fi
fi
valid_port "$port" || die "invalid port '$port'"
port=$((10#$port))
[[ $port != 0 || $cmd == start ]] || die "--port 0 only makes sense for start"

case $cmd in
start) cmd_start "$port" ;;
stop) if [[ $all == yes ]]; then cmd_stop_all; else cmd_stop "$port"; fi ;;
status) cmd_status "$port" ;;
reset) cmd_reset "$port" ;;
url) url_of "$port" ;;
log) log_file "$port" ;;
help | -h | --help) usage 0 ;;
*) usage ;;
esac
