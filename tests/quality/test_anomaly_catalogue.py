"""Every anomaly type of the catalogue: a small table that must raise it and one that must not."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from lakerun.quality.catalogue import CATALOGUE

D = dt.date


def _zip_rows(n: int) -> list[str]:
    return [f"{10000 + i}" for i in range(n)]


CASES: dict[str, tuple[dict, dict]] = {
    "Suggested_Type": ({"t": {"amount_txt": [str(i) for i in range(600)]}},
                       {"t": {"amount_txt": [str(i) for i in range(599)] + ["abc"]}}),
    "Non_Standard_Blanks": ({"t": {"label": ["alpha", "beta", "", "N/A"]}}, {"t": {"label": ["alpha", "beta", "gamma", "delta"]}}),
    "Invalid_Zip_USA": ({"t": {"zip": ["12345", "12345-6789", "1234A", "23456"]}}, {"t": {"zip": ["12345", "23456", "34567-1234"]}}),
    "Multiple_Types_Minor": ({"a": pa.table({"qty": pa.array([1, 2], pa.int32())}), "b": pa.table({"qty": pa.array([1, 2], pa.int64())})},
                             {"a": {"qty": [1, 2]}, "b": {"qty": [3, 4]}}),
    "Multiple_Types_Major": ({"a": {"qty": [1, 2]}, "b": {"qty": ["1", "2"]}}, {"a": {"qty": [1, 2]}, "b": {"qty": [3, 4]}}),
    "No_Values": ({"t": {"note": [None, "", "N/A", None]}}, {"t": {"note": ["x", None, "", "y"]}}),
    "Column_Pattern_Mismatch": ({"t": {"ref": [f"AB-{1000 + i}" for i in range(100)] + ["AB-12X45"]}},
                                {"t": {"ref": [f"AB-{1000 + i}" for i in range(50)] + [f"AB-{10000 + i}" for i in range(50)]}}),
    "Table_Pattern_Mismatch": ({"a": {"code": [f"AB{i}" for i in range(5)]}, "b": {"code": [f"{100 + i}" for i in range(100)]}},
                               {"a": {"code": [f"AB{i}" for i in range(5)]}, "b": {"code": [f"CD{i % 10}" for i in range(100)]}}),
    "Leading_Spaces": ({"t": {"label": [" a", "b"]}}, {"t": {"label": ["a", "b"]}}),
    "Quoted_Values": ({"t": {"label": ['"a"', "b"]}}, {"t": {"label": ["a", "b"]}}),
    "Char_Column_Number_Values": ({"t": {"amount_txt": [str(i) for i in range(99)] + ["abc"]}},
                                  {"t": {"amount_txt": [str(i) for i in range(100)]}}),
    "Char_Column_Date_Values": ({"t": {"when_txt": ["2024-01-05"] * 99 + ["hello"]}}, {"t": {"when_txt": ["2024-01-05"] * 100}}),
    "Small_Missing_Value_Ct": ({"t": {"label": [f"v{i}" for i in range(99)] + [None]}}, {"t": {"label": [f"v{i}" for i in range(100)]}}),
    "Small_Divergent_Value_Ct": ({"t": {"kind": ["A"] * 98 + ["B", "C"]}}, {"t": {"kind": ["A"] * 50 + ["B"] * 49 + ["C"]}}),
    "Boolean_Value_Mismatch": ({"t": {"answer": ["true", "maybe", "true", "unknown"]}}, {"t": {"answer": ["true", "false", "true"]}}),
    "Potential_Duplicates": ({"t": {"ref": [f"V{i:05d}" for i in range(1200)] + ["V00007"] * 2}},
                             {"t": {"ref": [f"V{i:05d}" for i in range(1200)]}}),
    "Standardized_Value_Matches": ({"t": {"label": ["New York", "new york", "NEWYORK", "Boston"]}}, {"t": {"label": ["Boston", "Chicago"]}}),
    "Unlikely_Date_Values": ({"t": {"born": [D(1850, 1, 1), D(2024, 1, 1)]}}, {"t": {"born": [D(2020, 1, 1), D(2024, 1, 1)]}}),
    "Recency_One_Year": ({"t": {"day": [D(2022, 1, 1), D(2023, 1, 1)]}}, {"t": {"day": [D(2022, 1, 1), D(2025, 6, 1)]}}),
    "Recency_Six_Months": ({"t": {"day": [D(2024, 1, 1), D(2024, 10, 1)]}}, {"t": {"day": [D(2024, 1, 1), D(2025, 6, 1)]}}),
    "Unexpected_US_States": ({"t": {"region": ["CA", "NY", "TX", "WA", "OR", "FL", "NV"]}},
                             {"t": {"state": ["CA", "NY", "TX", "WA", "OR", "FL", "NV"]}}),
    "Unexpected_Emails": ({"t": {"contact": ["a@b.com", "c@d.org", "e@f.net"]}}, {"t": {"email": ["a@b.com", "c@d.org", "e@f.net"]}}),
    "Small_Numeric_Value_Ct": ({"t": {"fruit": ["apple"] * 50 + ["pear"] * 49 + ["42"]}}, {"t": {"fruit": ["apple"] * 50 + ["pear"] * 50}}),
    "Invalid_Zip3_USA": ({"t": {"zip3": ["123", "456", "789", "12A"]}}, {"t": {"zip3": ["123", "456", "789"]}}),
    "Delimited_Data_Embedded": ({"t": {"tags": ["a,b,c,d"] * 9 + ["x"]}}, {"t": {"tags": ["a b c"] * 10}}),
    "Char_Column_Number_Units": ({"t": {"weight": ["10 kg", "5kg", "3 lb", "7 %"]}}, {"t": {"weight": ["10", "5", "3"]}}),
    "Variant_Coded_Values": ({"t": {"gender": ["M", "Male", "F", "F"]}}, {"t": {"gender": ["M", "F", "M"]}}),
    "Inconsistent_Casing": ({"t": {"city": ["Boston", "CHICAGO", "Denver"]}}, {"t": {"city": ["Boston", "Chicago"]}}),
    "Non_Alpha_Name_Address": ({"t": {"city": ["Boston", "123", "Denver"]}}, {"t": {"city": ["Boston", "Denver"]}}),
    "Non_Alpha_Prefixed_Name": ({"t": {"city": ["1Boston", "Chicago"]}}, {"t": {"city": ["Boston", "Chicago"]}}),
    "Non_Printing_Chars": ({"t": {"label": ["a\u200bb", "c"]}}, {"t": {"label": ["ab", "c"]}}),
    "Potential_PII": ({"t": {"ssn": ["123-45-6789", "234-56-7890"]}}, {"t": {"color": ["red", "blue"]}}),
    "Duplicate_Rows": ({"t": {"a": [1, 1, 2], "b": ["x", "x", "y"]}}, {"t": {"a": [1, 1, 2], "b": ["x", "z", "y"]}}),
    "Empty_Table": ({"t": pa.table({"a": pa.array([], pa.int64())})}, {"t": {"a": [1]}}),
    "Missing_Values": ({"t": {"label": ["a", None, "b", "c", "d", "e", "f", "g", "h", "i"]}}, {"t": {"label": list("abcdefghij")}}),
    "Outliers": ({"t": {"wind_speed": [10.0 + i % 7 for i in range(200)] + [1048.0]}}, {"t": {"wind_speed": [10.0 + i % 7 for i in range(200)]}}),
    "Sentinel_Values": ({"t": {"seats": [100 + i % 50 for i in range(90)] + [99999] * 10}}, {"t": {"seats": [900 + i for i in range(100)]}}),
    "Impossible_Negatives": ({"t": {"seats": [100 + i % 50 for i in range(90)] + [-5] * 10}}, {"t": {"dep_delay": [-5, 3, 10, -2, 0]}}),
    "Inconsistent_Case_Codes": ({"t": {"origin": ["JFK", "JFK", "jfk", "LGA"]}}, {"t": {"origin": ["JFK", "JFK", "EWR", "LGA"]}}),
    "Mixed_Value_Types": ({"t": {"rating": ["good", "bad", "4", "5", "good", "3", "bad", "ok"]}}, {"t": {"rating": ["good", "bad", "ok", "good"]}}),
    "Constant_Column": ({"t": {"year": [2013] * 10}}, {"t": {"year": [2013] * 9 + [2014]}}),
    "Skewed": ({"t": {"amount": [1.0] * 2000 + [100000.0]}}, {"t": {"amount": [float(i) for i in range(2001)]}}),
    "High_Cardinality": ({"t": {"tailnum": [f"N{i % 80}" for i in range(200)]}}, {"t": {"tailnum": [f"N{i % 40}" for i in range(200)]}}),
    "Zeros": ({"t": {"dep_delay": [0, 1, 2, 3, 0, 5]}}, {"t": {"dep_delay": [1, 2, 3, 4]}}),
}  # fmt: skip


def _types(assessment: object) -> set[str]:
    return {a.anomaly_type for a in assessment.anomalies}  # type: ignore[attr-defined]


def test_every_catalogue_type_has_fixtures() -> None:
    run_over_run = {"Schema_Drift", "Metric_Drift", "Profile_Error"}  # test_drift.py, test_scores.py
    assert set(CATALOGUE) - run_over_run == set(CASES)
    assert len([t for t in CATALOGUE.values() if t.id < "2000"]) == 32


@pytest.mark.parametrize("anomaly_type", sorted(CASES))
def test_positive_fixture_raises(anomaly_type: str, assess_tables) -> None:
    assessment = assess_tables(CASES[anomaly_type][0])
    assert anomaly_type in _types(assessment)
    found = [a for a in assessment.anomalies if a.anomaly_type == anomaly_type]
    assert all(a.detail for a in found), "every anomaly names its evidence"


@pytest.mark.parametrize("anomaly_type", sorted(CASES))
def test_negative_fixture_does_not_raise(anomaly_type: str, assess_tables) -> None:
    assert anomaly_type not in _types(assess_tables(CASES[anomaly_type][1]))
