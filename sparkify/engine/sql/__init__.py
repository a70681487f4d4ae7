"""Redshift's SQL on PostgreSQL: tokens, the adapter, the rewrites and shims, stl_load_errors."""
