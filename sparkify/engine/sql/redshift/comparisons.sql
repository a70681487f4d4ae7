-- Trailing blanks are not significant when VARCHAR values are compared (r_Character_types, "Significance of
-- trailing blanks"): 'a' and 'a  ' are equal, group together and sort together, as CHAR values are on both
-- systems.  PostgreSQL's CHAR (bpchar) comparisons already work so: the VARCHAR operators below are those
-- same built-in functions, found before pg_catalog's text operators on the session's path, and their
-- operator classes are VARCHAR's defaults, so that an index on a VARCHAR column (the sort key's BRIN, a
-- btree) serves them, hash joins and GROUP BY hash by the same rule.  LENGTH still counts the blanks.
-- Made once: an index built on these classes must never lose them.  Internal functions are a superuser's
-- to declare: on another PostgreSQL, where the installing role is none, VARCHAR compares as text.
DO $comparisons$ BEGIN
IF to_regprocedure('sparkify_redshift.varchar_eq(character varying, character varying)') IS NOT NULL
   OR NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = current_user AND rolsuper) THEN
    RETURN;
END IF;
CREATE FUNCTION sparkify_redshift.varchar_eq(varchar, varchar) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'bpchareq';
CREATE FUNCTION sparkify_redshift.varchar_ne(varchar, varchar) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'bpcharne';
CREATE FUNCTION sparkify_redshift.varchar_lt(varchar, varchar) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpcharlt';
CREATE FUNCTION sparkify_redshift.varchar_le(varchar, varchar) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpcharle';
CREATE FUNCTION sparkify_redshift.varchar_gt(varchar, varchar) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpchargt';
CREATE FUNCTION sparkify_redshift.varchar_ge(varchar, varchar) RETURNS boolean
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpcharge';
CREATE FUNCTION sparkify_redshift.varchar_cmp(varchar, varchar) RETURNS integer
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'bpcharcmp';
CREATE FUNCTION sparkify_redshift.varchar_hash(varchar) RETURNS integer
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'hashbpchar';
CREATE FUNCTION sparkify_redshift.varchar_hash_extended(varchar, bigint) RETURNS bigint
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'hashbpcharextended';
CREATE OPERATOR sparkify_redshift.= (
    LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = sparkify_redshift.varchar_eq,
    COMMUTATOR = OPERATOR(sparkify_redshift.=), NEGATOR = OPERATOR(sparkify_redshift.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR sparkify_redshift.<> (
    LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = sparkify_redshift.varchar_ne,
    COMMUTATOR = OPERATOR(sparkify_redshift.<>), NEGATOR = OPERATOR(sparkify_redshift.=),
    RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR sparkify_redshift.< (
    LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = sparkify_redshift.varchar_lt,
    COMMUTATOR = OPERATOR(sparkify_redshift.>), NEGATOR = OPERATOR(sparkify_redshift.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR sparkify_redshift.<= (
    LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = sparkify_redshift.varchar_le,
    COMMUTATOR = OPERATOR(sparkify_redshift.>=), NEGATOR = OPERATOR(sparkify_redshift.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR sparkify_redshift.> (
    LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = sparkify_redshift.varchar_gt,
    COMMUTATOR = OPERATOR(sparkify_redshift.<), NEGATOR = OPERATOR(sparkify_redshift.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR sparkify_redshift.>= (
    LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = sparkify_redshift.varchar_ge,
    COMMUTATOR = OPERATOR(sparkify_redshift.<=), NEGATOR = OPERATOR(sparkify_redshift.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR CLASS sparkify_redshift.varchar_blank_ops DEFAULT FOR TYPE varchar USING btree AS
    OPERATOR 1 sparkify_redshift.<, OPERATOR 2 sparkify_redshift.<=, OPERATOR 3 sparkify_redshift.=,
    OPERATOR 4 sparkify_redshift.>=, OPERATOR 5 sparkify_redshift.>,
    FUNCTION 1 sparkify_redshift.varchar_cmp(varchar, varchar);
CREATE OPERATOR CLASS sparkify_redshift.varchar_blank_hash_ops DEFAULT FOR TYPE varchar USING hash AS
    OPERATOR 1 sparkify_redshift.=,
    FUNCTION 1 sparkify_redshift.varchar_hash(varchar),
    FUNCTION 2 sparkify_redshift.varchar_hash_extended(varchar, bigint);
CREATE OPERATOR CLASS sparkify_redshift.varchar_blank_minmax_ops DEFAULT FOR TYPE varchar USING brin AS
    OPERATOR 1 sparkify_redshift.<, OPERATOR 2 sparkify_redshift.<=, OPERATOR 3 sparkify_redshift.=,
    OPERATOR 4 sparkify_redshift.>=, OPERATOR 5 sparkify_redshift.>,
    FUNCTION 1 brin_minmax_opcinfo(internal),
    FUNCTION 2 brin_minmax_add_value(internal, internal, internal, internal),
    FUNCTION 3 brin_minmax_consistent(internal, internal, internal),
    FUNCTION 4 brin_minmax_union(internal, internal, internal);
END $comparisons$;
