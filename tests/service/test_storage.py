"""Storage: Alembic migrations on both backends, repositories, the signed-plan guard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mgir import InvalidInputError, storage
from mgir.storage import Base
from tests.service.conftest import database


@pytest.fixture
def engine(backend, tmp_path):
    with database(backend, tmp_path) as url:
        engine = storage.create_engine(url)
        yield engine
        engine.dispose()


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_matches_the_models_and_downgrade_empties(engine):
    assert _tables(engine) == set()
    storage.upgrade(engine)
    assert storage.current_revision(engine) == storage.head_revision()
    assert _tables(engine) == set(Base.metadata.tables)
    # The migrated schema is the models' schema: autogenerate finds nothing to add or change.
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    storage.downgrade(engine, "base")
    assert _tables(engine) == set()
    assert storage.current_revision(engine) is None
    storage.upgrade(engine)  # and up again
    assert _tables(engine) == set(Base.metadata.tables)


def test_sqlite_runs_in_wal_mode_with_full_synchronous_and_foreign_keys(tmp_path):
    engine = storage.create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url", "oracle://a@b/c"])
def test_unsupported_database_urls_are_refused_naming_the_option(url):
    with pytest.raises(InvalidInputError, match="--db"):
        storage.create_engine(url)


@pytest.fixture
def session(engine):
    storage.upgrade(engine)
    factory = storage.session_factory(engine)
    with factory() as session:
        yield session
        session.rollback()


def _patient(session) -> storage.Patient:
    team = storage.add_team(session, "Team A")
    return storage.add_patient(
        session,
        care_team_id=team.id,
        identifier="p-1",
        name="Test Person",
        birth_date=date(1980, 1, 1),
        sex="female",
    )


def test_a_lab_keeps_its_value_and_unit_and_stores_the_canonical_value(session):
    patient = _patient(session)
    # 2.0 mg/dL of magnesium is 2.0 × 10 / 24.305 mmol/L (Mg 24.305 g/mol, CIAAW).
    stored = storage.add_observation(
        session, patient.id, lab="19123-9", value=2.0, unit="mg/dL", effective=date(2026, 1, 5)
    )
    assert (stored.lab, stored.loinc, stored.value, stored.unit) == (
        "serum_magnesium",
        "19123-9",
        2.0,
        "mg/dL",
    )
    assert stored.value_canonical == pytest.approx(20 / 24.305, rel=1e-9)
    assert stored.unit_canonical == "mmol/L"
    # A canonical name gets the LOINC code of its unit; a UCUM unit is read.
    insulin = storage.add_observation(
        session,
        patient.id,
        lab="fasting_insulin",
        value=12,
        unit="u[IU]/mL",
        effective=date(2026, 1, 5),
    )
    assert (insulin.unit, insulin.loinc, insulin.value_canonical) == ("µIU/mL", "27873-9", 12)


@pytest.mark.parametrize(
    ("lab", "value", "unit", "field"),
    [
        ("serum_magnesium", 0.8, "kg", "lab.unit"),  # not a unit of the lab
        ("2601-3", 2.0, "mg/dL", "lab.unit"),  # a molar LOINC code with a mass unit
        ("serum_magnesium", 80, "mmol/L", "lab.value"),  # impossible (a unit slip)
        ("no_such_lab", 1, "mmol/L", "lab"),
    ],
)
def test_bad_labs_are_refused_naming_the_field(session, lab, value, unit, field):
    patient = _patient(session)
    with pytest.raises(InvalidInputError) as caught:
        storage.add_observation(
            session, patient.id, lab=lab, value=value, unit=unit, effective=date(2026, 1, 5)
        )
    assert caught.value.field == field
    assert storage.observations(session, patient.id) == []


def _signed_plan(session) -> storage.Plan:
    patient = _patient(session)
    user = storage.add_user(
        session, username="doc", display_name="Doc", role="clinician", password_hash="x"
    )
    plan = storage.add_plan(
        session, patient.id, inputs={"a": 1}, evaluation={"b": 2}, created_by=user.id
    )
    storage.sign_plan(session, plan, user_id=user.id, starts_on=date(2026, 1, 1))
    return plan


def test_a_signed_plan_cannot_change_by_any_path(session):
    plan = _signed_plan(session)
    with pytest.raises(storage.SignedPlanError):
        storage.update_draft(session, plan, inputs={}, evaluation={})
    with pytest.raises(storage.SignedPlanError):
        storage.sign_plan(session, plan, user_id=1, starts_on=date(2026, 2, 1))
    # Even a direct change to the mapped object is refused when it is flushed.
    plan.evaluation = {"b": 3}
    with pytest.raises(storage.SignedPlanError):
        session.flush()


def test_plan_versions_count_up_per_patient(session):
    plan = _signed_plan(session)
    second = storage.add_plan(
        session, plan.patient_id, inputs={}, evaluation={}, created_by=plan.created_by
    )
    assert (plan.version, second.version, second.status) == (1, 2, "draft")


def test_datetimes_come_back_aware_in_utc(session):
    patient = _patient(session)
    cet = timezone(timedelta(hours=1))
    storage.audit(session, user_id=None, action="read", resource="x", patient_id=patient.id)
    session.flush()
    entry = storage.audit_entries(session, patient_id=patient.id)[0]
    assert entry.at.tzinfo is not None and entry.at.utcoffset() == timedelta(0)
    user = storage.add_user(
        session, username="u", display_name="U", role="admin", password_hash="x"
    )
    user.locked_until = datetime(2026, 1, 1, 12, 0, tzinfo=cet)
    session.flush()
    session.expire_all()
    again = session.get(storage.User, user.id)
    assert again.locked_until == datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    user.locked_until = datetime(2026, 1, 1, 12, 0)  # naive: refused
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        session.flush()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"role": "patient"}, "patient_id"),  # a patient account needs its record
        ({"username": " "}, "username"),
    ],
)
def test_bad_accounts_are_refused(session, kwargs, field):
    values = {"username": "x", "display_name": "X", "role": "clinician", "password_hash": "h"}
    with pytest.raises(InvalidInputError) as caught:
        storage.add_user(session, **{**values, **kwargs})
    assert caught.value.field == field


def test_person_document_reads_the_last_recorded_value_of_a_day(session):
    patient = _patient(session)
    for value in (0.70, 0.74):  # a laboratory's correction on the same day
        storage.add_observation(
            session,
            patient.id,
            lab="serum_magnesium",
            value=value,
            unit="mmol/L",
            effective=date(2026, 1, 5),
        )
    document = storage.person_document(patient, storage.observations(session, patient.id), [], [])
    assert [lab["value"] for lab in document["labs"]] == [0.74]
    assert len(storage.observations(session, patient.id)) == 2  # both kept


@pytest.mark.parametrize(
    ("lab", "unit", "loinc"),
    [
        ("14682-9", "mmol/L", "14682-9"),  # a molar code with another molar unit
        ("2823-3", "mEq/L", "2823-3"),  # LOINC reports mEq/L under the molar code
        ("creatinine", "µmol/L", "14682-9"),
        ("creatinine", "mmol/L", "14682-9"),  # the code of the unit's family
        ("creatinine", "mg/dL", "2160-0"),
    ],
)
def test_loinc_codes_go_by_unit_family(session, lab, unit, loinc):
    patient = _patient(session)
    value = {"mmol/L": 0.09, "µmol/L": 90, "mg/dL": 1.0, "mEq/L": 4.2}[unit]
    if lab == "2823-3":
        value = 4.2
    stored = storage.add_observation(
        session, patient.id, lab=lab, value=value, unit=unit, effective=date(2026, 1, 5)
    )
    assert stored.loinc == loinc


def test_a_draft_made_before_the_record_changed_cannot_be_signed(session):
    patient = _patient(session)
    user = storage.add_user(
        session, username="doc", display_name="Doc", role="clinician", password_hash="x"
    )
    plan = storage.add_plan(session, patient.id, inputs={}, evaluation={}, created_by=user.id)
    plan.evaluated_at -= timedelta(minutes=5)  # made five minutes ago ...
    patient.summarised_at = plan.evaluated_at + timedelta(seconds=1)  # ... then a new lab
    session.flush()
    with pytest.raises(storage.SignedPlanError, match="record changed"):
        storage.sign_plan(session, plan, user_id=user.id, starts_on=date(2026, 1, 1))
    assert plan.status == "draft"
    storage.update_draft(session, plan, inputs={}, evaluation={})  # remade: now it can be
    storage.sign_plan(session, plan, user_id=user.id, starts_on=date(2026, 1, 1))
    assert plan.status == "signed"
