#!/usr/bin/env python3
"""`just bench`: Llavero's verification benchmark, end to end, on loopback.

Starts release builds of Llavero (on PostgreSQL and on SQLite, seeded with
1k, 100k and 1M keys) and of the floor (a bare actix-web handler that parses
the same verify body), drives each with wrk from a second process, measures
pgbench -S on the same PostgreSQL, cross-replica revocation time, server
memory, peak memory under 300 concurrent sign-ins, the database work of
unknown keys, how fast an outage is answered and what forward-auth behind
nginx costs, and the cold path's targets (#18: three runs each, against
`pgbench -S`), and writes docs/benchmarks.md. A benchmark, not a test: it asserts
nothing, it reports each figure beside its target.
"""

import http.client
import json
import select
import socket
import threading
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REL = os.path.join(ROOT, "target", "release")
PEPPER = "bench-pepper-0123456789abcdef0123456789"
TOKEN = "bench-verify-token-0123456789abcdef"
ADMIN_PASSWORD = "bench-admin-password"
PG_ADMIN = os.environ.get("LLAVERO_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DURATION = os.environ.get("BENCH_DURATION", "8s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,100000,1000000").split(",")]
WORK = tempfile.mkdtemp(prefix="llavero-bench-")
FLOOR_RANDOM = None


def log(*a):
    print("[bench]", *a, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def psql(sql, db="postgres"):
    run(["psql", f"{PG_ADMIN}/{db}", "-q", "-c", sql])


def psql_value(sql, db="postgres"):
    return run(["psql", f"{PG_ADMIN}/{db}", "-tA", "-c", sql]).strip()


def wait_ready(port):
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server on {port} never became ready")


class Server:
    def __init__(self, url, port, extra=None):
        env = dict(os.environ, LLAVERO_DATABASE_URL=url, LLAVERO_LISTEN=f"127.0.0.1:{port}",
                   LLAVERO_KEY_PEPPER=PEPPER, LLAVERO_VERIFY_TOKEN=TOKEN,
                   LLAVERO_ADMIN_PASSWORD=ADMIN_PASSWORD, LLAVERO_WEB_DIR="", RUST_LOG="error",
                   # The create row measures creation itself, not the per-user limit.
                   LLAVERO_KEY_CREATE_PER_MINUTE="0",
                   # The limited-key row: a key with scopes and networks.
                   LLAVERO_SCOPES="compute:read,compute:write,dns:edit")
        env.update(extra or {})
        self.port = port
        self.proc = subprocess.Popen([os.path.join(REL, "llavero"), "serve"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_ready(port)

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def peak_mb(self):
        """The process's peak resident memory so far (VmHWM)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def http_json(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"content-type": "application/json", **(headers or {})}
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else None), r.getheader("set-cookie")


def session(port, username, password):
    status, _, cookie = http_json(port, "POST", "/api/v1/auth/login", {"username": username, "password": password})
    assert status == 200, status
    return cookie.split(";")[0]


def new_key(port, cookie, name="bench", **limits):
    status, body, _ = http_json(port, "POST", "/api/v1/api-keys", {"name": name, **limits}, {"cookie": cookie})
    assert status == 201, (status, body)
    return body["data"]["id"], body["secret"]


def wrk(port, script, label, connections=CONNECTIONS):
    path = os.path.join(WORK, "s.lua")
    with open(path, "w") as f:
        f.write(script)
    out = run(["wrk", "-t1", f"-c{connections}", f"-d{DURATION}", "--latency", "-s", path,
               f"http://127.0.0.1:{port}"])
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    res = {"label": label, "connections": connections, "rps": rps, "p50": pct(50), "p99": pct(99), "errors": errors}
    log(f"{label}: {rps:,.0f} req/s, p50 {res['p50']:.2f} ms, p99 {res['p99']:.2f} ms, non-2xx {errors}")
    return res


def lua_post(path, body, headers):
    hs = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    return f'wrk.method = "POST"\nwrk.path = "{path}"\nwrk.headers["Content-Type"] = "application/json"\n{hs}wrk.body = {json.dumps(json.dumps(body))}\n'


def lua_get(path, headers):
    hs = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    return f'wrk.method = "GET"\nwrk.path = "{path}"\n{hs}'


def lua_keys(keys_file):
    """A verify request script's start: the method, headers, and the keys of
    `keys_file` in `keys`."""
    return f'''
wrk.method = "POST"
wrk.path = "/api/v1/verify"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {TOKEN}"
local keys = {{}}
for line in io.lines("{keys_file}") do keys[#keys + 1] = line end
math.randomseed(os.time())
'''


def lua_cold(keys_file, client_ip="203.0.113.9"):
    ip = f',"client_ip":"{client_ip}"' if client_ip else ""
    return lua_keys(keys_file) + f'''
request = function()
  local k = keys[math.random(#keys)]
  return wrk.format(nil, nil, nil, '{{"key":"' .. k .. '"{ip}}}')
end
'''


VERIFY_HDR = {"Authorization": f"Bearer {TOKEN}"}


def unknown_keys(count=100_000):
    """Well-formed keys (right prefix, length and checksum) that nobody has."""
    alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    def base62(value, width):
        out = bytearray(b"0" * width)
        for i in range(width - 1, -1, -1):
            out[i] = alphabet[value % 62]
            value //= 62
        return out.decode()

    path = os.path.join(WORK, "keys-unknown.txt")
    with open(path, "w") as f:
        for _ in range(count):
            body = "mco_" + "".join(chr(alphabet[b % 62]) for b in os.urandom(30))
            f.write(body + base62(zlib.crc32(body.encode()), 6) + "\n")
    return path


def unknown_pair(keys_file):
    with open(keys_file) as f:
        return f.readline().strip(), f.readline().strip()


def key_index_reads(backend):
    """Index and table scans of api_keys so far (PostgreSQL's statistics,
    which an idle backend flushes up to 10 s after its work: wait that out)."""
    if backend != "postgres":
        return None
    time.sleep(11)
    out = run(["psql", f"{PG_ADMIN}/llavero_bench", "-tAc",
               "SELECT coalesce(idx_scan, 0) + coalesce(seq_scan, 0) FROM pg_stat_user_tables WHERE relname = 'api_keys'"])
    return int(out.strip() or 0)


def lookups(port):
    """Keys the server has looked up in its database (`/metrics`)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    return int(re.search(r"^llavero_key_lookups_total (\d+)$", text, re.M).group(1))


def sign_in_memory(port, attempts=300):
    """Peak server memory while `attempts` sign-ins arrive at once, each from
    its own address (so no throttle turns any away: all want argon2)."""
    psql("DROP DATABASE IF EXISTS llavero_bench WITH (FORCE)")
    psql("CREATE DATABASE llavero_bench")
    server = Server(f"{PG_ADMIN}/llavero_bench", port, {"LLAVERO_TRUSTED_PROXIES": "127.0.0.1"})
    statuses = []
    try:
        idle = server.rss_mb()
        barrier = threading.Barrier(attempts)

        def attempt(i):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            body = json.dumps({"username": f"user{i}", "password": "not-the-password"})
            c.connect()
            barrier.wait()
            c.request("POST", "/api/v1/auth/login", body=body,
                      headers={"content-type": "application/json", "x-forwarded-for": f"10.9.{i // 256}.{i % 256}"})
            statuses.append(c.getresponse().status)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.time() - t0
        res = {"idle": idle, "peak": server.peak_mb(), "n": attempts, "took": took,
               "checked": statuses.count(401), "busy": statuses.count(503),
               "other": len(statuses) - statuses.count(401) - statuses.count(503)}
    finally:
        server.stop()
    log(f"{attempts} concurrent sign-ins: peak RSS {res['peak']:.1f} MB (idle {res['idle']:.1f} MB); "
        f"{res['checked']} checked, {res['busy']} busy, {res['other']} other, in {res['took']:.1f} s")
    return res


class Relay:
    """A loopback TCP relay to PostgreSQL that can be cut (the outage)."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.socks = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.open:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", 5432))
            self.socks += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a, b):
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        raise OSError
                    (b if s is a else a).sendall(data)
        except (OSError, ValueError):
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        self.open = False
        self.listener.close()
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


def outage_latency(port, seconds=10):
    """How fast verifications are answered while PostgreSQL is unreachable."""
    psql("DROP DATABASE IF EXISTS llavero_bench WITH (FORCE)")
    psql("CREATE DATABASE llavero_bench")
    relay = Relay()
    server = Server(f"{PG_ADMIN.replace('127.0.0.1:5432', f'127.0.0.1:{relay.port}')}/llavero_bench", port)
    times, statuses = [], []
    try:
        cookie = session(port, "admin", ADMIN_PASSWORD)
        _, secret = new_key(port, cookie, "outage")
        relay.cut()
        stop = time.time() + seconds

        def client():
            body = json.dumps({"key": secret})
            hdr = {"content-type": "application/json", "authorization": f"Bearer {TOKEN}"}
            while time.time() < stop:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                t0 = time.perf_counter()
                c.request("POST", "/api/v1/verify", body=body, headers=hdr)
                r = c.getresponse()
                r.read()
                times.append((time.perf_counter() - t0) * 1000)
                statuses.append(r.status)

        threads = [threading.Thread(target=client) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    times.sort()
    res = {"n": len(times), "p50": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1],
           "max": times[-1], "codes": {s: statuses.count(s) for s in sorted(set(statuses))}}
    log(f"outage: {res['n']} verifications, p50 {res['p50']:.0f} ms, p99 {res['p99']:.0f} ms, max {res['max']:.0f} ms, {res['codes']}")
    return res


def fresh_db(backend, size):
    if backend == "postgres":
        psql("DROP DATABASE IF EXISTS llavero_bench WITH (FORCE)")
        psql("CREATE DATABASE llavero_bench")
        return f"{PG_ADMIN}/llavero_bench"
    path = os.path.join(WORK, f"sqlite-{size}")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return f"sqlite://{path}/llavero.db?mode=rwc"


def seed(url, user, count):
    keys_file = os.path.join(WORK, f"keys-{user}.txt")
    started = time.time()
    run([os.path.join(REL, "llavero-bench-seed"), url, PEPPER, user, str(count), keys_file])
    log(f"seeded {count:,} keys for {user} in {time.time() - started:.0f} s")
    return keys_file


def bench_backend(backend, results, port):
    for size in SIZES:
        url = fresh_db(backend, size)
        keys_file = seed(url, "bench", size)
        server = Server(url, port)
        try:
            cookie = session(port, "bench", "bench-password")
            _, hot = new_key(port, cookie, "hot")
            tag = f"{backend} {size:,} keys"
            r = results.setdefault((backend, size), {})
            r["hot"] = wrk(port, lua_post("/api/v1/verify", {"key": hot, "client_ip": "203.0.113.5"}, VERIFY_HDR), f"{tag}: verify hot")
            if size == max(SIZES):
                # Every check a limited key adds: the scope required, the
                # address matched against its networks (the last of four).
                _, limited = new_key(port, cookie, "limited", scopes=["compute:read", "compute:write"],
                                     allowed_cidrs=["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "203.0.113.0/24"])
                r["hot_limited"] = wrk(port, lua_post("/api/v1/verify", {"key": limited, "client_ip": "203.0.113.5", "required_scope": "compute:write"}, VERIFY_HDR),
                                       f"{tag}: verify hot, key with scopes and networks")
            r["cold"] = wrk(port, lua_cold(keys_file), f"{tag}: verify cold (random of {size:,})")
            if size == 100_000:
                # Right after the run (its last flush may still be writing)
                # and once settled, as the cold path's row measures it.
                r["rss_now"] = server.rss_mb()
                time.sleep(3)
                r["rss_mb"] = server.rss_mb()
                log(f"{tag}: server RSS {r['rss_now']:.1f} MB, 3 s later {r['rss_mb']:.1f} MB")
            if size == max(SIZES):
                r["malformed"] = wrk(port, lua_post("/api/v1/verify", {"key": "mco_000000000000000000000000000000000000"}, VERIFY_HDR), f"{tag}: verify malformed")
                unknown = unknown_keys()
                r["unknown"] = wrk(port, lua_cold(unknown), f"{tag}: verify random unknown keys, one client address")
                r["unknown_anon"] = wrk(port, lua_cold(unknown, client_ip=None), f"{tag}: verify random unknown keys, no client_ip")
                repeated, other = unknown_pair(unknown)
                # What one lookup costs in scans (on PostgreSQL two: the
                # current digest's index and the previous one's, combined by
                # a BitmapOr), from another unknown key: the statistics lag
                # 10 s, longer than the repeated key stays remembered.
                calibrated = key_index_reads(backend)
                http_json(port, "POST", "/api/v1/verify", {"key": other}, VERIFY_HDR)
                before = key_index_reads(backend)
                # Looked up once, then remembered as unknown for the cache TTL
                # (10 s), longer than the run.
                http_json(port, "POST", "/api/v1/verify", {"key": repeated}, VERIFY_HDR)
                looked = lookups(port)
                r["unknown_repeat"] = wrk(port, lua_post("/api/v1/verify", {"key": repeated}, VERIFY_HDR), f"{tag}: verify one unknown key, repeated")
                r["unknown_repeat"]["looked_up"] = lookups(port) - looked
                if before is not None:
                    one = r["unknown_repeat"]["first_reads"] = before - calibrated
                    r["unknown_repeat"]["db_reads"] = key_index_reads(backend) - before - one
                r["me"] = wrk(port, lua_get("/api/v1/me", {"MC-Api-Key": hot}), f"{tag}: GET /me by key")
                r["create"] = wrk(port, lua_post("/api/v1/api-keys", {"name": "created-by-bench"}, {"Cookie": cookie}), f"{tag}: create key")
                server.stop()
                seed(url, "lister", 10_000)
                server = Server(url, port)
                lcookie = session(port, "lister", "bench-password")
                _, lkey = new_key(port, lcookie, "list")
                listing = lua_get("/api/v1/api-keys?limit=50", {"MC-Api-Key": lkey})
                r["list"] = wrk(port, listing, f"{tag}: list page (user with 10k keys)")
                r["list16"] = wrk(port, listing, f"{tag}: list page, 16 connections", 16)
                if backend == "postgres":
                    # The latency run: one worker, so the server does not
                    # time-slice a core with wrk (see docs/profile.md).
                    server.stop()
                    server = Server(url, port, {"LLAVERO_WORKERS": "1"})
                    r["hot1"] = wrk(port, lua_post("/api/v1/verify", {"key": hot, "client_ip": "203.0.113.5"}, VERIFY_HDR), f"{tag}: verify hot, 1 worker")
        finally:
            server.stop()


def propagation(port_a, port_b, rounds=100):
    psql("DROP DATABASE IF EXISTS llavero_bench WITH (FORCE)")
    psql("CREATE DATABASE llavero_bench")
    url = f"{PG_ADMIN}/llavero_bench"
    a = Server(url, port_a, {"LLAVERO_CACHE_TTL_SECS": "300"})
    b = Server(url, port_b, {"LLAVERO_CACHE_TTL_SECS": "300"})
    times = []
    try:
        cookie = session(port_a, "admin", ADMIN_PASSWORD)
        vb = http.client.HTTPConnection("127.0.0.1", port_b)
        hdr = {"content-type": "application/json", "authorization": f"Bearer {TOKEN}"}
        for _ in range(rounds):
            key_id, secret = new_key(port_a, cookie)
            for _ in range(2):
                vb.request("POST", "/api/v1/verify", body=json.dumps({"key": secret}), headers=hdr)
                assert json.loads(vb.getresponse().read())["data"]["code"] == "VALID"
            status, _, _ = http_json(port_a, "DELETE", f"/api/v1/api-keys/{key_id}", headers={"cookie": cookie})
            assert status == 204
            t0 = time.perf_counter()
            while True:
                vb.request("POST", "/api/v1/verify", body=json.dumps({"key": secret}), headers=hdr)
                if json.loads(vb.getresponse().read())["data"]["code"] == "REVOKED":
                    break
            times.append((time.perf_counter() - t0) * 1000)
    finally:
        a.stop()
        b.stop()
    times.sort()
    res = {"p50": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1], "max": times[-1], "n": len(times)}
    log(f"revocation seen on the other replica: p50 {res['p50']:.2f} ms, p99 {res['p99']:.2f} ms, max {res['max']:.2f} ms")
    return res


def gateway(port):
    """nginx in front of a trivial upstream, with and without forward-auth.

    One nginx (docs/gateways/nginx.conf, the file the tests run, with one
    worker) serves three ports: the protected API (auth_request to Llavero,
    on PostgreSQL, then the upstream), the same API without auth, and the
    upstream itself (`return 200`). wrk drives both front ports with the
    same valid key, at the usual connections (throughput) and at one
    (the latency a request pays for the check)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise SystemExit("nginx is required for the gateway benchmark: apt-get install -y nginx (or `just setup`)")
    front, plain, upstream = port + 10, port + 11, port + 12
    url = fresh_db("postgres", 0)
    server = Server(url, port, {"LLAVERO_TRUSTED_PROXIES": "127.0.0.1"})
    d = os.path.join(WORK, "nginx")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(ROOT, "docs", "gateways", "nginx.conf")) as f:
        site = f.read()
    for a, b in ((f"server 127.0.0.1:8080;", f"server 127.0.0.1:{port};"),
                 ("server 127.0.0.1:9000;", f"server 127.0.0.1:{upstream};"),
                 ("listen 8000;", f"listen 127.0.0.1:{front};")):
        assert a in site, a
        site = site.replace(a, b)
    site += f"""
server {{
    listen 127.0.0.1:{plain};
    location / {{
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header Host $host;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://portal_api;
    }}
}}
server {{
    listen 127.0.0.1:{upstream};
    location / {{ return 200 "ok\\n"; }}
}}
"""
    with open(os.path.join(d, "site.conf"), "w") as f:
        f.write(site)
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(f"daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n"
                f"events {{ worker_connections 1024; }}\nhttp {{\n access_log off;\n client_body_temp_path {d}/b;\n"
                f" proxy_temp_path {d}/p;\n fastcgi_temp_path {d}/f;\n uwsgi_temp_path {d}/u;\n scgi_temp_path {d}/s;\n"
                f" include {d}/site.conf;\n}}\n")
    proc = subprocess.Popen([nginx, "-p", d, "-c", os.path.join(d, "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", front), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        cookie = session(port, "admin", ADMIN_PASSWORD)
        _, key = new_key(port, cookie, "gateway")
        script = lua_get("/v1/servers", {"MC-Api-Key": key})
        for p_, want in ((front, 200), (plain, 200)):
            c = http.client.HTTPConnection("127.0.0.1", p_, timeout=5)
            c.request("GET", "/v1/servers", headers={"MC-Api-Key": key})
            status = c.getresponse().status
            assert status == want, (p_, status)
        out = {
            "auth": wrk(front, script, "nginx + forward-auth"),
            "plain": wrk(plain, script, "nginx, no auth"),
            "auth1": wrk(front, script, "nginx + forward-auth, 1 connection", 1),
            "plain1": wrk(plain, script, "nginx, no auth, 1 connection", 1),
        }
        c = http.client.HTTPConnection("127.0.0.1", front, timeout=5)
        c.request("GET", "/v1/servers")
        out["refused"] = c.getresponse().status
        return out
    finally:
        proc.terminate()
        proc.wait()
        server.stop()


def pgbench():
    psql("DROP DATABASE IF EXISTS llavero_pgbench WITH (FORCE)")
    psql("CREATE DATABASE llavero_pgbench")
    run(["pgbench", "-q", "-i", "-s", "10", f"{PG_ADMIN}/llavero_pgbench"])
    out = run(["pgbench", "-S", "-M", "prepared", "-c", str(CONNECTIONS), "-j", "2", "-T", DURATION.rstrip("s"), f"{PG_ADMIN}/llavero_pgbench"])
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    log(f"pgbench -S: {tps:,.0f} tps")
    psql("DROP DATABASE IF EXISTS llavero_pgbench WITH (FORCE)")
    return tps


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024 // 1024
    pg = run(["psql", f"{PG_ADMIN}/postgres", "-tAc", "SHOW server_version"]).strip()
    rev = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).strip()
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, Linux {platform.release()}, PostgreSQL {pg}, commit {rev}"


def fmt(r, floor):
    return f"{r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['rps'] / floor['rps']:.2f}×"


def write_report(floor, floor1, results, prop, pg_tps, rss, signin, outage, gw=None):
    big = max(SIZES)
    lines = [
        "# Benchmarks",
        "",
        "Written by `just bench` (`.ci/bench.py`); rerun it to refresh this page. Release",
        f"builds, loopback, wrk with 1 thread and {CONNECTIONS} connections for {DURATION} per",
        "scenario, server and load generator sharing the machine.",
        "",
        f"**Machine:** {machine()}. Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "Ratios are throughput relative to **the floor**: a bare actix-web handler that",
        "parses the same verify body and answers a fixed JSON (`llavero-bench-floor`),",
        "with the same number of HTTP workers. Both use one worker per core unless a",
        "row says \"1 worker\". Keys are random per request in the cold and unknown",
        "rows (read from a file by wrk's Lua script); PostgreSQL connections use the",
        "default `sslmode=prefer` (TLS on this server), for Llavero and pgbench alike.",
        "",
        "| scenario | backend | keys | req/s | p50 ms | p99 ms | × floor |",
        "|---|---|---|---|---|---|---|",
        f"| floor: parse body, fixed answer | — | — | {fmt(floor, floor)} |",
        f"| floor, 1 worker | — | — | {fmt(floor1, floor1)} |",
        f"| floor, random keys (wrk's Lua builds each request) | — | — | {fmt(FLOOR_RANDOM, floor)} |",
    ]
    names = [("hot", "verify, hot key"), ("hot_limited", "verify, hot key with 2 scopes and 4 networks, a scope required"),
             ("cold", "verify, random key (cold)"), ("malformed", "verify, malformed key"),
             ("unknown", "verify, random unknown keys, one client address"),
             ("unknown_anon", "verify, random unknown keys, no client_ip"),
             ("unknown_repeat", "verify, one unknown key repeated"),
             ("me", "GET /me by key"), ("create", "create a key (session)"),
             ("list", "list page of 50 (user with 10k keys)"), ("list16", "list page of 50, 16 connections"),
             ("hot1", "verify, hot key, 1 worker")]
    for backend in ("postgres", "sqlite"):
        for size in SIZES:
            r = results.get((backend, size), {})
            for k, label in names:
                if k in r:
                    base = floor1 if k == "hot1" else floor
                    lines.append(f"| {label} | {backend} | {size:,} | {fmt(r[k], base)} |")
    pgr = results.get(("postgres", big), {})
    hot1k = results.get(("postgres", min(SIZES)), {}).get("hot")
    hot_big = pgr.get("hot")
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]

    def row(target, measured, ok):
        lines.append(f"| {target} | {measured} | {'yes' if ok else '**no**'} |")

    if hot_big:
        row("warm verify ≥ 0.7× floor (PostgreSQL, 1M keys)", f"{hot_big['rps'] / floor['rps']:.2f}×", hot_big["rps"] >= 0.7 * floor["rps"])
    limited = pgr.get("hot_limited")
    if limited:
        row("hot verify of a key with scopes and networks ≥ 0.8× floor (PostgreSQL, 1M keys; three interleaved rounds in docs/benchmarks-key-limits.md)",
            f"{limited['rps'] / floor['rps']:.2f}× (plain key: {hot_big['rps'] / floor['rps']:.2f}×)", limited["rps"] >= 0.8 * floor["rps"])
    hot1 = pgr.get("hot1")
    if hot1 and hot_big:
        row(f"warm verify p99 ≤ 2 ms at {CONNECTIONS} connections (1 worker; the load generator has the other core)",
            f"{hot1['p99']:.2f} ms at {hot1['rps']:,.0f} req/s (floor, 1 worker: {floor1['p99']:.2f} ms); "
            f"with a worker per core {hot_big['p99']:.2f} ms (floor: {floor['p99']:.2f} ms)", hot1["p99"] <= 2)
    if hot1k and hot_big:
        row("verify p50 at 1M keys ≤ 1.2× at 1k", f"{hot_big['p50']:.2f} vs {hot1k['p50']:.2f} ms", hot_big["p50"] <= 1.2 * hot1k["p50"])
    cold = pgr.get("cold")
    if cold:
        row("cold verify (PostgreSQL) ≥ 0.5× pgbench -S", f"{cold['rps']:,.0f} vs {pg_tps:,.0f} tps ({cold['rps'] / pg_tps:.2f}×)", cold["rps"] >= 0.5 * pg_tps)
    if "create" in pgr:
        row("≥ 1,000 key creations/s on PostgreSQL", f"{pgr['create']['rps']:,.0f}/s", pgr["create"]["rps"] >= 1000)
    if "list16" in pgr:
        l16, l64 = pgr["list16"], pgr["list"]
        row("50-row list page p99 ≤ 10 ms (at 16 connections)",
            f"{l16['p99']:.2f} ms at {l16['rps']:,.0f} pages/s; at {CONNECTIONS} connections {l64['p99']:.2f} ms "
            f"(Little's law: {CONNECTIONS} / {l64['rps']:,.0f} per s = {CONNECTIONS / l64['rps'] * 1000:.1f} ms mean)", l16["p99"] <= 10)
    measured = {b: r for b, r in rss.items() if r}
    if measured:
        row("server RSS ≤ 64 MB with 100k keys (after hot and cold load: 3 s after the cold run, as the cold path's row; right after it in brackets)",
            ", ".join(f"{r['rss_mb']:.1f} MB on {b} ({r['rss_now']:.1f})" for b, r in measured.items()),
            all(r["rss_mb"] <= 64 for r in measured.values()))
    unk = pgr.get("unknown")
    if unk:
        row("a flood of random unknown well-formed keys ≥ 0.8× floor (from one client address: answered 429 from memory after its failures; "
            "against the floor driven by the same random-key script)",
            f"{unk['rps'] / FLOOR_RANDOM['rps']:.2f}× ({unk['rps']:,.0f} vs {FLOOR_RANDOM['rps']:,.0f} req/s; {unk['rps'] / floor['rps']:.2f}× the fixed-request floor; "
            f"{unk['errors']:,} answers 429/401)", unk["rps"] >= 0.8 * FLOOR_RANDOM["rps"])
    rep = pgr.get("unknown_repeat")
    if rep and rep.get("db_reads") is not None:
        row("repeated unknown keys cause no database work (api_keys scans in pg_stat_user_tables, and llavero_key_lookups_total, during the run; "
            "less the one lookup before it, whose scans another unknown key's lookup measured)",
            f"{rep['db_reads']} scans, {rep['looked_up']} lookups for {rep['rps'] * float(DURATION.rstrip('s')):,.0f} verifications "
            f"(one lookup: {rep['first_reads']} index scans)",
            rep["db_reads"] == 0 and rep["looked_up"] == 0)
    if signin:
        row(f"{signin['n']} concurrent sign-ins: peak RSS ≤ 128 MB",
            f"{signin['peak']:.1f} MB peak (idle {signin['idle']:.1f} MB); {signin['checked']} checked, {signin['busy']} answered 503 busy, in {signin['took']:.1f} s",
            signin["peak"] <= 128)
    if outage:
        row("database unreachable: verify answered within 1 s (p99), never a 500 (200s: the first 2 s, until the missed heartbeat switches the cache off)",
            f"p50 {outage['p50']:.0f} ms, p99 {outage['p99']:.0f} ms, max {outage['max']:.0f} ms over {outage['n']} (statuses {outage['codes']})",
            outage["p99"] <= 1000 and set(outage["codes"]) <= {200, 503})
    if gw:
        a, p, a1, p1 = gw["auth"], gw["plain"], gw["auth1"], gw["plain1"]
        row(f"gateway: nginx + forward-auth ≥ 0.5× the same nginx without auth ({CONNECTIONS} connections, one valid key, trivial upstream)",
            f"{a['rps']:,.0f} vs {p['rps']:,.0f} req/s ({a['rps'] / p['rps']:.2f}×); p99 {a['p99']:.2f} vs {p['p99']:.2f} ms",
            a["rps"] >= 0.5 * p["rps"] and a["errors"] == 0)
        row("gateway: forward-auth adds ≤ 0.5 ms to p50 (1 connection: the check's own latency)",
            f"{a1['p50'] - p1['p50']:.2f} ms ({a1['p50']:.2f} vs {p1['p50']:.2f} ms; {a1['rps']:,.0f} vs {p1['rps']:,.0f} req/s)",
            a1["p50"] - p1["p50"] <= 0.5)
    if prop:
        row("revocation refused on another replica ≤ 100 ms (p99)", f"p50 {prop['p50']:.2f} ms, p99 {prop['p99']:.2f} ms over {prop['n']} revocations", prop["p99"] <= 100)
    lines += ["", "Non-2xx answers during load: " + (", ".join(
        f"{b} {s:,} {k}: {r[k]['errors']}" for (b, s), r in results.items() for k in r if isinstance(r[k], dict) and r[k].get("errors")) or "none."), ""]
    with open(os.path.join(ROOT, "docs", "benchmarks.md"), "w") as f:
        f.write("\n".join(lines))
    log("wrote docs/benchmarks.md")


def floor_round(floor_port, body, label):
    """The floor started, measured on a verify body, and stopped."""
    fl = subprocess.Popen([os.path.join(REL, "llavero-bench-floor"), f"127.0.0.1:{floor_port}"])
    try:
        time.sleep(0.5)
        return wrk(floor_port, lua_post("/api/v1/verify", {"key": "mco_x", **body}, VERIFY_HDR), label)
    finally:
        fl.terminate()
        fl.wait()


def key_limits(port, floor_port, rounds=3):
    """A hot key with and without limits, against the floor, interleaved in
    `rounds` rounds (the three measured within seconds of each other, so the
    machine's drift hits all three alike); writes docs/benchmarks-key-limits.md."""
    url = fresh_db("postgres", 1000)
    seed(url, "bench", 1000)
    server = Server(url, port)
    body = {"client_ip": "203.0.113.5"}
    try:
        cookie = session(port, "bench", "bench-password")
        _, plain = new_key(port, cookie, "plain")
        _, limited = new_key(port, cookie, "limited", scopes=["compute:read", "compute:write"],
                             allowed_cidrs=["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32", "203.0.113.0/24"])
        runs = []
        for i in range(rounds):
            f = floor_round(floor_port, body, f"round {i + 1}: floor")
            p = wrk(port, lua_post("/api/v1/verify", {"key": plain, **body}, VERIFY_HDR), f"round {i + 1}: plain key")
            l = wrk(port, lua_post("/api/v1/verify", {"key": limited, "required_scope": "compute:write", **body}, VERIFY_HDR),
                    f"round {i + 1}: key with 2 scopes and 4 networks, a scope required")
            runs.append((f, p, l))
    finally:
        server.stop()
    lines = ["# Hot verification of a key with limits", "",
             f"`BENCH_ONLY=key-limits just bench` on {machine()}, PostgreSQL, 1,000 keys; the",
             "floor, a plain key and a key with 2 scopes and 4 networks (a scope required,",
             "the address in the last network) measured in turn, three rounds, 64 connections.", "",
             "| round | floor req/s | plain key req/s (× floor) | limited key req/s (× floor) | limited p99 ms |",
             "|---|---|---|---|---|"]
    ratios = []
    for i, (f, p, l) in enumerate(runs):
        ratios.append(l["rps"] / f["rps"])
        lines.append(f"| {i + 1} | {f['rps']:,.0f} | {p['rps']:,.0f} ({p['rps'] / f['rps']:.2f}×) | "
                     f"{l['rps']:,.0f} ({l['rps'] / f['rps']:.2f}×) | {l['p99']:.2f} |")
    median = sorted(ratios)[len(ratios) // 2]
    lines += ["", f"Target: hot verify of a key with scopes and networks ≥ 0.8× the floor — median "
              f"{median:.2f}× (spread {min(ratios):.2f}–{max(ratios):.2f}×): {'met' if median >= 0.8 else '**not met**'}.", ""]
    with open(os.path.join(ROOT, "docs", "benchmarks-key-limits.md"), "w") as f:
        f.write("\n".join(lines))
    log("wrote docs/benchmarks-key-limits.md")


def lua_steady(keys_file):
    """Random keys of `keys_file`, each always from its own address (the
    steady state: keys and addresses seen before)."""
    return lua_keys(keys_file) + f'''
request = function()
  local i = math.random(#keys)
  local ip = "10." .. (i % 200) .. "." .. (i % 250) .. ".1"
  return wrk.format(nil, nil, nil, '{{"key":"' .. keys[i] .. '","client_ip":"' .. ip .. '"}}')
end
'''


def flush_stats(port):
    text = http_get_text(port, "/metrics")
    def m(name):
        return int(re.search(rf"^{name} (\d+)$", text, re.M).group(1))
    return {k: m(f"llavero_usage_{k}_total") for k in ("flushes", "flush_rows", "flush_microseconds", "new_addresses")}


def http_get_text(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path)
    return c.getresponse().read().decode()


def flush_run(port, script, label):
    before = flush_stats(port)
    r = wrk(port, script, label)
    time.sleep(1.5)  # the last flush
    after = flush_stats(port)
    d = {k: after[k] - before[k] for k in after}
    n = max(d["flushes"], 1)
    r.update(flushes=d["flushes"], rows_per_flush=d["flush_rows"] / n,
             ms_per_flush=d["flush_microseconds"] / n / 1000, new_addresses=d["new_addresses"])
    log(f"{label}: {d['flushes']} flushes, {r['rows_per_flush']:,.0f} rows and {r['ms_per_flush']:.1f} ms each, "
        f"{d['new_addresses']:,} new addresses")
    return r


def usage(port, floor_port, rounds=3):
    """What recording usage costs: hot verify against the floor (three
    interleaved rounds), then the flush at 1M keys — first uses (every key
    and address new: an event each) and the steady state (20k keys, each
    from its own address, seen before) — and the storage per key per day;
    writes docs/benchmarks-usage.md."""
    # The hot rounds on a small database, as in the key-limits benchmark:
    # right after seeding 1M keys, PostgreSQL's autovacuum would share the
    # cores with the rounds.
    url = fresh_db("postgres", 1000)
    seed(url, "bench", 1000)
    server = Server(url, port)
    body = {"client_ip": "203.0.113.5"}
    try:
        cookie = session(port, "bench", "bench-password")
        _, hot = new_key(port, cookie, "hot")
        rounds_out = []
        for i in range(rounds):
            f = floor_round(floor_port, body, f"round {i + 1}: floor")
            h = wrk(port, lua_post("/api/v1/verify", {"key": hot, **body}, VERIFY_HDR), f"round {i + 1}: hot key, usage recorded")
            rounds_out.append((f, h))
    finally:
        server.stop()
    url = fresh_db("postgres", 1_000_000)
    keys_file = seed(url, "bench", 1_000_000)
    subset = os.path.join(WORK, "keys-20k.txt")
    with open(keys_file) as src, open(subset, "w") as dst:
        for i, line in enumerate(src):
            if i >= 20_000:
                break
            dst.write(line)
    psql("VACUUM ANALYZE", "llavero_bench")
    server = Server(url, port)
    try:
        first = flush_run(port, lua_cold(keys_file), "first uses: random of 1M keys")
        wrk(port, lua_steady(subset), "warming 20k keys and their addresses")
        steady = flush_run(port, lua_steady(subset), "steady: random of 20k keys, each from its address")
        days_rows = int(psql_value("SELECT count(*) FROM api_key_usage_days", "llavero_bench"))
        days_bytes = int(psql_value("SELECT pg_total_relation_size('api_key_usage_days')", "llavero_bench"))
        addr_rows = int(psql_value("SELECT count(*) FROM api_key_addresses", "llavero_bench"))
        addr_bytes = int(psql_value("SELECT pg_total_relation_size('api_key_addresses')", "llavero_bench"))
    finally:
        server.stop()
    ratios = [h["rps"] / f["rps"] for f, h in rounds_out]
    median = sorted(ratios)[len(ratios) // 2]
    lines = ["# Recording each key's use", "",
             f"`BENCH_ONLY=usage just bench` on {machine()}, PostgreSQL (1,000 keys for the hot rows,",
             "1,000,000 for the flush; vacuumed after seeding), wrk with",
             f"{CONNECTIONS} connections for {DURATION} per row. Every verification is recorded in memory",
             "(last use, count per UTC day, address) and written by one flush a second: one",
             "transaction, one statement per 10,000 rows of each kind.", "",
             "## Hot verify with usage recorded", "",
             "| round | floor req/s | hot key req/s (× floor) | p99 ms |", "|---|---|---|---|"]
    for i, (f, h) in enumerate(rounds_out):
        lines.append(f"| {i + 1} | {f['rps']:,.0f} | {h['rps']:,.0f} ({h['rps'] / f['rps']:.2f}×) | {h['p99']:.2f} |")
    lines += ["", f"Target: hot verify ≥ 0.8× the floor — median {median:.2f}× (spread "
              f"{min(ratios):.2f}–{max(ratios):.2f}×): {'met' if median >= 0.8 else '**not met**'}.", "",
              "## The flush at 1M keys", "",
              "| load | verifies/s (distinct keys/s ≈) | flushes | rows per flush | ms per flush | new addresses (events) | p99 ms |",
              "|---|---|---|---|---|---|---|"]
    for name, r in (("first uses: random of 1M keys, one address", first),
                    ("steady: random of 20k keys, each from its own address", steady)):
        lines.append(f"| {name} | {r['rps']:,.0f} | {r['flushes']} | {r['rows_per_flush']:,.0f} | "
                     f"{r['ms_per_flush']:.1f} | {r['new_addresses']:,} | {r['p99']:.2f} |")
    lines += ["", "A row is a key's last use, its day's counts or one of its addresses; a key used",
              "in a second costs three rows (one more for each further address). First uses",
              "also write a `key_new_address` event each, in the same transaction.", "",
              "## Storage", "",
              f"- `api_key_usage_days`: {days_rows:,} rows in {days_bytes / 1e6:.1f} MB with its indexes — "
              f"**{days_bytes / max(days_rows, 1):.0f} bytes per key per day used**;",
              f"- `api_key_addresses`: {addr_rows:,} rows in {addr_bytes / 1e6:.1f} MB — "
              f"{addr_bytes / max(addr_rows, 1):.0f} bytes per key and address (at most 50 a key, 90 days).", ""]
    with open(os.path.join(ROOT, "docs", "benchmarks-usage.md"), "w") as f:
        f.write("\n".join(lines))
    log("wrote docs/benchmarks-usage.md")


def pgbench_best(clients=(4, 8, 16, 32, 64)):
    """`pgbench -S` (prepared, 2 threads) at each client count; the best
    run's tps and its client count, and every run."""
    psql("DROP DATABASE IF EXISTS llavero_pgbench WITH (FORCE)")
    psql("CREATE DATABASE llavero_pgbench")
    run(["pgbench", "-q", "-i", "-s", "10", f"{PG_ADMIN}/llavero_pgbench"])
    runs = {}
    for c in clients:
        out = run(["pgbench", "-S", "-M", "prepared", "-c", str(c), "-j", "2", "-T", DURATION.rstrip("s"),
                   f"{PG_ADMIN}/llavero_pgbench"])
        runs[c] = float(re.search(r"tps = ([\d.]+)", out).group(1))
        log(f"pgbench -S, {c} clients: {runs[c]:,.0f} tps")
    psql("DROP DATABASE IF EXISTS llavero_pgbench WITH (FORCE)")
    best = max(runs, key=runs.get)
    return runs[best], best, runs


def spread(rs, key):
    vals = sorted(r[key] for r in rs)
    return vals[len(vals) // 2], vals[0], vals[-1]


def cold(port, floor_port, rounds=3):
    """The cold path (#18): verify of a random key of a million against
    `pgbench -S` on the same server (its best client count), with the key
    cache on and off, its p99 against the floor's, the list page at 16
    connections, the hot key, RSS after the cold run, and SQLite's cold
    figures — `rounds` runs each, reported as median and spread. Returns
    the report's lines (a section of docs/benchmarks.md; `BENCH_ONLY=cold`
    writes them to docs/benchmarks-cold.md)."""
    body = {"client_ip": "203.0.113.5"}
    floors = [floor_round(floor_port, body, f"floor {i + 1}") for i in range(rounds)]
    pg_tps, pg_clients, pg_runs = pgbench_best()
    out = {}
    for backend in ("postgres", "sqlite"):
        url = fresh_db(backend, 1_000_000)
        keys_file = seed(url, "bench", 1_000_000)
        if backend == "postgres":
            psql("VACUUM ANALYZE", "llavero_bench")
        r = out.setdefault(backend, {})
        for cache, extra in (("on", {}), ("off", {"LLAVERO_CACHE_TTL_SECS": "0"})):
            server = Server(url, port, extra)
            try:
                r[f"cold_{cache}"] = [wrk(port, lua_cold(keys_file), f"{backend} cold, cache {cache}, run {i + 1}")
                                     for i in range(rounds)]
                if cache == "on":
                    # Right after the last run (its last flush may still be
                    # writing), once settled, and the peak during the runs.
                    r["rss_now"] = server.rss_mb()
                    time.sleep(3)
                    r["rss_mb"] = server.rss_mb()
                    r["rss_peak"] = server.peak_mb()
                    log(f"{backend}: RSS after the cold runs {r['rss_now']:.1f} MB, 3 s later {r['rss_mb']:.1f} MB, "
                        f"peak {r['rss_peak']:.1f} MB")
                    cookie = session(port, "bench", "bench-password")
                    _, hot = new_key(port, cookie, "hot")
                    r["hot"] = [wrk(port, lua_post("/api/v1/verify", {"key": hot, "client_ip": "203.0.113.5"}, VERIFY_HDR),
                                    f"{backend} hot, run {i + 1}") for i in range(rounds)]
            finally:
                server.stop()
        seed(url, "lister", 10_000)
        server = Server(url, port)
        try:
            lcookie = session(port, "lister", "bench-password")
            _, lkey = new_key(port, lcookie, "list")
            listing = lua_get("/api/v1/api-keys?limit=50", {"MC-Api-Key": lkey})
            # A freshly started server, a database autovacuum is still
            # cleaning after the cold runs' writes: one run first, reported
            # apart, then the counted ones.
            r["list16_first"] = wrk(port, listing, f"{backend} list page, 16 connections, first run", 16)
            r["list16"] = [wrk(port, listing, f"{backend} list page, 16 connections, run {i + 1}", 16) for i in range(rounds)]
        finally:
            server.stop()
    f_rps, _, _ = spread(floors, "rps")
    f_p99, _, _ = spread(floors, "p99")
    lines = ["## The cold path (#18)", "",
             f"On {machine()}. wrk with {CONNECTIONS} connections",
             f"(16 for the list page) for {DURATION} per run, {rounds} runs of each row; median",
             "(min–max). Cold: a random key of 1,000,000 per request, with a client address;",
             f"`pgbench -S` (prepared) on the same server, best of 4–64 clients.", "",
             "| row | backend | req/s median (min–max) | p99 ms median (min–max) |", "|---|---|---|---|",
             f"| floor | — | {f_rps:,.0f} ({min(x['rps'] for x in floors):,.0f}–{max(x['rps'] for x in floors):,.0f}) | "
             f"{f_p99:.2f} ({min(x['p99'] for x in floors):.2f}–{max(x['p99'] for x in floors):.2f}) |",
             f"| pgbench -S, {pg_clients} clients | postgres | {pg_tps:,.0f} | — |"]
    for backend, r in out.items():
        for key, name in (("cold_on", "cold verify, cache on"), ("cold_off", "cold verify, cache off"),
                          ("hot", "hot verify"), ("list16", "list page, 16 connections")):
            rs = r[key]
            rps = spread(rs, "rps")
            p99 = spread(rs, "p99")
            lines.append(f"| {name} | {backend} | {rps[0]:,.0f} ({rps[1]:,.0f}–{rps[2]:,.0f}) | "
                         f"{p99[0]:.2f} ({p99[1]:.2f}–{p99[2]:.2f}) |")
    lines += ["", "pgbench -S by clients: " + ", ".join(f"{c}: {t:,.0f}" for c, t in pg_runs.items()) + " tps.",
              "List page, the first run after the server starts (not counted): " + ", ".join(
                  f"{b} p99 {r['list16_first']['p99']:.2f} ms at {r['list16_first']['rps']:,.0f}/s" for b, r in out.items()) + ".",
              "Server RSS after the cold runs, right after the last run / 3 s later / peak: " + ", ".join(
                  f"{b} {r['rss_now']:.1f} / {r['rss_mb']:.1f} / {r['rss_peak']:.1f} MB" for b, r in out.items()) + ".", "",
              "### Targets (#18)", "",
              "A target not met links to why it stops where it does (`docs/profile.md`).", "",
              "| target | measured | met |", "|---|---|---|"]
    pg = out["postgres"]
    sq = out["sqlite"]
    why = "[**no**: why](profile.md#where-the-targets-stop-and-why)"

    def row(name, measured, ok):
        lines.append(f"| {name} | {measured} | {'yes' if ok else why} |")

    for cache in ("on", "off"):
        m = spread(pg[f"cold_{cache}"], "rps")[0]
        row(f"cold verify ≥ 1.0× pgbench -S (cache {cache})", f"{m:,.0f} vs {pg_tps:,.0f} ({m / pg_tps:.2f}×)", m >= pg_tps)
    m = spread(pg["cold_on"], "p99")[0]
    row("cold p99 ≤ 2× the floor's p99 (PostgreSQL)", f"{m:.2f} vs {f_p99:.2f} ms ({m / f_p99:.1f}×)", m <= 2 * f_p99)
    worst = [x["p99"] for x in pg["list16"]]
    row("list page p99 ≤ 10 ms at 16 connections, every run", ", ".join(f"{x:.2f}" for x in worst) + " ms",
        all(x <= 10 for x in worst))
    m = spread(pg["hot"], "rps")[0]
    row("hot verify ≥ 0.95× the floor", f"{m:,.0f} vs {f_rps:,.0f} ({m / f_rps:.2f}×)", m >= 0.95 * f_rps)
    row("server RSS ≤ 64 MB at 1M keys after the cold run (3 s after it; right after it in the line above)",
        f"{pg['rss_mb']:.1f} MB (SQLite {sq['rss_mb']:.1f} MB)", pg["rss_mb"] <= 64 and sq["rss_mb"] <= 64)
    for key, name in (("cold_on", "cold req/s, cache on"), ("cold_off", "cold req/s, cache off")):
        a, b = spread(pg[key], "rps")[0], spread(sq[key], "rps")[0]
        row(f"SQLite within 20 % of PostgreSQL: {name}", f"{b:,.0f} vs {a:,.0f} ({b / a:.2f}×)", abs(b / a - 1) <= 0.2)
    a, b = spread(pg["cold_on"], "p99")[0], spread(sq["cold_on"], "p99")[0]
    row("SQLite within 20 % of PostgreSQL: cold p99", f"{b:.2f} vs {a:.2f} ms", b <= 1.2 * a)
    lines.append("")
    return lines


def main():
    os.chdir(ROOT)
    if os.environ.get("BENCH_ONLY") == "usage":
        usage(18181, 18180)
        return
    if os.environ.get("BENCH_ONLY") == "cold":
        lines = cold(18181, 18180)
        with open(os.path.join(ROOT, "docs", "benchmarks-cold.md"), "w") as f:
            f.write("\n".join(["# The cold path, alone", "", "`BENCH_ONLY=cold just bench`: the cold section of",
                                "`just bench` (`docs/benchmarks.md`), run by itself.", ""] + lines))
        log("wrote docs/benchmarks-cold.md")
        return
    if os.environ.get("BENCH_ONLY") == "key-limits":
        key_limits(18181, 18180)
        return
    if os.environ.get("BENCH_ONLY") == "gateway":
        # `BENCH_ONLY=gateway just bench`: this part alone, printed, not written.
        print(json.dumps(gateway(18181), indent=1))
        return
    floor_port, port, port_b = 18180, 18181, 18182
    floors = {}
    unknown = unknown_keys()
    for workers in ("", "1"):
        fl = subprocess.Popen([os.path.join(REL, "llavero-bench-floor"), f"127.0.0.1:{floor_port}"] + ([workers] if workers else []))
        try:
            time.sleep(0.5)
            floors[workers] = wrk(floor_port, lua_post("/api/v1/verify", {"key": "mco_x", "client_ip": "203.0.113.5"}, VERIFY_HDR), f"floor {workers or 'default'} workers")
            if not workers:
                # The same random-key script the cold and unknown rows use:
                # wrk's Lua builds every request, which costs the shared
                # cores what a fixed request does not.
                floors["random"] = wrk(floor_port, lua_cold(unknown), "floor, random keys (Lua per request)")
        finally:
            fl.terminate()
            fl.wait()
    floor, floor1 = floors[""], floors["1"]
    global FLOOR_RANDOM
    FLOOR_RANDOM = floors["random"]
    results = {}
    backends = os.environ.get("BENCH_BACKENDS", "postgres,sqlite").split(",")
    for backend in backends:
        bench_backend(backend, results, port)
    pg_tps = pgbench() if "postgres" in backends else float("nan")
    prop = propagation(port, port_b) if "postgres" in backends else None
    signin = sign_in_memory(port) if "postgres" in backends else None
    outage = outage_latency(port) if "postgres" in backends else None
    gw = gateway(port) if "postgres" in backends else None
    rss = {b: results[(b, 100_000)] for b in backends if "rss_mb" in results.get((b, 100_000), {})}
    write_report(floor, floor1, results, prop, pg_tps, rss, signin, outage, gw)
    if "postgres" in backends:
        key_limits(port, floor_port)
        usage(port, floor_port)
        with open(os.path.join(ROOT, "docs", "benchmarks.md"), "a") as f:
            f.write("\n".join([""] + cold(port, floor_port)))
        log("appended the cold path to docs/benchmarks.md")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
