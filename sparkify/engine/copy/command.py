"""What a COPY statement asks for, as :func:`sparkify.engine.copy.statement.parse_copy` reads it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sparkify.engine.sql.text import quote_ident

TEXT_FORMATS = ("text", "csv", "fixedwidth")


@dataclass
class CopyCommand:
    """What a COPY statement asks for.  Credentials are kept only as the names of the options given."""

    table: str  # the table's name as Redshift reports it (folded; without its schema)
    columns: tuple[str, ...] | None
    source: str
    schema: str | None = None
    json_option: str = ""
    region: str | None = None
    timeformat: str | None = None
    dateformat: str | None = None
    blanks_as_null: bool = False
    empty_as_null: bool = False
    truncate_columns: bool = False
    noload: bool = False
    manifest: bool = False
    compression: str | None = None
    accept_inv_chars: str | None = None
    maxerror: int = 0
    authorization: list[str] = field(default_factory=list)
    data_format: str = "text"  # "text" (delimited), "csv", "fixedwidth", "json" or "parquet"
    fill_record: bool = False  # FILLRECORD: a record may lack the table's last columns
    serialize_to_json: bool = False  # SERIALIZETOJSON: any columnar column into a SUPER column, as JSON
    options: list[str] = field(default_factory=list)  # the option keywords as given, for their checks
    # Text formats (delimited, CSV, fixed-width):
    delimiter: str | None = None  # None: '|' for text, ',' for CSV
    quote: str = '"'
    null_as: str | None = None  # None: '\N' (and, in CSV, an unquoted empty field stays '')
    escape: bool = False
    remove_quotes: bool = False
    trim_blanks: bool = False
    ignore_blank_lines: bool = False
    ignore_header: int = 0
    accept_any_date: bool = False
    round_decimals: bool = False
    explicit_ids: bool = False
    statistics_off: bool = False  # STATUPDATE OFF: the table's statistics from a small sample (loader.py)
    encoding: str = "utf8"  # utf8, utf16, utf16le or utf16be
    fixed_widths: tuple[int, ...] = ()

    @property
    def json_auto(self) -> bool:
        return self.json_option.lower() in ("auto", "auto ignorecase")

    @property
    def json_noshred(self) -> bool:
        """FORMAT JSON 'noshred': each whole document into the table's one (SUPER) column."""
        return self.json_option.lower() == "noshred"

    @property
    def ignore_case(self) -> bool:
        return self.json_option.lower() == "auto ignorecase"

    @property
    def relation(self) -> str:
        """The table as SQL names it: quoted where it must be, with its schema when one was given."""
        name = quote_ident(self.table)
        return f"{quote_ident(self.schema)}.{name}" if self.schema else name

    @property
    def field_delimiter(self) -> str:
        if self.delimiter is not None:
            return self.delimiter
        return "," if self.data_format == "csv" else "|"
