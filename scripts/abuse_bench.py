#!/usr/bin/env python3
"""The abuse benchmark's client side (run by scripts/bench-abuse.sh, which starts the server).

One run, three processes:
  * a simulated kiosk (its own process and event loop, from 127.0.0.1) pushes one signed punch
    at a steady pace and times every sync;
  * the flood (its own process) opens 600 password-reset confirmations with made-up tokens and
    600 logins with wrong passwords, all at once, from source addresses spread over 127.0.0.2 to
    127.0.0.250, each with random identity headers (x-attend-device, X-Forwarded-For,
    Forwarded, X-Real-IP, a junk session cookie) that the server must not trust;
  * this process watches the server's peak RSS (VmHWM in /proc) and prints the report.

The kiosk's sync latency is measured in three phases, with the same requests: quiet; during a
harmless flood (as many connections, from the same addresses with the same headers, asking
`/healthz`, which costs the server nothing); and during the abuse flood. The abuse against quiet
is the goal's ratio; the harmless flood is the reference for what the machine itself does to
the kiosk when that many connections arrive at once (on a small machine the clients share the
server's cores), so abuse against harmless is what the server's handling of the abuse adds.
Standard library only: no dependency can skew the numbers, and the signing is the protocol's
(ATTEND1-HMAC-SHA256, protocol/signing.rs).
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import multiprocessing
import random
import resource
import statistics
import sys
import time
import uuid

SCHEME = "ATTEND1-HMAC-SHA256"


# --- A minimal HTTP/1.1 client: one connection per request, from a chosen source address ---------


async def request(host, port, method, path, headers=None, body=b"", source=None, timeout=60.0):
    """Sends one request with `Connection: close`; returns (status, body bytes)."""
    local = (source, 0) if source else None
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, local_addr=local), timeout
    )
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, payload


async def post_json(host, port, path, value, token=None, source=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, body = await request(host, port, "POST", path, headers, json.dumps(value).encode(), source)
    return status, json.loads(body) if body.strip() else None


async def get_json(host, port, path, token):
    status, body = await request(host, port, "GET", path, {"Authorization": f"Bearer {token}"})
    return status, json.loads(body) if body.strip() else None


class KeepAlive:
    """One persistent HTTP/1.1 connection, as attendd's client keeps (reqwest's pool): a kiosk
    does not queue behind the flood's connection attempts in the listen backlog, so this measures
    what the server does with its request, not the kernel's SYN retry timer."""

    def __init__(self, host, port, source):
        self.host, self.port, self.source = host, port, source
        self.reader = self.writer = None

    async def send(self, method, path, headers, body):
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(
                    self.host, self.port, local_addr=(self.source, 0)
                )
            try:
                return await self._exchange(method, path, headers, body)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                # The server closed an idle connection: open another once.
                self.writer.close()
                self.reader = self.writer = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method, path, headers, body):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
            elif name.strip().lower() == b"connection" and value.strip().lower() == b"close":
                self.writer.close()
                self.reader = self.writer = None
                return status, b""
        payload = await self.reader.readexactly(length) if length else b""
        return status, payload


# --- The kiosk ----------------------------------------------------------------------------------


