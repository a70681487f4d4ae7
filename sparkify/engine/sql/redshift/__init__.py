"""Redshift's SQL on PostgreSQL: refusals, DDL and expression rewrites on tokens, and the function and
catalog shims they lean on.  :mod:`sparkify.engine.sql.adapter` is the entry point; the modules here
each do one job."""

#: The schema that holds the emulation's Redshift functions and catalog views, searched before pg_catalog.
SHIM_SCHEMA = "sparkify_redshift"
