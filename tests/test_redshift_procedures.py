"""Redshift's stored procedures: the developer guide's examples (stored-procedure-create,
stored-procedure-result-set, r_SHOW_PROCEDURE, r_CREATE_PROCEDURE) with their documented answers, on a
Redshift-speaking session; tests/test_endpoint_queries.py CALLs a merge procedure through the endpoint."""

from __future__ import annotations

import datetime as dt

import psycopg2
import pytest

from tests.redshift_session import RedshiftSession

TEST_SP1 = """CREATE OR REPLACE PROCEDURE test_sp1(f1 int, f2 varchar)
AS $$
BEGIN
  RAISE INFO 'f1 = %, f2 = %', f1, f2;
END;
$$ LANGUAGE plpgsql"""

TEST_SP2 = """CREATE OR REPLACE PROCEDURE test_sp2(f1 IN int, f2 INOUT varchar(256), out_var OUT varchar(256))
AS $$
DECLARE
  loop_var int;
BEGIN
  IF f1 is null OR f2 is null THEN
    RAISE EXCEPTION 'input cannot be null';
  END IF;
  DROP TABLE if exists my_etl;
  CREATE TEMP TABLE my_etl(a int, b varchar);
    FOR loop_var IN 1..f1 LOOP
        insert into my_etl values (loop_var, f2);
        f2 := f2 || '+' || f2;
    END LOOP;
  SELECT INTO out_var count(*) from my_etl;
END;
$$ LANGUAGE plpgsql"""

GET_RESULT_SET = """CREATE OR REPLACE PROCEDURE get_result_set (param IN integer, rs_out INOUT refcursor)
AS $$
BEGIN
  OPEN rs_out FOR SELECT * FROM fact_tbl where id >= param;
END;
$$ LANGUAGE plpgsql"""


def _infos(rs: RedshiftSession) -> list[str]:
    return [notice.strip() for notice in rs.connection.notices if notice.startswith("INFO")]


def test_a_procedure_with_input_arguments_raises_info(rs: RedshiftSession) -> None:
    rs.run(TEST_SP1)
    rs.connection.notices.clear()
    assert rs.run("call test_sp1(5, 'abc')") == []
    assert _infos(rs) == ["INFO:  f1 = 5, f2 = abc"]


def test_in_inout_and_out_arguments_answer_one_row(rs: RedshiftSession) -> None:
    """CALL passes IN and INOUT arguments only; the row holds the INOUT and OUT values."""
    rs.run(TEST_SP2)
    assert rs.run("call test_sp2(2,'2019')") == [("2019+2019+2019+2019", "2")]
    with pytest.raises(psycopg2.Error, match="input cannot be null"):
        rs.run("call test_sp2(NULL,'2019')")


def test_show_procedure_gives_a_definition_that_recreates_it(rs: RedshiftSession) -> None:
    rs.run(TEST_SP2)
    assert rs.columns("show procedure test_sp2(int, varchar)") == ["Stored Procedure Definition"]
    (definition,) = rs.run("show procedure test_sp2")[0]
    assert definition.startswith("CREATE OR REPLACE PROCEDURE public.test_sp2(")
    assert "RAISE EXCEPTION 'input cannot be null';" in definition
    rs.run("DROP PROCEDURE test_sp2")
    rs.run(definition)
    assert rs.run("call test_sp2(1,'x')") == [("x+x", "1")]


