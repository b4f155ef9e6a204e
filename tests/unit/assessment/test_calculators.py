"""Calculators against published worked values and independent arithmetic."""

from __future__ import annotations

import math

import pytest

from mgir._errors import InvalidInputError
from mgir.assessment import (
    egfr_ckd_epi_2021,
    fe_magnesium,
    free_androgen_index,
    homa_beta,
    homa_ir,
    matsuda,
    quicki,
    tyg,
)
from mgir.units import Quantity as Q


def test_homa_ir_known_value_both_unit_paths():
    # HOMA-IR = 1.0 at 4.5 mmol/L (81 mg/dL) and 5 µU/mL (Matthews 1985; ecosystem.md §g).
    assert homa_ir(
        fasting_glucose=Q(4.5, "mmol/L"), fasting_insulin=Q(5, "µIU/mL")
    ).value == pytest.approx(1.0)
    # mg/dL path: insulin x glucose / 405 uses 18 rather than 18.0156, so agree to 0.1 %.
    by_mg = homa_ir(fasting_glucose=Q(81, "mg/dL"), fasting_insulin=Q(5, "µIU/mL")).value
    assert by_mg == pytest.approx(5 * 81 / 405, rel=1e-3)


def test_homa_ir_with_pmol_insulin_reports_factor_effect():
    conventional = homa_ir(fasting_glucose=Q(5, "mmol/L"), fasting_insulin=Q(60, "pmol/L"))
    who = homa_ir(
        fasting_glucose=Q(5, "mmol/L"), fasting_insulin=Q(60, "pmol/L"), insulin_pmol_per_uiu=6.945
    )
    assert conventional.value == pytest.approx(10 * 5 / 22.5)
    # reference-facts.md C.3: the choice changes HOMA-IR by 6.945/6.0 = 1.1575.
    assert conventional.value / who.value == pytest.approx(1.1575)


def test_homa_ir_interpretation_uses_cutoff_and_population():
    result = homa_ir(fasting_glucose=Q(5.5, "mmol/L"), fasting_insulin=Q(14, "µIU/mL"))
    assert result.value == pytest.approx(5.5 * 14 / 22.5)
    assert result.insulin_resistant is True  # 3.42 >= 3.0 (Guerrero-Romero trials)
    assert "Mexican adults" in result.interpretation
    other = homa_ir(
        fasting_glucose=Q(5.5, "mmol/L"), fasting_insulin=Q(14, "µIU/mL"), cutoff_key="ascaso_3_8"
    )
    assert other.insulin_resistant is False and "ascaso2001" in other.references
    with pytest.raises(InvalidInputError, match="homa_ir_cutoff"):
        homa_ir(
            fasting_glucose=Q(5.5, "mmol/L"), fasting_insulin=Q(14, "µIU/mL"), cutoff_key="nonsense"
        )


def test_homa_beta_value_and_domain():
    # 20 x 10 / (6.0 - 3.5) = 80 % (Matthews 1985 formula, hand arithmetic).
    assert homa_beta(
        fasting_glucose=Q(6.0, "mmol/L"), fasting_insulin=Q(10, "µIU/mL")
    ).value == pytest.approx(80.0)
    undefined = homa_beta(fasting_glucose=Q(3.5, "mmol/L"), fasting_insulin=Q(10, "µIU/mL"))
    assert undefined.value is None and "undefined" in undefined.reason
    low = homa_beta(fasting_glucose=Q(60, "mg/dL"), fasting_insulin=Q(10, "µIU/mL"))
    assert low.value is None


def test_quicki_exact_value():
    # 1 / (log10 10 + log10 100) = 1/3 exactly (Katz 2000 formula).
    result = quicki(fasting_glucose=Q(100, "mg/dL"), fasting_insulin=Q(10, "µIU/mL"))
    assert result.value == pytest.approx(1 / 3, rel=1e-12)
    assert result.insulin_resistant is True  # 0.333 < 0.357


def test_tyg_value_and_not_interpreted():
    result = tyg(fasting_glucose=Q(100, "mg/dL"), triglycerides=Q(150, "mg/dL"))
    assert result.value == pytest.approx(math.log(150 * 100 / 2), rel=1e-12)
    assert result.insulin_resistant is None and "different scale" in result.interpretation


