"""A missing fasting insulin comes from people like the person (NHANES 2017-2020)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import SHARED

from mgir._errors import InvalidInputError
from mgir.model import Output, population_insulin, simulate_person
from mgir.model._tables import load_model_table
from mgir.reference import source

RAW = SHARED / "data" / "nhanes_2017_2020_raw"


@pytest.mark.skipif(not RAW.exists(), reason="raw NHANES files (../shared/data) not available")
def test_shipped_model_is_the_weighted_regression_of_the_raw_survey() -> None:
    """Recomputed with statsmodels' WLS from the CDC's files (the script uses numpy lstsq)."""
    pd = pytest.importorskip("pandas")
    sm = pytest.importorskip("statsmodels.api")

    def read(name: str, columns: list[str]) -> pd.DataFrame:
        frame = pd.read_sas(RAW / f"{name}.XPT", format="xport")
        return frame.mask(frame.abs() < 1e-30, 0.0)[["SEQN", *columns]]

    frame = (
        read("P_DEMO", ["RIAGENDR", "RIDAGEYR", "RIDEXPRG"])
        .merge(read("P_GLU", ["LBXGLU", "WTSAFPRP"]), on="SEQN")
        .merge(read("P_INS", ["LBXIN"]), on="SEQN")
        .merge(read("P_GHB", ["LBXGH"]), on="SEQN")
        .merge(read("P_BMX", ["BMXBMI"]), on="SEQN", how="left")
    )
    frame = frame[
        (frame.RIDAGEYR >= 20)
        & (frame.RIDEXPRG != 1)
        & (frame.LBXGLU > 0)
        & (frame.LBXIN > 0)
        & (frame.LBXGH > 0)
        & (frame.WTSAFPRP > 0)
    ]
    glucose = frame.LBXGLU / 18.0156
    diabetes = (glucose >= 7.0) | (frame.LBXGH >= 6.5)
    rows = {
        (str(r["group"]), str(r["covariates"])): r
        for r in load_model_table("population_insulin").rows
    }
    for group, members in (("no_diabetes", ~diabetes), ("diabetes", diabetes)):
        for covariates in ("glucose_age_sex_bmi", "glucose_age_sex"):
            data = frame[members & ((frame.BMXBMI > 0) if "bmi" in covariates else True)]
            x = pd.DataFrame(
                {
                    "ln_glucose": np.log(data.LBXGLU / 18.0156),
                    "age_per_10_years": (data.RIDAGEYR - 50.0) / 10.0,
                    "female": (data.RIAGENDR == 2.0).astype(float),
                }
            )
            if "bmi" in covariates:
                x["ln_bmi"] = np.log(data.BMXBMI / 27.0)
            fit = sm.WLS(np.log(data.LBXIN), sm.add_constant(x), weights=data.WTSAFPRP).fit()
            row = rows[group, covariates]
            assert row["n"] == len(data)
            assert row["intercept"] == pytest.approx(fit.params["const"], abs=2e-6)
            for name in x.columns:
                assert row[name] == pytest.approx(fit.params[name], abs=2e-6), name
            # Weighted residual SD with the regression's degrees of freedom.
            w = data.WTSAFPRP / data.WTSAFPRP.mean()
            sd = math.sqrt(float(np.sum(w * fit.resid**2)) / fit.df_resid)
            assert row["residual_sd"] == pytest.approx(sd, abs=2e-6)


@settings(max_examples=40, deadline=None)
@given(
    glucose=st.floats(3.5, 6.9),
    bmi=st.floats(18.0, 45.0),
    age=st.floats(20.0, 95.0),
    sex=st.sampled_from(["female", "male"]),
)
def test_insulin_rises_with_glucose_and_bmi_without_diabetes(
    glucose: float, bmi: float, age: float, sex: str
) -> None:
    base = population_insulin(
        fasting_glucose_mmol_per_l=glucose, sex=sex, age_years=age, bmi_kg_per_m2=bmi
    )
    higher_glucose = population_insulin(
        fasting_glucose_mmol_per_l=glucose * 1.05, sex=sex, age_years=age, bmi_kg_per_m2=bmi
    )
    heavier = population_insulin(
        fasting_glucose_mmol_per_l=glucose, sex=sex, age_years=age, bmi_kg_per_m2=bmi * 1.1
    )
    assert base.group == "no_diabetes"
    assert higher_glucose.median_uiu_per_ml > base.median_uiu_per_ml
    assert heavier.median_uiu_per_ml > base.median_uiu_per_ml
    # Ages over 80 are the survey's "80 and over", and the description says so.
    if age > 80:
        at_80 = population_insulin(
            fasting_glucose_mmol_per_l=glucose, sex=sex, age_years=80, bmi_kg_per_m2=bmi
        )
        assert base.median_uiu_per_ml == at_80.median_uiu_per_ml
        assert "80 and over" in base.describe() and "80 and over" not in at_80.describe()


def test_diabetes_selects_its_own_model_and_a_missing_bmi_widens_the_spread() -> None:
    kw = {"sex": "male", "age_years": 60.0}
    assert population_insulin(fasting_glucose_mmol_per_l=7.2, **kw).group == "diabetes"
    # By the labs, as the survey's groups were made: HbA1c >= 6.5 % also selects diabetes.
    assert population_insulin(fasting_glucose_mmol_per_l=6.0, hba1c_percent=6.6, **kw).group == (
        "diabetes"
    )
    assert population_insulin(fasting_glucose_mmol_per_l=6.0, hba1c_percent=6.2, **kw).group == (
        "no_diabetes"
    )
    with_bmi = population_insulin(fasting_glucose_mmol_per_l=5.5, bmi_kg_per_m2=30.0, **kw)
    without = population_insulin(fasting_glucose_mmol_per_l=5.5, **kw)
    assert without.log_sd > with_bmi.log_sd
    assert "BMI" in with_bmi.describe() and "BMI" not in without.describe()
    for key in with_bmi.source_keys:
        source(key)


def test_draws_are_log_normal_with_the_model_s_median_and_spread() -> None:
    prior = population_insulin(
        fasting_glucose_mmol_per_l=5.8, sex="female", age_years=35, bmi_kg_per_m2=29
    )
    draws = prior.draw(40_000, np.random.default_rng(5))
    logs = np.log(draws)
    # Monte Carlo SE of the mean is sigma/200 (~0.003); of the SD about 0.002.
    assert logs.mean() == pytest.approx(math.log(prior.median_uiu_per_ml), abs=0.015)
    assert logs.std() == pytest.approx(prior.log_sd, abs=0.01)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"age_years": 15.0}, "age_years"),
        ({"sex": "other"}, "sex"),
        ({"bmi_kg_per_m2": 5.0}, "bmi_kg_per_m2"),
        ({"bmi_kg_per_m2": 95.0}, "bmi_kg_per_m2"),
        ({"fasting_glucose_mmol_per_l": 50.0}, "fasting_glucose_mmol_per_l"),
    ],
)
def test_bad_covariates_name_the_field(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "fasting_glucose_mmol_per_l": 5.5,
        "sex": "female",
        "age_years": 40.0,
        **kwargs,
    }
    with pytest.raises(InvalidInputError, match=field):
        population_insulin(**args)  # type: ignore[arg-type]


@pytest.mark.slow
def test_bands_start_with_the_insulin_spread() -> None:
    prior = population_insulin(
        fasting_glucose_mmol_per_l=5.6, sex="male", age_years=50, bmi_kg_per_m2=28
    )
    result = simulate_person(
        days=7,
        fasting_glucose_mmol_per_l=5.6,
        serum_mg_mmol_per_l=0.82,
        insulin_prior=prior,
        n_draws=400,
        seed=4,
    )
    assert result.fit.labs_used["fasting_insulin_uiu_per_ml"] == "population"
    insulin = result.central.output(Output.FASTING_INSULIN)[0, 0]
    assert insulin == pytest.approx(prior.median_uiu_per_ml, rel=1e-6)
    low, median, high = result.bands(Output.FASTING_INSULIN)[:, 0]
    spread = math.exp(1.6449 * prior.log_sd)
    # 400 draws: the 5th and 95th centiles of a log-normal within about 10 %.
    assert median == pytest.approx(prior.median_uiu_per_ml, rel=0.08)
    assert low == pytest.approx(prior.median_uiu_per_ml / spread, rel=0.12)
    assert high == pytest.approx(prior.median_uiu_per_ml * spread, rel=0.12)
