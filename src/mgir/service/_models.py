"""What the API reads and writes: pydantic models (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StringConstraints,
    model_validator,
)

from mgir.units import ureg

__all__ = [
    "CareTeamIn",
    "DietIn",
    "EnteredInErrorIn",
    "LoginIn",
    "MedicationIn",
    "MemberIn",
    "MessageIn",
    "ObservationIn",
    "OverrideIn",
    "PasswordChangeIn",
    "PasswordResetIn",
    "PatientIn",
    "PlanIn",
    "StopIn",
    "TokenOut",
    "UserIn",
]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: A record id in a path or a body (bounded: the databases' integer columns are 32-bit or more).
RecordId = Annotated[int, Field(ge=1, le=2_147_483_647)]
#: A record id in a URL path.
PathId = Annotated[int, Path(ge=1, le=2_147_483_647)]
#: A number given as a JSON number (``true`` is not 1, ``"2"`` is not 2).
Number = Annotated[StrictInt | StrictFloat, Field(allow_inf_nan=False)]
_EARLIEST = date(1900, 1, 1)


def _not_in_future(value: date) -> date:
    # Today is the local date of the server; a day of slack covers clinics east of it.
    if value > date.today() + timedelta(days=1):
        msg = f"a date on or before today ({date.today()}); a result cannot come from the future"
        raise ValueError(msg)
    if value < _EARLIEST:
        msg = f"a date on or after {_EARLIEST}"
        raise ValueError(msg)
    return value


#: A date that has happened (1900 to today).
PastDate = Annotated[date, AfterValidator(_not_in_future)]
Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    """A username and password."""

    username: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class TokenOut(BaseModel):
    """A bearer token for the API."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class UserIn(_In):
    """A new account (admin only). ``patient_id`` links a patient account to its record."""

    username: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,100}$")]
    display_name: Text
    role: Literal["admin", "clinician", "dietitian", "patient"]
    password: Annotated[str, StringConstraints(min_length=12, max_length=128)]
    patient_id: RecordId | None = None


class PasswordChangeIn(_In):
    """The account's own new password, with the current one."""

    current_password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    new_password: Annotated[str, StringConstraints(min_length=12, max_length=128)]


class PasswordResetIn(_In):
    """A new password set by an admin (unlocks the account; the user must change it)."""

    password: Annotated[str, StringConstraints(min_length=12, max_length=128)]


class CareTeamIn(_In):
    """A new care team."""

    name: Text


class MemberIn(_In):
    """An account to put on a care team."""

    user_id: RecordId


class PatientIn(_In):
    """A new patient record (the ``[person]`` table of a person file)."""

    care_team_id: RecordId
    identifier: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,100}$")]
    name: Text
    birth_date: PastDate
    sex: Literal["female", "male"]
    pregnant: bool = False
    lactating: bool = False
    weight_kg: float | None = Field(default=None, gt=0, le=500)
    height_cm: float | None = Field(default=None, gt=0, le=260)
    # Checked against the person file's list of conditions when the record is created.
    conditions: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=12
    )


class ObservationIn(_In):
    """A lab result: a canonical lab name or LOINC code, the value, its unit (UCUM accepted)."""

    lab: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    value: Number
    unit: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    effective: PastDate


#: The most of one food one diary entry may hold (engineering bounds against unit slips).
MAX_ENTRY_GRAMS = 5_000
MAX_ENTRY_PORTIONS = 50


class DietIn(_In):
    """One food eaten on one day: a USDA SR28 NDB number or an unambiguous description."""

    day: PastDate
    food: Text
    amount: Annotated[Number, Field(gt=0, le=10_000)]
    unit: Annotated[str, StringConstraints(min_length=1, max_length=30)]

    @model_validator(mode="after")
    def _one_serving_of_one_food(self) -> DietIn:
        # An entry is what one person ate of one food on one day: a mass over 5 kg, or more
        # than 50 household portions, is a typing or unit slip (it would also put the diary's
        # intake outside what the model accepts, blocking every plan).
        try:
            grams = float(ureg.Quantity(self.amount, self.unit).to("g").magnitude)
        except Exception:  # noqa: BLE001  (pint raises many kinds for text that is no unit)
            grams = None  # not a mass unit: a portion, or text the food table will judge
        if grams is not None and grams > MAX_ENTRY_GRAMS:
            msg = (
                f"amount: got {self.amount:g} {self.unit}; allowed: at most "
                f"{MAX_ENTRY_GRAMS / 1000:g} kg of one food in one entry"
            )
            raise ValueError(msg)
        if grams is None and self.amount > MAX_ENTRY_PORTIONS:
            msg = (
                f"amount: got {self.amount:g} {self.unit}; allowed: at most "
                f"{MAX_ENTRY_PORTIONS} portions of one food in one entry"
            )
            raise ValueError(msg)
        return self


class MedicationIn(_In):
    """A medicine (generic name) with the times of day it is taken."""

    name: Text
    times: list[Clock] = Field(default_factory=list, max_length=8)
    start_date: PastDate | None = None
    end_date: date | None = None


class OverrideIn(_In):
    """A clinician's override of a safety rule, with the reason (who and when are recorded)."""

    kind: Literal["upper_limit", "renal"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=2000)]


class PlanIn(_In):
    """What to make a plan version with (the options of ``mgir plan``)."""

    weeks: float = Field(default=16.0, ge=1, le=104)
    supplement_requested: bool = False
    requested_elemental_mg_per_day: float | None = Field(default=None, gt=0, le=2000)
    requested_salt: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = None
    ul_basis: Literal["iom", "eu"] = "iom"
    overrides: list[OverrideIn] = Field(default_factory=list, max_length=2)


class EnteredInErrorIn(_In):
    """Why a record is withdrawn (it is kept, marked, with who and when)."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class StopIn(_In):
    """The last day a medicine was taken."""

    end_date: PastDate


class MessageIn(_In):
    """A message to the thread."""

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


def row(obj: Any, *fields: str) -> dict[str, Any]:
    """A stored row as a JSON-ready mapping of ``fields``."""
    return {name: getattr(obj, name) for name in fields}
