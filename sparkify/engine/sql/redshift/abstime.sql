-- ABSTIME, which a cluster still has (its system tables' old time type; redshift_connector reads it in
-- binary) and PostgreSQL dropped in version 12: a timestamptz under its own name, whose input, output and
-- binary forms are timestamptz's, cast to and from timestamptz freely.  The endpoint gives its columns
-- Redshift's type 702 and, in binary, Redshift's four bytes of seconds since 1970 (redshift_wire.py).
-- Internal functions are a superuser's to declare: on another PostgreSQL, where the installing role is
-- none, there is no ABSTIME.  Made once: a column of the type must never lose it.
DO $abstime$ BEGIN
IF to_regtype('sparkify_redshift.abstime') IS NOT NULL
   OR NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = current_user AND rolsuper) THEN
    RETURN;
END IF;
CREATE TYPE sparkify_redshift.abstime;
CREATE FUNCTION sparkify_redshift.abstime_in(cstring, oid, integer) RETURNS sparkify_redshift.abstime
    LANGUAGE internal STABLE STRICT PARALLEL SAFE AS 'timestamptz_in';
CREATE FUNCTION sparkify_redshift.abstime_out(sparkify_redshift.abstime) RETURNS cstring
    LANGUAGE internal STABLE STRICT PARALLEL SAFE AS 'timestamptz_out';
CREATE FUNCTION sparkify_redshift.abstime_recv(internal, oid, integer) RETURNS sparkify_redshift.abstime
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'timestamptz_recv';
CREATE FUNCTION sparkify_redshift.abstime_send(sparkify_redshift.abstime) RETURNS bytea
    LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'timestamptz_send';
CREATE TYPE sparkify_redshift.abstime (
    INPUT = sparkify_redshift.abstime_in, OUTPUT = sparkify_redshift.abstime_out,
    RECEIVE = sparkify_redshift.abstime_recv, SEND = sparkify_redshift.abstime_send,
    INTERNALLENGTH = 8, PASSEDBYVALUE, ALIGNMENT = double, STORAGE = plain, CATEGORY = 'D');
CREATE CAST (sparkify_redshift.abstime AS timestamptz) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (timestamptz AS sparkify_redshift.abstime) WITHOUT FUNCTION AS ASSIGNMENT;
END $abstime$;