def test_a_result_set_through_a_refcursor_and_a_temp_table(rs: RedshiftSession) -> None:
    rs.run("CREATE TEMP TABLE fact_tbl (id int, v varchar(10))")
    rs.run("INSERT INTO fact_tbl VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    rs.run(GET_RESULT_SET)
    rs.connection.autocommit = False
    try:
        assert rs.run("CALL get_result_set(2, 'mycursor')") == [("mycursor",)]
        assert rs.run("FETCH ALL FROM mycursor") == [(2, "b"), (3, "c")]
        rs.connection.commit()
    finally:
        rs.connection.autocommit = True
    rs.run(
        "CREATE OR REPLACE PROCEDURE fill_result(n int) AS $$ BEGIN "
        "DROP TABLE IF EXISTS tmp_result; "
        "CREATE TEMP TABLE tmp_result AS SELECT id FROM fact_tbl WHERE id <= n; "
        "END; $$ LANGUAGE plpgsql"
    )
    rs.run("CALL fill_result(2)")
    assert rs.run("SELECT id FROM tmp_result ORDER BY id") == [(1,), (2,)]


def test_redshift_sql_in_a_procedures_body(rs: RedshiftSession) -> None:
    """The body's expressions and DDL are Redshift's: DATEADD's bare date part, NVL, a DISTKEY table."""
    rs.run(
        "CREATE OR REPLACE PROCEDURE sp_redshift_body(x int) AS $$ DECLARE d timestamp; BEGIN "
        "d := dateadd(day, x, '2008-01-01'::date); "
        "DROP TABLE IF EXISTS sp_made; CREATE TABLE sp_made (a int, d timestamp) DISTKEY(a) SORTKEY(d); "
        "INSERT INTO sp_made VALUES (nvl(NULL, x), d); "
        "RAISE INFO 'd = %', d; END; $$ LANGUAGE plpgsql"
    )
    rs.run("CALL sp_redshift_body(3)")
    assert rs.run("SELECT a, d FROM sp_made") == [(3, dt.datetime(2008, 1, 4))]


def test_nonatomic_commit_and_truncate(rs: RedshiftSession) -> None:
    """NONATOMIC is accepted; COMMIT inside a procedure called outside a transaction block keeps what came
    before it, as on Redshift."""
    rs.run("CREATE TEMP TABLE steps (n int)")
    rs.run(
        "CREATE OR REPLACE PROCEDURE sp_steps() NONATOMIC AS $$ BEGIN "
        "INSERT INTO steps VALUES (1); COMMIT; TRUNCATE steps; INSERT INTO steps VALUES (2); "
        "RAISE EXCEPTION 'stop'; END; $$ LANGUAGE plpgsql"
    )
    with pytest.raises(psycopg2.Error, match="stop"):
        rs.run("CALL sp_steps()")
    assert rs.run("SELECT n FROM steps") == [(1,)]


def test_security_definer_runs_as_its_owner(rs: RedshiftSession) -> None:
    rs.run(
        "CREATE OR REPLACE PROCEDURE sp_owner(INOUT who varchar(64)) SECURITY DEFINER AS $$ BEGIN "
        "who := current_user; END; $$ LANGUAGE plpgsql"
    )
    assert rs.run("CALL sp_owner(NULL)") == [("dwhuser",)]


INTERVAL_ARGUMENTS = """CREATE OR REPLACE PROCEDURE sp_periods(n numeric(10,5), c char(20), v varchar(256),
  t time, y interval year to month, d interval day to second, o OUT intervaly2m)
AS $$ BEGIN o := y; END; $$ LANGUAGE plpgsql"""


def test_interval_arguments_keep_redshifts_types_in_show_procedures_and_parameters(
    rs: RedshiftSession,
) -> None:
    """A cluster names INTERVAL YEAR TO MONTH / DAY TO SECOND arguments intervaly2m / intervald2s in a
    signature (PostgreSQL would say interval); SHOW PROCEDURES' argument list leaves an OUT argument out,
    SHOW PARAMETERS gives it as OUT, with a procedure's declared sizes."""
    rs.run(INTERVAL_ARGUMENTS)
    rows = rs.run("SHOW PROCEDURES FROM SCHEMA public LIKE 'sp_periods'")
    signature = "numeric, character, character varying, time without time zone, intervaly2m, intervald2s"
    assert [row[2:5] for row in rows] == [("sp_periods", 6, signature)]
    parameters = rs.run(f"SHOW PARAMETERS OF PROCEDURE public.sp_periods({signature})")
    # parameter_name, ordinal_position, parameter_type, data_type, character_maximum_length, precision, scale
    assert [row[3:] for row in parameters] == [
        ("n", 1, "IN", "numeric", None, 10, 5),
        ("c", 2, "IN", "character", 20, None, None),
        ("v", 3, "IN", "character varying", 256, None, None),
        ("t", 4, "IN", "time without time zone", None, None, None),
        ("y", 5, "IN", "intervaly2m", None, None, None),
        ("d", 6, "IN", "intervald2s", None, None, None),
        ("o", 7, "OUT", "intervaly2m", None, None, None),
    ]
    # A signature as Redshift's SQL writes it finds the same procedure.
    written = "numeric(10,5), char(20), varchar(256), time, interval year to month, intervald2s"
    assert rs.run(f"SHOW PARAMETERS OF PROCEDURE public.sp_periods({written}) LIKE 'o'") == parameters[-1:]
    assert rs.run("CALL sp_periods(1.5, 'a', 'b', '10:00', '1-2', interval '3 days')") == [
        (dt.timedelta(days=425),)  # PostgreSQL's 14 months as psycopg2 reads them
    ]


def test_interval_year_to_month_and_day_to_second_make_two_procedures(rs: RedshiftSession) -> None:
    for kind in ("INTERVALY2M", "INTERVAL DAY TO SECOND"):
        rs.run(f"CREATE OR REPLACE PROCEDURE sp_period({kind}) AS $$ BEGIN NULL; END; $$ LANGUAGE plpgsql")
    assert [row[4] for row in rs.run("SHOW PROCEDURES FROM SCHEMA public LIKE 'sp_period'")] == [
        "intervald2s",
        "intervaly2m",
    ]
    rs.run("GRANT EXECUTE ON PROCEDURE sp_period(interval year to month) TO PUBLIC")
    rs.run("DROP PROCEDURE sp_period(interval day to second)")
    left = rs.run("SHOW PROCEDURES FROM SCHEMA public LIKE 'sp_period'")
    assert [row[4] for row in left] == ["intervaly2m"]
    rs.run("DROP PROCEDURE sp_period(INTERVAL YEAR TO MONTH)")


def test_create_or_replace_records_a_procedures_sizes_anew(rs: RedshiftSession) -> None:
    rs.run("CREATE OR REPLACE PROCEDURE sp_sized(v varchar(30)) AS $$ BEGIN NULL; END; $$ LANGUAGE plpgsql")
    rs.run("CREATE OR REPLACE PROCEDURE sp_sized(v varchar) AS $$ BEGIN NULL; END; $$ LANGUAGE plpgsql")
    assert [row[7:] for row in rs.run("SHOW PARAMETERS OF PROCEDURE public.sp_sized(varchar)")] == [
        (None, None, None)
    ]


def test_a_functions_interval_arguments_and_result(rs: RedshiftSession) -> None:
    """A SQL UDF's INTERVAL DAY TO SECOND argument and result; its sizes are not kept (nor on a cluster)."""
    rs.run(
        "CREATE OR REPLACE FUNCTION f_longer(p intervald2s, n numeric(10,5)) RETURNS interval day to second "
        "STABLE AS $$ select $1 * 2 $$ LANGUAGE sql"
    )
    rows = rs.run("SHOW FUNCTIONS FROM SCHEMA public LIKE 'f_longer'")
    assert [row[3:6] for row in rows] == [(2, "intervald2s, numeric", "intervald2s")]
    parameters = rs.run("SHOW PARAMETERS OF FUNCTION public.f_longer(intervald2s, numeric)")
    assert [row[3:] for row in parameters] == [
        ("", 0, "RETURN", "intervald2s", None, None, None),
        ("p", 1, "IN", "intervald2s", None, None, None),
        ("n", 2, "IN", "numeric", None, None, None),
    ]
    assert rs.run("SELECT f_longer('1 day 2 hours', 1)") == [(dt.timedelta(days=2, hours=4),)]
    rs.run("DROP FUNCTION f_longer(interval day to second, numeric)")


def test_a_function_beside_a_procedure_whose_out_argument_gives_its_signature(rs: RedshiftSession) -> None:
    """On a cluster a procedure p(r OUT int) is p() and a function p(int) another routine; here the OUT
    argument counts in the signature, so the procedure is made again apart (its OUT argument of a domain
    over int), keeping its comment, privileges and answers."""
    rs.run("CREATE OR REPLACE PROCEDURE sp_twin(r OUT int) AS $$ BEGIN r := 1; END; $$ LANGUAGE plpgsql")
    rs.run("COMMENT ON PROCEDURE sp_twin(int) IS 'the procedure'")
    rs.run("REVOKE EXECUTE ON PROCEDURE sp_twin(int) FROM PUBLIC")
    rs.run("CREATE OR REPLACE FUNCTION sp_twin(c int) RETURNS int STABLE AS $$ select $1 * 2 $$ LANGUAGE sql")
    rs.run("CREATE OR REPLACE FUNCTION sp_twin(c int) RETURNS int STABLE AS $$ select $1 * 3 $$ LANGUAGE sql")
    procedures = rs.run("SHOW PROCEDURES FROM SCHEMA public LIKE 'sp_twin'")
    assert [row[2:] for row in procedures] == [("sp_twin", 0, "", "record", "the procedure")]
    functions = rs.run("SHOW FUNCTIONS FROM SCHEMA public LIKE 'sp_twin'")
    assert [row[2:6] for row in functions] == [("sp_twin", 1, "integer", "integer")]
    assert [row[3:7] for row in rs.run("SHOW PARAMETERS OF PROCEDURE public.sp_twin()")] == [
        ("r", 1, "OUT", "integer")
    ]
    assert rs.run("CALL sp_twin()") == [(1,)]
    assert rs.run("SELECT sp_twin(5)") == [(15,)]
    assert rs.run(
        "SELECT has_function_privilege('public', oid, 'EXECUTE') FROM pg_proc WHERE proname = 'sp_twin' "
        "AND prokind = 'p'"
    ) == [(False,)]


def test_a_procedure_beside_a_function_of_its_out_arguments_signature(rs: RedshiftSession) -> None:
    rs.run(
        "CREATE OR REPLACE FUNCTION f_twin(a int, b varchar) RETURNS varchar STABLE "
        "AS $$ select $2 || $1 $$ LANGUAGE sql"
    )
    rs.run(
        "CREATE OR REPLACE PROCEDURE f_twin(a int, c OUT varchar(30)) AS $$ BEGIN c := a || '%'; END; $$ "
        "LANGUAGE plpgsql"
    )
    assert rs.run("CALL f_twin(3)") == [("3%",)]
    # An untyped literal where the procedure's OUT argument stands could be either's (the README says so).
    assert rs.run("SELECT f_twin(3, 'x'::varchar)") == [("x3",)]
    with pytest.raises(psycopg2.Error, match="is not unique"):
        rs.run("SELECT f_twin(3, 'x')")
    parameters = rs.run("SHOW PARAMETERS OF PROCEDURE public.f_twin(integer)")
    assert [row[3:8] for row in parameters] == [
        ("a", 1, "IN", "integer", None),
        ("c", 2, "OUT", "character varying", 30),
    ]
