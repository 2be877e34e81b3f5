#!/usr/bin/env python3
"""Instructions per request, counted by callgrind: `just instructions [DIR...]`.

Wall-clock throughput on a shared 2-core machine moves by ±20 % between runs
of one build, more than most single changes to the hot path. Instructions
do not: this runs the release server (PostgreSQL, `RUST_LOG=error`, as
`just bench`) under `valgrind --tool=callgrind`, sends 200 requests to warm
it, zeroes the counters, sends 3,000 hot verifications, 300 list pages of 50 keys
(a user with 10,000) and 1,000 cold verifications (each a key not yet seen,
so each a lookup of its own, with the flush of its last use) over one
keep-alive connection, and divides the instructions of every thread by the
requests. It counts the
floor (`llavero-bench-floor`) on the same verify request too. Each DIR
(default: target/release) holds the binaries of one build, so two builds
are compared side by side; runs of one build agree within 0.5 %.

Under valgrind, sha2 takes its portable path (no SHA extensions): about
17k of a verification's instructions are SHA-256 that the CPU's own
instructions do in about 1k, the same in every build.
"""
import glob
import http.client
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the benchmark's helpers: databases, seeding, sessions)

PORT = 18181
VERIFIES = 3000
PAGES = 300
COLD = 1000
OUT = os.path.join(bench.WORK, "callgrind")


def under_callgrind(cmd, env=None):
    return subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={OUT}.%p", *cmd],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ready(port, path):
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", path)
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on {port}")


def count(proc, name, send, n):
    """Instructions per call of `send`, over `n` calls after 200 warm-up calls."""
    for _ in range(200):
        send()
    subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(n):
        send()
    subprocess.run(["callgrind_control", "-d", name, str(proc.pid)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    total = 0
    for f in glob.glob(f"{OUT}.{proc.pid}.*"):
        text = open(f).read()
        if f"Trigger: dump {name}" in text:
            total += int(re.search(r"^summary: (\d+)", text, re.M).group(1))
            os.remove(f)
    return total / n


def caller(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send():
        conn.request(method, path, body=body, headers={"content-type": "application/json", **(headers or {})})
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
    return send


def cold_caller(port, keys_file):
    """A verification of the next key of `keys_file`, each key once."""
    keys = iter(open(keys_file).read().split())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send():
        body = json.dumps({"key": next(keys), "client_ip": "203.0.113.5"})
        conn.request("POST", "/api/v1/verify", body=body, headers={"content-type": "application/json", **bench.VERIFY_HDR})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["data"]["valid"], r.status
    return send


def server(rel, url, cold_keys):
    env = dict(os.environ, LLAVERO_DATABASE_URL=url, LLAVERO_LISTEN=f"127.0.0.1:{PORT}",
               LLAVERO_KEY_PEPPER=bench.PEPPER, LLAVERO_VERIFY_TOKEN=bench.TOKEN,
               LLAVERO_ADMIN_PASSWORD=bench.ADMIN_PASSWORD, LLAVERO_WEB_DIR="", RUST_LOG="error")
    proc = under_callgrind([os.path.join(rel, "llavero"), "serve"], env)
    try:
        ready(PORT, "/readyz")
        _, hot = bench.new_key(PORT, bench.session(PORT, "bench", "bench-password"), "hot")
        _, lkey = bench.new_key(PORT, bench.session(PORT, "lister", "bench-password"), "list")
        verify = caller(PORT, "POST", "/api/v1/verify", json.dumps({"key": hot, "client_ip": "203.0.113.5"}),
                        bench.VERIFY_HDR)
        listing = caller(PORT, "GET", "/api/v1/api-keys?limit=50", headers={"MC-Api-Key": lkey})
        return (count(proc, "hot", verify, VERIFIES), count(proc, "list", listing, PAGES),
                count(proc, "cold", cold_caller(PORT, cold_keys), COLD))
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def floor(rel):
    proc = under_callgrind([os.path.join(rel, "llavero-bench-floor"), f"127.0.0.1:{PORT}"])
    try:
        ready(PORT, "/")
        body = json.dumps({"key": "mco_" + "a" * 34, "client_ip": "203.0.113.5"})
        return count(proc, "floor", caller(PORT, "POST", "/api/v1/verify", body, bench.VERIFY_HDR), VERIFIES)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main():
    dirs = sys.argv[1:] or [bench.REL]
    url = bench.fresh_db("postgres", 10_000)
    bench.REL = dirs[0]
    bench.seed(url, "lister", 10_000)
    bench.seed(url, "bench", 1000)
    # Each build verifies its own keys cold.
    cold_keys = [bench.seed(url, f"cold{i}", 200 + COLD) for i in range(len(dirs))]
    bench.psql("VACUUM ANALYZE", "llavero_bench")
    print("| build | hot verify, instructions | list page of 50, instructions | cold verify, instructions |")
    print("|---|---|---|---|")
    for rel, keys in zip(dirs, cold_keys):
        hot, page, cold = server(rel, url, keys)
        print(f"| {rel} | {hot:,.0f} | {page:,.0f} | {cold:,.0f} |", flush=True)
    print(f"| floor ({dirs[0]}) | {floor(dirs[0]):,.0f} | — | — |")


if __name__ == "__main__":
    main()
