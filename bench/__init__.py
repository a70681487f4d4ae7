"""The benchmark behind ``make bench``: etl.py on the embedded PostgreSQL against DuckDB."""
