"""The rest of the guide's function reference: each function PostgreSQL can answer, with the guide's own
examples and their documented answers (the page is named); the ones the local engine has nothing to act on
refused in one line saying why."""

from __future__ import annotations

from decimal import Decimal

import psycopg2
import pytest

from tests.redshift_session import RedshiftSession

# (page of the developer guide, Redshift SQL, the documented answer)
DOCUMENTED = [
    ("r_FNV_HASH", "select fnv_hash(1)", -5968735742475085980),
    ("r_FNV_HASH", "select fnv_hash('Amazon Redshift')", 7783490368944507294),
    ("r_FNV_HASH", "select fnv_hash('Amazon Redshift', fnv_hash(1))", -2202602717770968555),
    ("r_FNV_HASH", "select fnv_hash('abcd')", -281581062704388899),
    ("r_FNV_HASH", "select fnv_hash('cd', fnv_hash('ab'))", -281581062704388899),
    ("MURMUR3_32_HASH", "select MURMUR3_32_HASH(1)", 1392991556),
    ("MURMUR3_32_HASH", "select MURMUR3_32_HASH('Amazon Redshift')", -1563580564),
    ("r_CHECKSUM", "select checksum(109.20::decimal(8,2))", 10920),
    ("r_CHECKSUM", "select checksum(11.40::decimal(8,2))", 1140),
    ("r_decimal_precision", "select decimal_precision(json_parse('3.14159'))", 6),
    ("r_decimal_scale", "select decimal_scale(json_parse('3.14159'))", 5),
    ("r_is_decimal", "select is_decimal(json_parse('1.22'))", True),
    ("r_is_smallint", "select is_smallint(json_parse('5'))", True),
    (
        "JSON_SERIALIZE_TO_VARBYTE",
        "SELECT from_varbyte(JSON_SERIALIZE_TO_VARBYTE(JSON_PARSE('[10001,10002,\"abc\"]')), 'hex')",
        "5b31303030312c31303030322c22616263225d",
    ),
    ("r_TEXT_TO_INT_ALT", "select text_to_int_alt('123-')", -123),
    ("r_TEXT_TO_INT_ALT", "select text_to_int_alt('2147483647+')", 2147483647),
    ("r_TEXT_TO_INT_ALT", "select text_to_int_alt('-123E-2')", -1),
    ("r_TEXT_TO_NUMERIC_ALT", "select text_to_numeric_alt('1.5')", Decimal(2)),
    ("r_TEXT_TO_NUMERIC_ALT", "select text_to_numeric_alt('2.51')", Decimal(3)),
    ("r_TEXT_TO_NUMERIC_ALT", "select text_to_numeric_alt('123.52501', 10, 2)", Decimal("123.53")),
    ("r_TEXT_TO_NUMERIC_ALT", "select text_to_numeric_alt('-123E2')", Decimal(-12300)),
    ("r_TEXT_TO_NUMERIC_ALT", "select text_to_numeric_alt(repeat('9', 38) || '+')", Decimal("9" * 38)),
    ("r_ROLE_IS_MEMBER_OF", "SELECT role_is_member_of('role1', 'role2')", False),
    ("r_USER_IS_MEMBER_OF", "SELECT user_is_member_of('reguser', 'role1')", False),
    ("r_DEFAULT_IAM_ROLE", "select default_iam_role()", None),
    ("PG_LAST_QUERY_ID", "select pg_last_query_id()", -1),
    ("PG_LAST_UNLOAD_ID", "select pg_last_unload_id()", -1),
]


@pytest.mark.parametrize(
    ("page", "sql", "answer"), DOCUMENTED, ids=[f"{case[0]}-{n}" for n, case in enumerate(DOCUMENTED)]
)
def test_the_guides_examples(rs: RedshiftSession, page: str, sql: str, answer: object) -> None:
    assert rs.value(sql) == answer


