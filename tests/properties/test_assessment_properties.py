"""Property tests: monotonicity and unit invariance of the calculators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgir.assessment import egfr_ckd_epi_2021, homa_ir, quicki
from mgir.units import Quantity as Q

glucose_mmol = st.floats(min_value=3.0, max_value=30.0)
insulin_uiu = st.floats(min_value=1.0, max_value=300.0)


@given(glucose_mmol, insulin_uiu, insulin_uiu)
def test_homa_ir_rises_with_insulin(glucose, a, b):
    low, high = sorted((a, b))
    r_low = homa_ir(fasting_glucose=Q(glucose, "mmol/L"), fasting_insulin=Q(low, "µIU/mL")).value
    r_high = homa_ir(fasting_glucose=Q(glucose, "mmol/L"), fasting_insulin=Q(high, "µIU/mL")).value
    assert r_low <= r_high


@given(glucose_mmol, insulin_uiu)
def test_indices_are_invariant_to_input_units(glucose, insulin):
    molar = homa_ir(fasting_glucose=Q(glucose, "mmol/L"), fasting_insulin=Q(insulin, "µIU/mL"))
    mass = homa_ir(
        fasting_glucose=Q(glucose * 18.0156, "mg/dL"), fasting_insulin=Q(insulin * 6.0, "pmol/L")
    )
    assert mass.value == pytest.approx(molar.value, rel=1e-9)
    q1 = quicki(fasting_glucose=Q(glucose, "mmol/L"), fasting_insulin=Q(insulin, "mIU/L")).value
    q2 = quicki(
        fasting_glucose=Q(glucose * 18.0156, "mg/dL"), fasting_insulin=Q(insulin, "µIU/mL")
    ).value
    assert q1 == pytest.approx(q2, rel=1e-9)


@given(
    st.floats(min_value=0.2, max_value=15),
    st.floats(min_value=0.2, max_value=15),
    st.floats(min_value=18, max_value=100),
    st.sampled_from(["female", "male"]),
)
def test_egfr_falls_as_creatinine_rises(a, b, age, sex):
    low, high = sorted((a, b))
    e_low = egfr_ckd_epi_2021(creatinine=Q(low, "mg/dL"), age_years=age, sex=sex).value
    e_high = egfr_ckd_epi_2021(creatinine=Q(high, "mg/dL"), age_years=age, sex=sex).value
    assert e_high <= e_low


@given(
    st.floats(min_value=0.3, max_value=10),
    st.floats(min_value=18, max_value=100),
    st.sampled_from(["female", "male"]),
)
def test_egfr_is_unit_invariant(creatinine, age, sex):
    mg = egfr_ckd_epi_2021(creatinine=Q(creatinine, "mg/dL"), age_years=age, sex=sex).value
    umol = egfr_ckd_epi_2021(
        creatinine=Q(creatinine * 10_000 / 113.12, "µmol/L"), age_years=age, sex=sex
    ).value
    assert umol == pytest.approx(mg, rel=1e-4)


@given(
    st.floats(min_value=0.3, max_value=10),
    st.floats(min_value=18, max_value=99),
    st.sampled_from(["female", "male"]),
)
def test_egfr_falls_with_age(creatinine, age, sex):
    young = egfr_ckd_epi_2021(creatinine=Q(creatinine, "mg/dL"), age_years=age, sex=sex).value
    old = egfr_ckd_epi_2021(creatinine=Q(creatinine, "mg/dL"), age_years=age + 1, sex=sex).value
    assert old < young
