"""Map engine column types (as Arrow types) to TestGen's general types A / N / D / B / X."""

from __future__ import annotations

import pyarrow as pa

from lakerun.quality.profile import GeneralType


def general_type(arrow_type: pa.DataType) -> GeneralType:
    """A text, N numeric, D date/timestamp, B boolean, X anything else (lists, structs, binary...)."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "A"
    if pa.types.is_string_view(arrow_type):
        return "A"
    if pa.types.is_boolean(arrow_type):
        return "B"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "N"
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return "D"
    if pa.types.is_dictionary(arrow_type):
        return general_type(arrow_type.value_type)
    return "X"


def is_decimal(arrow_type: pa.DataType) -> bool:
    """Whether a numeric column can hold fractions (fractional_sum is meaningful)."""
    return pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type)
