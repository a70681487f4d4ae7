"""Runs Redshift COPY statements against PostgreSQL: same sources, mapping, conversions and errors."""

from sparkify.copy_emulator.loader import run_copy
from sparkify.copy_emulator.produce import CopyResult, FileStats
from sparkify.copy_emulator.statement import CopyCommand, parse_copy
from sparkify.load_errors import RejectedRecord

__all__ = ["CopyCommand", "CopyResult", "FileStats", "RejectedRecord", "parse_copy", "run_copy"]
