"""Runs Redshift COPY statements against PostgreSQL: same sources, mapping, conversions and errors."""

from sparkify.engine.copy.loader import run_copy
from sparkify.engine.copy.produce import CopyResult, FileStats
from sparkify.engine.copy.statement import CopyCommand, parse_copy
from sparkify.engine.sql.load_errors import RejectedRecord

__all__ = ["CopyCommand", "CopyResult", "FileStats", "RejectedRecord", "parse_copy", "run_copy"]
