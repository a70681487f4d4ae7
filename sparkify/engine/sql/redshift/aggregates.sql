-- SUM and AVG with Redshift's result types (the developer guide's SUM and AVG pages).  The adapter routes
-- every SUM and AVG call here, so there is an overload for each argument type PostgreSQL's take.
-- SUM: BIGINT for any integer argument (PostgreSQL's SUM of a BIGINT is a NUMERIC), the argument's type
-- otherwise.  The transition functions are PostgreSQL's own.
CREATE OR REPLACE AGGREGATE sparkify_redshift.sum(smallint) (
    SFUNC = pg_catalog.int2_sum, STYPE = bigint, COMBINEFUNC = pg_catalog.int8pl, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.sum(integer) (
    SFUNC = pg_catalog.int4_sum, STYPE = bigint, COMBINEFUNC = pg_catalog.int8pl, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.sum(bigint) (
    SFUNC = pg_catalog.int8pl, STYPE = bigint, COMBINEFUNC = pg_catalog.int8pl, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.sum(numeric) (
    SFUNC = pg_catalog.numeric_add, STYPE = numeric, COMBINEFUNC = pg_catalog.numeric_add, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.sum(real) (
    SFUNC = pg_catalog.float4pl, STYPE = real, COMBINEFUNC = pg_catalog.float4pl, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.sum(double precision) (
    SFUNC = pg_catalog.float8pl, STYPE = double precision, COMBINEFUNC = pg_catalog.float8pl, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.sum(interval) (
    SFUNC = pg_catalog.interval_pl, STYPE = interval, COMBINEFUNC = pg_catalog.interval_pl, PARALLEL = SAFE);

-- AVG: a BIGINT for any integer argument, the sum divided by the count as integers are (truncated);
-- a DECIMAL of the argument's scale (an AVG of a DEC(5,2) is a DEC(38,2)); DOUBLE PRECISION for a
-- floating-point argument.  The state is {count, sum}.
CREATE OR REPLACE FUNCTION sparkify_redshift.avg_of_integers(state bigint[]) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN state[1] = 0 THEN NULL ELSE (state[2] / state[1]) END $$;
CREATE OR REPLACE AGGREGATE sparkify_redshift.avg(smallint) (
    SFUNC = pg_catalog.int2_avg_accum, STYPE = bigint[], INITCOND = '{0,0}',
    FINALFUNC = sparkify_redshift.avg_of_integers, COMBINEFUNC = pg_catalog.int4_avg_combine, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.avg(integer) (
    SFUNC = pg_catalog.int4_avg_accum, STYPE = bigint[], INITCOND = '{0,0}',
    FINALFUNC = sparkify_redshift.avg_of_integers, COMBINEFUNC = pg_catalog.int4_avg_combine, PARALLEL = SAFE);

CREATE OR REPLACE FUNCTION sparkify_redshift.avg_accumulate(state numeric[], value numeric) RETURNS numeric[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT ARRAY[state[1] + 1, state[2] + value] $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.avg_accumulate(state numeric[], value bigint) RETURNS numeric[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT ARRAY[state[1] + 1, state[2] + value] $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.avg_combine(first_state numeric[], second_state numeric[])
RETURNS numeric[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY[first_state[1] + second_state[1], first_state[2] + second_state[2]] $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.avg_of_bigints(state numeric[]) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN state[1] = 0 THEN NULL ELSE trunc(state[2] / state[1])::bigint END $$;
CREATE OR REPLACE FUNCTION sparkify_redshift.avg_of_decimals(state numeric[]) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN state[1] = 0 THEN NULL ELSE trunc(state[2] / state[1], pg_catalog.scale(state[2])) END $$;
CREATE OR REPLACE AGGREGATE sparkify_redshift.avg(bigint) (
    SFUNC = sparkify_redshift.avg_accumulate, STYPE = numeric[], INITCOND = '{0,0}',
    FINALFUNC = sparkify_redshift.avg_of_bigints, COMBINEFUNC = sparkify_redshift.avg_combine, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.avg(numeric) (
    SFUNC = sparkify_redshift.avg_accumulate, STYPE = numeric[], INITCOND = '{0,0}',
    FINALFUNC = sparkify_redshift.avg_of_decimals, COMBINEFUNC = sparkify_redshift.avg_combine, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.avg(real) (
    SFUNC = pg_catalog.float4_accum, STYPE = double precision[], INITCOND = '{0,0,0}',
    FINALFUNC = pg_catalog.float8_avg, COMBINEFUNC = pg_catalog.float8_combine, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE sparkify_redshift.avg(double precision) (
    SFUNC = pg_catalog.float8_accum, STYPE = double precision[], INITCOND = '{0,0,0}',
    FINALFUNC = pg_catalog.float8_avg, COMBINEFUNC = pg_catalog.float8_combine, PARALLEL = SAFE);
