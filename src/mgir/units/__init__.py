"""Units: one pint registry, lab-unit parsing and conversion, molar masses (layer L0).

Every quantity that enters mgir is parsed here with its unit. Inside the calculators and the
model, values are plain floats in the canonical unit named by :class:`Analyte`.
"""

from __future__ import annotations

from mgir.units._analytes import (
    INSULIN_PMOL_PER_UIU_CONVENTIONAL as INSULIN_PMOL_PER_UIU_CONVENTIONAL,
)
from mgir.units._analytes import INSULIN_PMOL_PER_UIU_WHO as INSULIN_PMOL_PER_UIU_WHO
from mgir.units._analytes import Analyte as Analyte
from mgir.units._analytes import analyte as analyte
from mgir.units._analytes import analyte_names as analyte_names
from mgir.units._analytes import convert as convert
from mgir.units._analytes import normalise_unit as normalise_unit
from mgir.units._analytes import quantity_to_canonical as quantity_to_canonical
from mgir.units._analytes import to_canonical as to_canonical
from mgir.units._analytes import ucum as ucum
from mgir.units._analytes import unit_family as unit_family
from mgir.units._chemistry import atomic_weights as atomic_weights
from mgir.units._chemistry import element_counts as element_counts
from mgir.units._chemistry import mass_fraction as mass_fraction
from mgir.units._chemistry import molar_mass_g_per_mol as molar_mass_g_per_mol
from mgir.units._quantities import parse_quantity as parse_quantity
from mgir.units._registry import Quantity as Quantity
from mgir.units._registry import registry as registry
from mgir.units._registry import ureg as ureg

__all__ = [
    "INSULIN_PMOL_PER_UIU_CONVENTIONAL",
    "INSULIN_PMOL_PER_UIU_WHO",
    "Analyte",
    "Quantity",
    "analyte",
    "analyte_names",
    "atomic_weights",
    "convert",
    "element_counts",
    "mass_fraction",
    "molar_mass_g_per_mol",
    "normalise_unit",
    "parse_quantity",
    "quantity_to_canonical",
    "registry",
    "to_canonical",
    "ucum",
    "unit_family",
    "ureg",
]
