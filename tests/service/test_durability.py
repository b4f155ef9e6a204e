"""Durability: the service is killed (SIGKILL, every worker) under concurrent writes, and every
write it acknowledged (201) is in the database afterwards, unchanged; SQLite stays intact.

SQLite runs in WAL mode with ``synchronous=FULL`` and the routes commit before they answer; on
PostgreSQL the commit is synchronous. Run on both backends, with 2 worker processes and 4
writing clients.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import date, timedelta

import httpx

from mgir import storage
from mgir.service._auth import hash_password
from tests.service.conftest import PASSWORD, database, start_server, stop_server

WRITERS = 4
MIN_ACKNOWLEDGED = 60
MAX_WRITE_SECONDS = 60.0


def _clinic(url: str) -> int:
    engine = storage.create_engine(url)
    storage.upgrade(engine)
    with storage.transaction(storage.session_factory(engine)) as session:
        team = storage.add_team(session, "Team")
        user = storage.add_user(
            session,
            username="doc",
            display_name="Doc",
            role="clinician",
            password_hash=hash_password(PASSWORD),
        )
        storage.add_member(session, team.id, user.id)
        patient = storage.add_patient(
            session,
            care_team_id=team.id,
            identifier="p",
            name="P",
            birth_date=date(1970, 1, 1),
            sex="male",
        )
        patient_id = patient.id
    engine.dispose()
    return patient_id


def test_no_acknowledged_write_is_lost_when_the_server_is_killed(backend, tmp_path):
    with database(backend, tmp_path) as url:
        patient_id = _clinic(url)
        process, base = start_server(url, workers=2)
        try:
            token = httpx.post(
                base + "/api/token", json={"username": "doc", "password": PASSWORD}
            ).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            acknowledged: list[tuple[int, float, date]] = []
            lock = threading.Lock()
            stop = threading.Event()

            def write(k: int) -> None:
                with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                    i = 0
                    while not stop.is_set():
                        n = k * 100_000 + i
                        value = round(0.50 + (n % 500) / 1000, 3)
                        day = date(2020, 1, 1) + timedelta(days=n % 2000)
                        try:
                            response = client.post(
                                f"/api/patients/{patient_id}/observations",
                                json={
                                    "lab": "serum_magnesium",
                                    "value": value,
                                    "unit": "mmol/L",
                                    "effective": day.isoformat(),
                                },
                            )
                        except httpx.TransportError:
                            return  # the server is gone
                        if response.status_code == 201:
                            with lock:
                                acknowledged.append((response.json()["id"], value, day))
                        i += 1

            threads = [threading.Thread(target=write, args=(k,)) for k in range(WRITERS)]
            for thread in threads:
                thread.start()
            # Kill mid-stream once enough writes were acknowledged (the first write of each worker
            # also loads the clinical tables: a fixed time would sometimes catch too few).
            deadline = time.monotonic() + MAX_WRITE_SECONDS
            while len(acknowledged) < MIN_ACKNOWLEDGED and time.monotonic() < deadline:
                time.sleep(0.05)
            os.killpg(process.pid, signal.SIGKILL)  # the master and both workers, mid-write
            process.wait(timeout=30)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)

        assert len(acknowledged) >= MIN_ACKNOWLEDGED, "too few writes to test anything"
        engine = storage.create_engine(url)
        with storage.session_factory(engine)() as session:
            stored = {
                o.id: (o.value, o.effective) for o in storage.observations(session, patient_id)
            }
        lost = [a for a in acknowledged if stored.get(a[0]) != (a[1], a[2])]
        assert lost == [], f"{len(lost)} of {len(acknowledged)} acknowledged writes lost"
        if backend == "sqlite":
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        engine.dispose()
        # And the service starts again on the same database.
        process, base = start_server(url)
        try:
            assert httpx.get(base + "/api/health").json() == {"status": "ok"}
        finally:
            stop_server(process)
