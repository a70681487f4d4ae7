"""The Data API's pieces that need no process: named parameters bound on tokens, and requests checked
against botocore's service model with the service's wording."""

from __future__ import annotations

import pytest

from sparkify.engine.data_api.faults import UnknownOperationException, ValidationException
from sparkify.engine.data_api.parameters import bind
from sparkify.engine.data_api.shapes import check_input, operation


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@pytest.mark.parametrize(
    ("sql", "bound"),
    [
        ("SELECT :a", "SELECT '1'"),
        ("SELECT :a::int, x::text", "SELECT '1'::int, x::text"),
        ("SELECT ':a', \":a\", $$ :a $$ -- :a", "SELECT ':a', \":a\", $$ :a $$ -- :a"),
        ("SELECT /* :a */ :a", "SELECT /* :a */ '1'"),
        ("SELECT :b, :a_long, : a", "SELECT :b, :a_long, : a"),  # no value, another name, not adjacent
        ("WHERE x IN (:a,:a)", "WHERE x IN ('1','1')"),
        ("SELECT :text", "SELECT 'it''s'"),
        ("SELECT 'unterminated", "SELECT 'unterminated"),  # left for the database to refuse
    ],
)
def test_named_parameters_are_bound_on_tokens(sql: str, bound: str) -> None:
    assert bind(sql, {"a": "1", "text": "it's"}, quote) == bound


def test_a_request_breaking_the_model_gets_every_problem_in_the_services_words() -> None:
    with pytest.raises(ValidationException) as caught:
        check_input(operation("ExecuteStatement"), {"ClusterIdentifier": "x" * 64, "ResultFormat": "XML"})
    assert str(caught.value) == (
        "3 validation errors detected: Value null at 'sql' failed to satisfy constraint: Member must not be"
        f" null; Value '{'x' * 64}' at 'clusterIdentifier' failed to satisfy constraint: Member must have"
        " length less than or equal to 63; Value 'XML' at 'resultFormat' failed to satisfy constraint:"
        " Member must satisfy enum value set: [JSON, CSV]"
    )
    with pytest.raises(
        ValidationException,
        match="'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    ):
        check_input(operation("ListStatements"), {"MaxResults": 500})
    member = r"'parameters\.1\.member\.name' failed to satisfy constraint"
    with pytest.raises(ValidationException, match=member):
        check_input(
            operation("ExecuteStatement"),
            {"Sql": "SELECT 1", "Parameters": [{"name": "no-dash", "value": "1"}]},
        )
    with pytest.raises(UnknownOperationException):
        operation("DropCluster")