def test_hll_counts_the_distinct_values(rs: RedshiftSession) -> None:
    rs.run("CREATE TEMP TABLE a_table (an_int INTEGER, b_int INTEGER)")
    rs.run(
        "INSERT INTO a_table VALUES (1, 1), (2, 1), (3, 1), (4, 1), (1, 2), (2, 2), (3, 2), (4, 2), (5, 2)"
    )
    assert rs.value("SELECT hll(an_int) FROM a_table") == 5
    assert rs.run("SELECT b_int, hll(an_int) FROM a_table GROUP BY b_int ORDER BY b_int") == [(1, 4), (2, 5)]


def test_pg_get_cols_lists_a_views_columns(rs: RedshiftSession) -> None:
    rs.run("CREATE TEMP TABLE sales (salesid INTEGER, pricepaid DECIMAL(8,2), saletime TIMESTAMP)")
    rs.run("CREATE TEMP VIEW sales_vw AS SELECT salesid, pricepaid, saletime FROM sales")
    columns = rs.run(
        "select view_name, col_name, col_type, col_num from pg_get_cols('sales_vw') "
        "cols(view_schema name, view_name name, col_name name, col_type varchar, col_num int)"
    )
    assert columns == [
        ("sales_vw", "salesid", "integer", 1),
        ("sales_vw", "pricepaid", "numeric(8,2)", 2),
        ("sales_vw", "saletime", "timestamp without time zone", 3),
    ]


def test_role_and_user_membership(rs: RedshiftSession) -> None:
    assert rs.value("SELECT user_is_member_of(current_user, current_user)") is False
    assert rs.value("SELECT role_is_member_of('no_such_role', 'pg_monitor')") is False


def test_current_namespace_is_the_local_clusters_own(rs: RedshiftSession) -> None:
    namespace = rs.value("SELECT current_namespace()")
    assert len(namespace) == 36 and namespace.count("-") == 4
    assert rs.value("SELECT current_namespace()") == namespace


REFUSED = [
    ("REBOOT_CLUSTER", "select reboot_cluster()"),
    ("CURRENT_AWS_ACCOUNT", "select current_aws_account()"),
    (
        "HAS_ASSUMEROLE_PRIVILEGE",
        "select has_assumerole_privilege('reguser', 'arn:aws:iam::123:role/r', 'copy')",
    ),
    ("CHANGE_QUERY_PRIORITY", "select change_query_priority(1076, 'Critical')"),
    ("CHANGE_SESSION_PRIORITY", "select change_session_priority(30311, 'Lowest')"),
    ("CHANGE_USER_PRIORITY", "select change_user_priority('analysis_user', 'lowest')"),
    ("SIZE", "select size(json_parse('[0,1,2,3]'))"),
    ("HLL_CREATE_SKETCH", "select hll_create_sketch(1)"),
    ("HLL_CARDINALITY", "select hll_cardinality(1)"),
    ("HLL_COMBINE", "select hll_combine(1)"),
    ("HLL_COMBINE_SKETCHES", "select hll_combine_sketches(1, 2)"),
]


@pytest.mark.parametrize(("name", "sql"), REFUSED)
def test_what_the_local_engine_has_nothing_to_act_on_is_refused(
    rs: RedshiftSession, name: str, sql: str
) -> None:
    with pytest.raises(psycopg2.errors.FeatureNotSupported) as refused:
        rs.run(sql)
    assert str(refused.value).startswith(f"{name} is not supported by the local engine: ")


def test_iam_role_lookups_find_none(rs: RedshiftSession) -> None:
    assert (
        rs.run("select * from pg_get_iam_role_by_user('reguser') r(username text, iam_role text, cmd text)")
        == []
    )
    assert (
        rs.run(
            "select * from pg_get_grantee_by_iam_role('arn:aws:iam::123:role/r') "
            "g(grantee text, t text, cmd text)"
        )
        == []
    )