def sign(secret_b64, method, path, query, timestamp, nonce, body):
    """protocol/signing.rs: HMAC-SHA256 over the canonical string, base64url without padding."""
    secret = base64.urlsafe_b64decode(secret_b64 + "=" * (-len(secret_b64) % 4))
    canonical = "\n".join(
        [SCHEME, method, path, query, str(timestamp), nonce, hashlib.sha256(body).hexdigest()]
    )
    mac = hmac.new(secret, canonical.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def rfc3339_now():
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"


async def kiosk_sync(connection, device, employee, seq):
    body = json.dumps(
        {
            "events": [
                {
                    "event_id": str(uuid.uuid4()),
                    "seq": seq,
                    "captured_at": rfc3339_now(),
                    "body": {
                        "kind": "punch",
                        "employee_id": employee,
                        "punch_type": "in" if seq % 2 else "out",
                        "method": "pin",
                    },
                }
            ]
        }
    ).encode()
    path = "/api/v1/device/events"
    timestamp = int(time.time())
    nonce = uuid.uuid4().hex
    headers = {
        "Content-Type": "application/json",
        "x-attend-device": device["device_id"],
        "x-attend-timestamp": str(timestamp),
        "x-attend-nonce": nonce,
        "x-attend-signature": sign(device["device_secret"], "POST", path, "", timestamp, nonce, body),
    }
    started = time.perf_counter()
    status, _ = await connection.send("POST", path, headers, body)
    return status, (time.perf_counter() - started) * 1000.0


def kiosk_process(host, port, device, employee, interval, quiet_syncs, phases, out):
    """Quiet syncs first; then tells the flood to start, and keeps syncing until it is over,
    filing each sync under the phase it started in."""
    flood_started, harmless_done, flood_done = phases

    async def run():
        seq = 1
        times, statuses = {"quiet": [], "harmless": [], "abuse": []}, {}

        async def sync(phase):
            nonlocal seq
            status, ms = await kiosk_sync(connection, device, employee, seq)
            statuses[status] = statuses.get(status, 0) + 1
            times[phase].append(ms)
            seq += 1
            await asyncio.sleep(interval)

        connection = KeepAlive(host, port, "127.0.0.1")
        for _ in range(quiet_syncs):
            await sync("quiet")
        flood_started.set()
        while not harmless_done.is_set():
            await sync("harmless")
        while not flood_done.is_set():
            await sync("abuse")
        out.put({"times": times, "statuses": statuses})

    asyncio.run(run())


# --- The flood ----------------------------------------------------------------------------------


def random_identity_headers(rng):
    fake = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return {
        "x-attend-device": str(uuid.uuid4()),
        "X-Forwarded-For": fake,
        "Forwarded": f"for={fake}",
        "X-Real-IP": fake,
        "Cookie": f"attend_session={uuid.uuid4().hex}",
        "User-Agent": f"flood/{rng.randint(1, 10**6)}",
    }


async def flood(host, port, resets, logins, emails, seed, harmless=False):
    """The abuse, or (`harmless`) the same connections from the same addresses with the same
    headers asking `/healthz` instead."""
    rng = random.Random(seed)
    counts = {}

    async def one(path, value, source):
        headers = {"Content-Type": "application/json", **random_identity_headers(rng)}
        method, body = "POST", json.dumps(value).encode()
        if harmless:
            method, path, body = "GET", "/healthz", b""
        try:
            status, _ = await request(host, port, method, path, headers, body, source)
        except (OSError, asyncio.TimeoutError) as error:
            status = f"error: {type(error).__name__}"
        counts[status] = counts.get(status, 0) + 1

    jobs = []
    for i in range(resets):
        token = base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode()
        jobs.append(
            one(
                "/api/v1/auth/password-reset/confirm",
                {"token": token, "new_password": f"a new password {i:06}"},
                f"127.0.0.{2 + i % 249}",
            )
        )
    for i in range(logins):
        jobs.append(
            one(
                "/api/v1/auth/login",
                {"email": rng.choice(emails), "password": f"guess number {i:06}"},
                f"127.0.0.{2 + (i * 7) % 249}",
            )
        )
    rng.shuffle(jobs)
    started = time.perf_counter()
    await asyncio.gather(*jobs)
    return counts, time.perf_counter() - started


def flood_process(host, port, resets, logins, emails, phases, out):
    flood_started, harmless_done, flood_done = phases
    flood_started.wait()
    result = {}
    for name, harmless, done in [("harmless", True, harmless_done), ("abuse", False, flood_done)]:
        counts, seconds = asyncio.run(flood(host, port, resets, logins, emails, seed=12, harmless=harmless))
        done.set()
        result[name] = {"counts": counts, "seconds": seconds}
    out.put(result)


# --- Set-up, the RSS watch and the report -------------------------------------------------------


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmHWM for pid {pid}")


def current_rss_mib_and_threads(pid):
    rss = threads = None
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024.0
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    if rss is None or threads is None:
        raise RuntimeError(f"no VmRSS or Threads for pid {pid}")
    return rss, threads


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100.0 * (len(ordered) - 1)))]


