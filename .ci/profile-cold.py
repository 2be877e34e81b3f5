#!/usr/bin/env python3
"""Where a cold verification's time goes (#18): `just profile-cold`.

Seeds 1,000,000 keys on PostgreSQL (as `just bench` does), then runs the
cold load (a random key per request, 64 connections) twice: once under
`perf record -a -g` (the whole machine, split by process and, inside
Llavero and PostgreSQL, by function), once with PostgreSQL's own counters
read before and after (commits, rows written per table, HOT updates, index
scans, blocks hit and read) and Llavero's `/metrics` (keys looked up, usage
flushes: rows and time each). Prints what it measured; the reading of
it is in docs/profile.md.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the benchmark's helpers: servers, seeding, wrk)

PORT = 18181
SECONDS = int(os.environ.get("PROFILE_SECONDS", "8"))


def metrics(port):
    text = bench.http_get_text(port, "/metrics")
    out = {}
    for name in ("llavero_key_lookups_total", "llavero_usage_flushes_total", "llavero_usage_flush_rows_total",
                 "llavero_usage_flush_microseconds_total", "llavero_usage_new_addresses_total"):
        m = re.search(rf"^{name} (\d+)$", text, re.M)
        out[name] = int(m.group(1)) if m else None
    return out


def pg_counters():
    """Per-table writes and the database's commits and block traffic."""
    time.sleep(1)  # backends report their statistics within a second of idling
    rows = bench.run(["psql", f"{bench.PG_ADMIN}/llavero_bench", "-tAF,", "-c",
                      "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, idx_scan, seq_scan "
                      "FROM pg_stat_user_tables ORDER BY relname"])
    tables = {}
    for line in rows.strip().splitlines():
        name, *nums = line.split(",")
        tables[name] = [int(n or 0) for n in nums]
    db = bench.run(["psql", f"{bench.PG_ADMIN}/llavero_bench", "-tAF,", "-c",
                    "SELECT xact_commit, blks_hit, blks_read, tup_returned, tup_fetched "
                    "FROM pg_stat_database WHERE datname = 'llavero_bench'"]).strip().split(",")
    return tables, [int(x) for x in db]


def main():
    os.chdir(bench.ROOT)
    url = bench.fresh_db("postgres", 1_000_000)
    keys = bench.seed(url, "bench", 1_000_000)
    bench.psql("VACUUM ANALYZE", "llavero_bench")
    server = bench.Server(url, PORT)
    script = bench.lua_cold(keys)
    try:
        # Warm the connection pool and PostgreSQL's buffers, as a running
        # service would be.
        bench.wrk(PORT, script, "warm-up")
        # 1. Counters around one run.
        m0, (t0, d0) = metrics(PORT), pg_counters()
        r = bench.wrk(PORT, script, "cold, counted")
        time.sleep(1.5)  # the last flush
        m1, (t1, d1) = metrics(PORT), pg_counters()
        print(f"\n== server RSS after two cold runs: {server.rss_mb():.1f} MB")
        n = r["rps"] * float(bench.DURATION.rstrip("s"))
        print(f"\n== counters over one run: {r['rps']:,.0f} verifies/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms")
        for k in m0:
            if m0[k] is not None:
                print(f"  {k}: +{m1[k] - m0[k]:,}")
        flushes = max(m1["llavero_usage_flushes_total"] - m0["llavero_usage_flushes_total"], 1)
        print(f"  per flush: {(m1['llavero_usage_flush_rows_total'] - m0['llavero_usage_flush_rows_total']) / flushes:,.0f} rows, "
              f"{(m1['llavero_usage_flush_microseconds_total'] - m0['llavero_usage_flush_microseconds_total']) / flushes / 1000:,.0f} ms")
        print("  table: inserted, updated, HOT-updated, index scans, seq scans (per 1,000 verifies)")
        for name in sorted(t1):
            d = [b - a for a, b in zip(t0.get(name, [0] * 5), t1[name])]
            if any(d):
                print(f"    {name}: " + ", ".join(f"{x * 1000 / n:,.1f}" for x in d))
        dd = [b - a for a, b in zip(d0, d1)]
        print(f"  database: commits {dd[0] * 1000 / n:,.1f}, blocks hit {dd[1] * 1000 / n:,.0f}, "
              f"read {dd[2] * 1000 / n:,.1f}, tuples returned {dd[3] * 1000 / n:,.0f}, fetched {dd[4] * 1000 / n:,.0f} (per 1,000 verifies)")
        # 2. The whole machine under perf.
        data = os.path.join(bench.WORK, "perf.data")
        perf = subprocess.Popen(["perf", "record", "-a", "-g", "-F", "499", "-o", data, "--", "sleep", str(SECONDS)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bench.wrk(PORT, script, "cold, under perf")
        perf.wait()
        print("\n== CPU by process (perf, whole machine)")
        print(bench.run(["perf", "report", "-i", data, "--no-children", "--sort", "comm", "--stdio"],
                        ).split("\n\n", 1)[-1][:3000])
        for comm in ("llavero", "postgres"):
            print(f"\n== {comm}: top functions (self)")
            out = bench.run(["perf", "report", "-i", data, "--no-children", "--comm", comm, "--sort", "sym",
                             "--stdio", "-g", "none", "--percent-limit", "1.5"])
            print("\n".join(l for l in out.splitlines() if l.strip() and not l.startswith("#"))[:4000])
    finally:
        server.stop()


if __name__ == "__main__":
    main()
