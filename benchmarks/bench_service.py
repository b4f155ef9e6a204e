"""Benchmark: the clinic service under load, on SQLite and PostgreSQL (2 uvicorn workers).

Run from the repository root (the ``service`` extra installed, ``wrk`` on the PATH: Debian's
``apt-get install wrk``; PostgreSQL at ``MGIR_BENCH_POSTGRES``, default the local server)::

    python benchmarks/bench_service.py                 # both backends, 15 s per measurement
    python benchmarks/bench_service.py --seconds 30 --backends sqlite

For each backend a demo clinic is seeded, the service starts with 2 workers on loopback, and
wrk (another process, 1 thread, ``--connections`` connections) measures requests/s and the
latency distribution of

* reading a patient's record (``GET /api/patients/{id}``: the record, its flags and the
  pipeline's latest assessment and plan; one audit entry written and committed per read),
* reading the patient's dashboard page (``GET /patients/{id}``: HTML with trends, projection
  band, plan, labs due, messages),
* writing a lab result (``POST /api/patients/{id}/observations``: validated, stored, the record
  re-evaluated by the clinical pipeline, committed before the answer).

Every request carries a bearer token. Results print as a Markdown table and as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa

from mgir import storage
from mgir.service._demo import DEMO_PASSWORD, seed_demo

POSTGRES = os.environ.get("MGIR_BENCH_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432/test")
_WRITE_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  local day = 1 + counter % 28
  local body = string.format(
    '{"lab": "serum_magnesium", "value": %.3f, "unit": "mmol/L", "effective": "2026-11-%02d"}',
    0.70 + (counter %% 20) / 100, day)
  return wrk.format(nil, nil, nil, body)
end
""".replace("%%", "%")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database(backend: str, folder: Path) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bench.sqlite3'}", None
    schema = f"mgir_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(sa.text(f'create schema "{schema}"'))
    return f"{POSTGRES}?options=-csearch_path%3D{schema}", (admin, schema)


def _drop(handle: object) -> None:
    if handle is None:
        return
    admin, schema = handle  # type: ignore[misc]
    with admin.begin() as connection:
        connection.execute(sa.text(f'drop schema "{schema}" cascade'))
    admin.dispose()


def _wrk(url: str, token: str, seconds: int, connections: int, script: Path | None) -> dict:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {token}",
    ]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_s": rate,
        "p50_ms": latency_ms("50"),
        "p99_ms": latency_ms("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def run(backend: str, seconds: int, connections: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="mgir-bench-"))
    url, handle = _database(backend, folder)
    process = None
    try:
        engine = storage.create_engine(url)
        storage.upgrade(engine)
        with storage.transaction(storage.session_factory(engine)) as session:
            ids = seed_demo(session)
        engine.dispose()
        port = _free_port()
        env = {**os.environ, "MGIR_DATABASE_URL": url}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "mgir.service._app:app_from_environment",
                "--factory",
                "--port",
                str(port),
                "--workers",
                "2",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        token = httpx.post(
            base + "/api/token", json={"username": "dr.rivera", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        patient = ids["Maria López"]
        for path in (f"/api/patients/{patient}", f"/patients/{patient}"):  # warm both workers
            for _ in range(20):
                httpx.get(base + path, headers={"Authorization": f"Bearer {token}"})
        for _ in range(10):  # and the write path (first evaluations import and load tables)
            httpx.post(
                f"{base}/api/patients/{ids['Sam Patel']}/observations",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "lab": "serum_magnesium",
                    "value": 0.8,
                    "unit": "mmol/L",
                    "effective": "2026-11-01",
                },
            )
        script = folder / "write.lua"
        script.write_text(_WRITE_LUA)
        return {
            "backend": backend,
            "read_record": _wrk(
                f"{base}/api/patients/{patient}", token, seconds, connections, None
            ),
            "read_page": _wrk(f"{base}/patients/{patient}", token, seconds, connections, None),
            "write_lab": _wrk(
                f"{base}/api/patients/{ids['Sam Patel']}/observations",
                token,
                seconds,
                connections,
                script,
            ),
        }
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        _drop(handle)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    results = [run(b, args.seconds, args.connections) for b in args.backends.split(",")]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print("| backend | operation | requests/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---:|---:|---:|---:|")
    for result in results:
        for operation in ("read_record", "read_page", "write_lab"):
            r = result[operation]
            print(
                f"| {result['backend']} | {operation} | {r['requests_per_s']:.0f} | "
                f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['non_2xx']} |"
            )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
