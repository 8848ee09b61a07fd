"""NiFi Expression Language → PySpark: the generated Column code evaluated by a real local Spark."""

from __future__ import annotations

from typing import Any

import pytest

from lakerun.convert.errors import ExpressionError
from lakerun.convert.expression import to_column

CASES: list[tuple[str, list[Any]]] = [
    ("${name:toUpper()}", ["EU_ORDERS.CSV", "US.CSV"]),
    ("${name:substringBefore('_')}", ["eu", "us.csv"]),
    ("${name:substringAfter('_')}", ["orders.csv", "us.csv"]),
    ("${name:substringAfterLast('.')}", ["csv", "csv"]),
    ("${name:substring(0, 2)}", ["eu", "us"]),
    ("${name:length()}", [13, 6]),
    ("${name:startsWith('eu')}", [True, False]),
    ("${name:endsWith('.csv'):and(${amount:gt(10)})}", [True, False]),
    ("${amount:ge(5):or(${name:contains('x')})}", [True, True]),
    ("${amount:lt(7):not()}", [True, False]),
    ("${amount:toNumber():plus(1)}", [13, 6]),
    ("${name:equals('us.csv'):ifElse('yes', 'no')}", ["no", "yes"]),
    ("${name:matches('[a-z_]+\\.csv')}", [True, True]),
    ("${name:replace('.csv', ''):append('-x')}", ["eu_orders-x", "us-x"]),
    ("${name:replaceAll('[aeiou]', '*')}", ["**_*rd*rs.csv", "*s.csv"]),
    ("${missing:isNull()}", [True, True]),
    ("${empty:isEmpty()}", [True, True]),
    ("${empty:replaceEmpty('none')}", ["none", "none"]),
    ("${amount:in('12', '99')}", [True, False]),
    ("file-${name}#{suffix}", ["file-eu_orders.csv!", "file-us.csv!"]),
    ("${literal('a'):prepend('b')}", ["ba", "ba"]),
]


def test_unknown_function_is_named() -> None:
    with pytest.raises(ExpressionError, match=r"function jsonPath\(\) has no translation"):
        to_column("${a:jsonPath('$.x')}")


def test_subjectless_function_is_named() -> None:
    with pytest.raises(ExpressionError, match=r"subjectless function nextInt\(\)"):
        to_column("${nextInt()}")


def test_wrong_argument_count_is_named() -> None:
    with pytest.raises(ExpressionError, match=r"equals\(\) takes 1 argument"):
        to_column("${a:equals('x', 'y')}")


def test_unclosed_expression_is_named() -> None:
    with pytest.raises(ExpressionError, match="unclosed"):
        to_column("${a:equals('x')")


@pytest.mark.spark
@pytest.mark.slow
def test_translations_evaluate_like_nifi(spark_session: Any) -> None:
    from pyspark.sql import functions as F

    frame = spark_session.createDataFrame(
        [("eu_orders.csv", "12", None, ""), ("us.csv", "5", None, "")],
        "name string, amount string, missing string, empty string",
    )
    namespace = {"F": F, "PARAMS": {"suffix": "!"}}
    columns = [eval(to_column(text), namespace).alias(f"c{i}") for i, (text, _) in enumerate(CASES)]
    rows = frame.select(*columns).collect()
    for i, (text, expected) in enumerate(CASES):
        assert [row[f"c{i}"] for row in rows] == expected, text