async def set_up(host, port, code, admin_email, password):
    status, device = await post_json(host, port, "/api/v1/device/provision", {"code": code})
    if status != 200:
        sys.exit(f"provisioning the kiosk failed: {status} {device}")
    status, login = await post_json(
        host, port, "/api/v1/auth/login", {"email": admin_email, "password": password}
    )
    if status != 200:
        sys.exit(f"admin login failed: {status} {login}")
    status, employees = await get_json(host, port, "/api/v1/employees?limit=10", login["access_token"])
    if status != 200 or not employees["items"]:
        sys.exit(f"listing employees failed: {status} {employees}")
    return device, employees["items"][0]["id"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="host:port of a demo server")
    parser.add_argument("--pid", type=int, required=True, help="the server's process id")
    parser.add_argument("--code", required=True, help="the demo's kiosk provisioning code")
    parser.add_argument("--admin-email", default="admin@acme.example")
    parser.add_argument("--password", default="attend-demo-password")
    parser.add_argument("--resets", type=int, default=600)
    parser.add_argument("--logins", type=int, default=600)
    # About as many syncs in the quiet phase as during the ~3 s flood, and enough of each that
    # p99 is not simply the single slowest sync.
    parser.add_argument("--quiet-syncs", type=int, default=300)
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between kiosk syncs")
    parser.add_argument("--json", help="also write the report here")
    args = parser.parse_args()
    host, port = args.server.rsplit(":", 1)
    port = int(port)

    # 1,200 sockets at once, besides the kiosk's.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    device, employee = asyncio.run(set_up(host, port, args.code, args.admin_email, args.password))
    rss_before, threads_before = current_rss_mib_and_threads(args.pid)
    emails = [args.admin_email, "manager@acme.example", "nobody@acme.example", "ghost@example.com"]

    phases = (multiprocessing.Event(), multiprocessing.Event(), multiprocessing.Event())
    flood_done = phases[2]
    kiosk_out, flood_out = multiprocessing.Queue(), multiprocessing.Queue()
    kiosk = multiprocessing.Process(
        target=kiosk_process,
        args=(host, port, device, employee, args.interval, args.quiet_syncs, phases, kiosk_out),
    )
    attacker = multiprocessing.Process(
        target=flood_process,
        args=(host, port, args.resets, args.logins, emails, phases, flood_out),
    )
    kiosk.start()
    attacker.start()
    peak_seen, peak_threads = rss_before, threads_before
    while attacker.is_alive() or kiosk.is_alive():
        rss, threads = current_rss_mib_and_threads(args.pid)
        peak_seen, peak_threads = max(peak_seen, rss), max(peak_threads, threads)
        time.sleep(0.05)
        if flood_done.is_set() and not kiosk_out.empty():
            break
    flood_result = flood_out.get(timeout=600)
    kiosk_result = kiosk_out.get(timeout=600)
    attacker.join()
    kiosk.join()

    times = kiosk_result["times"]
    for phase in ("harmless", "abuse"):
        if len(times[phase]) < 5:
            sys.exit(f"only {len(times[phase])} kiosk syncs during the {phase} flood: too few to compare")
    summary = lambda xs: {"n": len(xs), "p50_ms": percentile(xs, 50), "p99_ms": percentile(xs, 99)}
    report = {
        "flood_requests": args.resets + args.logins,
        "flood_seconds": round(flood_result["abuse"]["seconds"], 2),
        "flood_statuses": {str(k): v for k, v in sorted(flood_result["abuse"]["counts"].items(), key=str)},
        "harmless_seconds": round(flood_result["harmless"]["seconds"], 2),
        "harmless_statuses": {str(k): v for k, v in sorted(flood_result["harmless"]["counts"].items(), key=str)},
        "kiosk_statuses": {str(k): v for k, v in sorted(kiosk_result["statuses"].items())},
        "kiosk_quiet": summary(times["quiet"]),
        "kiosk_harmless": summary(times["harmless"]),
        "kiosk_flood": summary(times["abuse"]),
        "rss_before_mib": round(rss_before, 1),
        "rss_peak_mib": round(max(peak_seen, peak_rss_mib(args.pid)), 1),
        "threads_before": threads_before,
        "threads_peak": peak_threads,
    }
    ratio = lambda a, b, p: round(report[a][p] / report[b][p], 2)
    report["p50_ratio"] = ratio("kiosk_flood", "kiosk_quiet", "p50_ms")
    report["p99_ratio"] = ratio("kiosk_flood", "kiosk_quiet", "p99_ms")
    report["harmless_p99_ratio"] = ratio("kiosk_harmless", "kiosk_quiet", "p99_ms")
    report["abuse_over_harmless_p99_ratio"] = ratio("kiosk_flood", "kiosk_harmless", "p99_ms")

    fmt = lambda s: f"p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms over {s['n']} syncs"
    print(f"flood: {report['flood_requests']} requests in {report['flood_seconds']} s")
    print(f"  statuses: {report['flood_statuses']}")
    print(f"harmless flood (reference): {report['flood_requests']} requests for /healthz in {report['harmless_seconds']} s")
    print(f"  statuses: {report['harmless_statuses']}")
    print(f"kiosk quiet:                {fmt(report['kiosk_quiet'])}")
    print(f"kiosk under harmless flood: {fmt(report['kiosk_harmless'])}")
    print(f"kiosk under abuse flood:    {fmt(report['kiosk_flood'])}")
    print(f"  kiosk statuses: {report['kiosk_statuses']}")
    print(f"  ratio abuse/quiet: p50 {report['p50_ratio']}x, p99 {report['p99_ratio']}x (goal: p99 <= 3x)")
    print(f"  ratio harmless/quiet: p99 {report['harmless_p99_ratio']}x (what that many connections cost the kiosk on this machine)")
    print(f"  ratio abuse/harmless: p99 {report['abuse_over_harmless_p99_ratio']}x (what the server's handling of the abuse adds)")
    print(f"server RSS: {report['rss_before_mib']} MiB before, {report['rss_peak_mib']} MiB peak (goal: < 300 MiB); threads {report['threads_before']} before, {report['threads_peak']} peak")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
    bad_kiosk = sum(v for k, v in kiosk_result["statuses"].items() if k != 200)
    if bad_kiosk:
        sys.exit(f"the kiosk got {bad_kiosk} non-200 answers during the run: {kiosk_result['statuses']}")


if __name__ == "__main__":
    main()