def test_matsuda_independent_arithmetic():
    minutes = [0, 30, 60, 90, 120]
    g = [90, 140, 160, 130, 110]  # mg/dL
    i = [8, 60, 70, 50, 30]  # µU/mL
    expected = 10_000 / math.sqrt(90 * 8 * (sum(g) / 5) * (sum(i) / 5))
    result = matsuda(
        minutes=minutes, glucose=[Q(v, "mg/dL") for v in g], insulin=[Q(v, "µIU/mL") for v in i]
    )
    assert result.value == pytest.approx(expected, rel=1e-9)
    none = matsuda(minutes=[30, 60], glucose=[Q(140, "mg/dL")] * 2, insulin=[Q(60, "µIU/mL")] * 2)
    assert none.value is None and "0-min" in none.reason


def test_free_androgen_index():
    assert free_androgen_index(
        total_testosterone=Q(2.4, "nmol/L"), shbg=Q(22, "nmol/L")
    ).value == pytest.approx(100 * 2.4 / 22)
    # ng/dL input converts through 288.43 g/mol
    via_ng = free_androgen_index(total_testosterone=Q(69.2232, "ng/dL"), shbg=Q(22, "nmol/L"))
    assert via_ng.value == pytest.approx(100 * 2.4 / 22, rel=1e-4)


@pytest.mark.parametrize(
    ("creatinine", "age", "sex", "expected"),
    [  # Hand arithmetic of the Inker 2021 equation: 142 min^a max^-1.2 0.9938^age [x1.012 F]
        (0.7, 40, "female", 142 * 0.9938**40 * 1.012),
        (0.9, 50, "male", 142 * 0.9938**50),
        (1.8, 60, "male", 142 * (1.8 / 0.9) ** -1.200 * 0.9938**60),
        (0.5, 30, "female", 142 * (0.5 / 0.7) ** -0.241 * 0.9938**30 * 1.012),
        (2.1, 67, "female", 142 * (2.1 / 0.7) ** -1.200 * 0.9938**67 * 1.012),
    ],
)
def test_egfr_creatinine_hand_arithmetic(creatinine, age, sex, expected):
    result = egfr_ckd_epi_2021(creatinine=Q(creatinine, "mg/dL"), age_years=age, sex=sex)
    assert result.value == pytest.approx(expected, rel=1e-12)


def test_egfr_combined_equation_and_category():
    # 135 x (1.0/0.9)^-0.544 x (1.0/0.8)^-0.778 x 0.9961^50 (male), hand arithmetic.
    expected = 135 * (1.0 / 0.9) ** -0.544 * (1.0 / 0.8) ** -0.778 * 0.9961**50
    result = egfr_ckd_epi_2021(
        creatinine=Q(1.0, "mg/dL"), age_years=50, sex="male", cystatin_c=Q(1.0, "mg/L")
    )
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.details["category"] == "G2"
    assert result.details["egfr_creatinine_only"] == pytest.approx(
        142 * (1.0 / 0.9) ** -1.2 * 0.9938**50
    )


def test_egfr_accepts_umol_and_refuses_children():
    mg = egfr_ckd_epi_2021(creatinine=Q(1.0, "mg/dL"), age_years=50, sex="male").value
    umol = egfr_ckd_epi_2021(
        creatinine=Q(10_000 / 113.12, "µmol/L"), age_years=50, sex="male"
    ).value
    assert umol == pytest.approx(mg, rel=1e-4)
    child = egfr_ckd_epi_2021(creatinine=Q(0.5, "mg/dL"), age_years=12, sex="male")
    assert child.value is None and "adults" in child.reason


def test_fe_magnesium_hand_arithmetic():
    # U_Mg 2.9, P_Mg 0.66, U_Cr 8.0 mmol/L, P_Cr 1.0 mg/dL = 10/113.12 mmol/L.
    p_cr = 10 / 113.12
    expected = 2.9 * p_cr / (0.7 * 0.66 * 8.0) * 100
    result = fe_magnesium(
        urine_magnesium=Q(2.9, "mmol/L"),
        serum_magnesium=Q(0.66, "mmol/L"),
        urine_creatinine=Q(8.0, "mmol/L"),
        serum_creatinine=Q(1.0, "mg/dL"),
    )
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.details["band"] == "renal_wasting"


def test_calculators_are_keyword_only():
    with pytest.raises(TypeError):
        homa_ir(Q(5, "mmol/L"), Q(10, "µIU/mL"))  # type: ignore[misc]


def test_calculators_reject_foreign_units_and_objects():
    with pytest.raises(InvalidInputError, match="fasting_glucose"):
        homa_ir(fasting_glucose=Q(5, "mg"), fasting_insulin=Q(10, "µIU/mL"))
    with pytest.raises(InvalidInputError):
        homa_ir(fasting_glucose=5.0, fasting_insulin=Q(10, "µIU/mL"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        egfr_ckd_epi_2021(creatinine=Q(1, "mg/dL"), age_years=50, sex="other")  # type: ignore[arg-type]
