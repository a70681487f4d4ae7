"""Redshift's CREATE TABLE as PostgreSQL's, on tokens, with the layout it asked for recorded.

Distribution, sort keys, encodings and BACKUP steer Redshift's physical layout: they are taken out of the
DDL and returned as a :class:`TableLayout` (pg_table_def shows them; the first sort key gets a BRIN
index).  Redshift's types become their PostgreSQL equal (TEXT is VARCHAR(256) there), ``IDENTITY(seed,
step)`` an identity column, and the informational constraints (primary, unique and foreign keys, which
Redshift never enforces) disappear from the DDL, leaving a primary key's NOT NULL (column or table form);
primary, unique and foreign keys are recorded in the layout, for the catalog to show as Redshift's does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sparkify.engine.errors import UnsupportedStatementError
from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.quoted_names import ascii_lower, quoted_name
from sparkify.engine.sql.tokens import Token, closing_paren, replace_spans, split_arguments, tokens

IDENTITY_CACHE = 1000
_CONSTRAINT_WORDS = frozenset(["PRIMARY", "UNIQUE", "FOREIGN", "CONSTRAINT"])
_VARYING_WORDS = frozenset(["VARCHAR", "NVARCHAR"])
_LOCAL_ONLY_TYPES = frozenset(["GEOMETRY", "GEOGRAPHY", "HLLSKETCH"])
_COLUMN_ATTRIBUTES = frozenset(
    [
        "ENCODE",
        "DISTKEY",
        "SORTKEY",
        "PRIMARY",
        "UNIQUE",
        "REFERENCES",
        "IDENTITY",
        "GENERATED",
        "COLLATE",
        "NOT",
        "NULL",
        "DEFAULT",
    ]
)


@dataclass
class TableLayout:
    """What a Redshift CREATE TABLE said about the table's layout."""

    table: str
    if_not_exists: bool = False
    diststyle: str = "auto"
    distkey: str | None = None
    sortkeys: list[str] = field(default_factory=list)
    sortstyle: str | None = None
    encodings: dict[str, str] = field(default_factory=dict)
    like: str | None = None
    keys: list[TableKey] = field(default_factory=list)
    # IDENTITY columns the DDL left nullable: PostgreSQL makes them NOT NULL, a cluster's catalog does not.
    nullable_identities: list[str] = field(default_factory=list)

    @property
    def primary_key(self) -> list[str]:
        return next((key.columns for key in self.keys if key.kind == "p"), [])


@dataclass
class TableKey:
    """An informational key: its kind as pg_constraint spells it ('p' primary, 'u' unique, 'f' foreign),
    its columns, the name the DDL gave it (None: the catalog names it as Redshift does), and for a foreign
    key the table it references and that table's columns (none: its primary key)."""

    kind: str
    columns: list[str]
    name: str | None = None
    references: str | None = None
    referenced_columns: list[str] = field(default_factory=list)


@dataclass
class _Edit:
    found: list[Token]
    replacements: list[tuple[int, int, str]] = field(default_factory=list)

    def replace(self, first: int, last: int, text: str) -> None:
        """Replace tokens ``first`` to ``last`` (inclusive) with ``text``."""
        self.replacements.append((self.found[first].start, self.found[last].end, text))

    def append(self, last: int, text: str) -> None:
        """Add ``text`` right after token ``last``."""
        self.replacements.append((self.found[last].end, self.found[last].end, text))


def adapt_create_table(sql: str) -> tuple[str, TableLayout | None]:
    """``sql`` as PostgreSQL's DDL and the layout it asked for; statements other than CREATE TABLE are
    returned unchanged with no layout."""
    found = tokens(sql)
    words = [token.word for token in found]
    table_at = _table_keyword(words)
    if table_at is None:
        return sql, None
    edit = _Edit(found)
    index = table_at + 1
    if_not_exists = words[index : index + 3] == ["IF", "NOT", "EXISTS"]
    if if_not_exists:
        index += 3
    name_start = index
    hash_temporary = found[index].text == "#" and index + 1 < len(found)
    if hash_temporary:  # CREATE TABLE #name: a temporary table
        index += 1
        edit.replace(table_at, table_at, "TEMP TABLE")
    while index + 2 < len(found) and found[index + 1].text == ".":
        index += 2
    name = f'"#{found[index].text.lower()}"' if hash_temporary else _name(found, name_start, index)
    layout = TableLayout(name, if_not_exists)
    index += 1
    if index < len(found) and found[index].text == "(":
        close = closing_paren(found, index)
        _adapt_elements(edit, layout, index + 1, close)
        index = close + 1
    unlogged = _adapt_table_attributes(edit, layout, index)
    if (
        unlogged
        and not hash_temporary
        and not any(word in ("TEMP", "TEMPORARY") for word in words[:table_at])
    ):
        edit.replace(table_at, table_at, "UNLOGGED TABLE")
    return replace_spans(sql, edit.replacements), layout


def adapt_other_ddl(sql: str) -> str:
    """Views and ALTER TABLE … ADD COLUMN as PostgreSQL's: a late-binding view's WITH NO SCHEMA BINDING
    and a materialized view's layout and AUTO REFRESH go, a new column's ENCODE and keys too."""
    found = tokens(sql)
    words = [token.word for token in found]
    edit = _Edit(found)
    if words[:1] == ["CREATE"] and "VIEW" in words[:5]:
        end = len(words) - (1 if found[-1].text == ";" else 0)
        if words[end - 4 : end] == ["WITH", "NO", "SCHEMA", "BINDING"]:
            edit.replace(end - 4, end - 1, "")
        if "MATERIALIZED" in words[:4]:
            name_end = _name_end(found, words.index("VIEW") + 1)
            index = name_end + 1
            while (index + 2 < len(found) and words[index] == "AUTO") or words[index] in _VIEW_ATTRIBUTES:
                if words[index] == "AUTO":
                    edit.replace(index, index + 2, "")
                    index += 3
                else:
                    index = _skip_attribute(edit, index)
    elif words[:2] == ["ALTER", "TABLE"] and "ADD" in words:
        column = words.index("ADD") + 1
        column += 1 if words[column] == "COLUMN" else 0
        if words[column] not in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN"):
            end = len(found) - (1 if found[-1].text == ";" else 0)
            _adapt_column(edit, TableLayout(""), column, end)
    return replace_spans(sql, edit.replacements)


_VIEW_ATTRIBUTES = frozenset(["BACKUP", "DISTSTYLE", "DISTKEY", "SORTKEY", "COMPOUND", "INTERLEAVED"])


def _skip_attribute(edit: _Edit, index: int) -> int:
    """Take out one table attribute at ``index``; the index after it."""
    found = edit.found
    last = index + 1
    if found[index].word in ("COMPOUND", "INTERLEAVED"):
        last += 1
    if last < len(found) and found[last].text == "(":
        last = closing_paren(found, last)
    edit.replace(index, last, "")
    return last + 1


def _table_keyword(words: list[str]) -> int | None:
    """The index of TABLE in ``CREATE [LOCAL] [TEMP|TEMPORARY] TABLE``, or None for any other statement."""
    if words[:1] != ["CREATE"]:
        return None
    index = 1
    while index < len(words) and words[index] in ("LOCAL", "TEMP", "TEMPORARY"):
        index += 1
    return index if index < len(words) and words[index] == "TABLE" else None


def _name(found: list[Token], first: int, last: int) -> str:
    """The name as written, quoted parts as Redshift reads them in this session (folded by default)."""
    return "".join(
        quoted_name(token.text) if token.text.startswith('"') else token.text
        for token in found[first : last + 1]
    )


def _adapt_elements(edit: _Edit, layout: TableLayout, low: int, high: int) -> None:
    found = edit.found
    items = split_arguments(found, low, high)
    for first, last in items:
        _record_table_key(found, layout, first, last)
    for number, (first, last) in enumerate(items):
        word = found[first].word
        if word in _CONSTRAINT_WORDS:
            # A table-level key is informational on Redshift: the element goes, with one comma.
            if number > 0:
                edit.replace(first - 1, last - 1, "")
            elif len(items) > 1:
                edit.replace(first, last, "")
            else:
                edit.replace(first, last - 1, "")
        elif word == "LIKE":
            layout.like = _name(found, first + 1, _name_end(found, first + 1))
        else:
            _adapt_column(edit, layout, first, last)


def _record_table_key(found: list[Token], layout: TableLayout, first: int, last: int) -> None:
    """``[CONSTRAINT name] PRIMARY KEY (columns)``, ``… UNIQUE (columns)`` or ``… FOREIGN KEY (columns)
    REFERENCES table [(columns)]``: the key into ``layout``."""
    name = None
    if found[first].word == "CONSTRAINT" and first + 2 < last:
        name, first = _identifier(found[first + 1]), first + 2
    word = found[first].word
    opening = first + (2 if word in ("PRIMARY", "FOREIGN") else 1)
    if word not in ("PRIMARY", "UNIQUE", "FOREIGN") or opening >= last or found[opening].text != "(":
        return
    close = closing_paren(found, opening)
    columns = _column_names(found, opening + 1, close)
    if word != "FOREIGN":
        layout.keys.append(TableKey("p" if word == "PRIMARY" else "u", columns, name))
    elif close + 2 < last and found[close + 1].word == "REFERENCES":
        layout.keys.append(_foreign_key(found, close + 2, last, columns, name))


def _foreign_key(found: list[Token], index: int, end: int, columns: list[str], name: str | None) -> TableKey:
    """A foreign key whose referenced table (``table [(columns)]``, before ``end``) is at ``index``."""
    name_end = _name_end(found, index)
    key = TableKey("f", columns, name, _name(found, index, name_end))
    if name_end + 1 < end and found[name_end + 1].text == "(":
        key.referenced_columns = _column_names(found, name_end + 2, closing_paren(found, name_end + 1))
    return key


def _identifier(token: Token) -> str:
    """A name as Redshift reads it: lower case, quoted or not, unless the session keeps quoted names' case."""
    if token.text.startswith('"'):
        return quoted_name(token.text)[1:-1].replace('""', '"')
    return ascii_lower(token.text)


def _name_end(found: list[Token], first: int) -> int:
    index = first
    while index + 2 < len(found) and found[index + 1].text == ".":
        index += 2
    return index


def _adapt_column(edit: _Edit, layout: TableLayout, first: int, end: int) -> None:
    found = edit.found
    column = _identifier(found[first])
    if _case_insensitive(found, first, end):
        type_end = first + 1
        while type_end < end and found[type_end].word not in _COLUMN_ATTRIBUTES:
            type_end += 1
        edit.replace(first + 1, type_end - 1, f"{SHIM_SCHEMA}.citext")
        index = type_end
    else:
        index = _adapt_type(edit, first + 1, end)
    has_not_null = any(
        found[k].word == "NOT" and k + 1 < end and found[k + 1].word == "NULL" for k in range(index, end)
    )
    if column in layout.primary_key and not has_not_null:  # Redshift: a primary key column is NOT NULL
        edit.append(end - 1, " NOT NULL")
        has_not_null = True
    identity = False
    while index < end:
        word = found[index].word
        if word == "ENCODE" and index + 1 < end:
            layout.encodings[column] = found[index + 1].text.lower()
            edit.replace(index, index + 1, "")
            index += 2
        elif word == "DISTKEY":
            layout.distkey, layout.diststyle = column, "key"
            edit.replace(index, index, "")
            index += 1
        elif word == "SORTKEY":
            layout.sortkeys.append(column)
            edit.replace(index, index, "")
            index += 1
        elif word == "PRIMARY" and index + 1 < end and found[index + 1].word == "KEY":
            edit.replace(index, index + 1, "" if has_not_null else "NOT NULL")
            has_not_null = True
            layout.keys.append(TableKey("p", [column]))
            index += 2
        elif word == "UNIQUE":
            edit.replace(index, index, "")
            layout.keys.append(TableKey("u", [column]))
            index += 1
        elif word == "REFERENCES" and index + 1 < end:
            layout.keys.append(_foreign_key(found, index + 1, end, [column], None))
            last = _name_end(found, index + 1)
            if last + 1 < end and found[last + 1].text == "(":
                last = closing_paren(found, last + 1)
            edit.replace(index, last, "")
            index = last + 1
        elif word in ("IDENTITY", "GENERATED"):
            index = _adapt_identity(edit, index, end)
            identity = True
        elif word == "COLLATE" and index + 1 < end:
            edit.replace(index, index + 1, "")
            index += 2
        else:
            index += 1
    if identity and not has_not_null:
        layout.nullable_identities.append(column)


def _case_insensitive(found: list[Token], first: int, end: int) -> bool:
    """Whether the column says COLLATE CASE_INSENSITIVE (held as citext: this build has no ICU)."""
    return any(
        found[k].word == "COLLATE" and found[k + 1].word == "CASE_INSENSITIVE" for k in range(first, end - 1)
    )


def _adapt_type(edit: _Edit, index: int, end: int) -> int:
    """Rewrite the column type starting at ``index``; return the index after it."""
    found = edit.found
    if index >= end:
        return index
    word = found[index].word
    has_length = index + 1 < end and found[index + 1].text == "("
    if word == "TEXT":
        edit.replace(index, index, "VARCHAR(256)")
        return index + 1
    if word == "BPCHAR" and not has_length:
        edit.replace(index, index, "CHAR(256)")
        return index + 1
    if word == "SUPER":
        edit.replace(index, index, "JSON")
        return index + 1
    if word in ("VARBYTE", "VARBINARY"):
        edit.replace(index, close_paren_or(found, index, end), "BYTEA")
        return close_paren_or(found, index, end) + 1
    if word in ("INTERVALY2M", "INTERVALD2S"):  # Redshift's short names of its two INTERVAL types
        edit.replace(
            index, index, "INTERVAL YEAR TO MONTH" if word == "INTERVALY2M" else "INTERVAL DAY TO SECOND"
        )
        return index + 1
    if word in ("DECIMAL", "NUMERIC") and not has_length:
        edit.replace(index, index, "NUMERIC(18, 0)")  # Redshift's default precision and scale
        return index + 1
    if word in _LOCAL_ONLY_TYPES:
        raise UnsupportedStatementError(f"the {word} type is not supported by the local engine")
    if word == "CHARACTER" and index + 1 < end and found[index + 1].word == "VARYING":
        index += 1
        word = "VARCHAR"
        has_length = index + 1 < end and found[index + 1].text == "("
    if word in _VARYING_WORDS:
        if not has_length:
            edit.replace(index, index, "VARCHAR(256)")
            return index + 1
        close = closing_paren(found, index + 1)
        if found[index + 2].word == "MAX":
            edit.replace(index, close, "VARCHAR(65535)")
        elif word == "NVARCHAR":
            edit.replace(index, index, "VARCHAR")
        return close + 1
    return index + 1


def close_paren_or(found: list[Token], index: int, end: int) -> int:
    """The closing parenthesis of a ``(`` right after ``index``, or ``index`` when none follows."""
    return closing_paren(found, index + 1) if index + 1 < end and found[index + 1].text == "(" else index


def _adapt_identity(edit: _Edit, index: int, end: int) -> int:
    """``IDENTITY(seed, step)`` or ``GENERATED BY DEFAULT AS IDENTITY(seed, step)`` as PostgreSQL's.

    An IDENTITY column takes no value of the client's (COPY's EXPLICIT_IDS aside): PostgreSQL's GENERATED
    ALWAYS refuses one as Redshift does.  A default identity column takes one: GENERATED BY DEFAULT."""
    found = edit.found
    generated = "ALWAYS" if found[index].word == "IDENTITY" else "BY DEFAULT"
    identity = index
    while identity < end and found[identity].word != "IDENTITY":
        identity += 1
    if identity + 1 >= end or found[identity + 1].text != "(":
        if found[index].word == "IDENTITY":  # a bare IDENTITY counts from 1 by 1
            edit.replace(index, index, f"GENERATED ALWAYS AS IDENTITY (CACHE {IDENTITY_CACHE})")
        return identity + 1
    close = closing_paren(found, identity + 1)
    arguments = [
        "".join(token.text for token in found[a:b]) for a, b in split_arguments(found, identity + 2, close)
    ]
    if len(arguments) != 2:
        return close + 1
    seed, step = arguments
    # A cache spares a sequence round trip per row; the price is a gap after a session's unused values, and
    # Redshift does not promise consecutive values either.
    edit.replace(
        index,
        close,
        f"GENERATED {generated} AS IDENTITY (START WITH {seed} INCREMENT BY {step} MINVALUE {seed} "
        f"CACHE {IDENTITY_CACHE})",
    )
    return close + 1


def _adapt_table_attributes(edit: _Edit, layout: TableLayout, index: int) -> bool:
    """Take out the table attributes after the column list; True for BACKUP NO."""
    found = edit.found
    unlogged = False
    while index < len(found):
        word = found[index].word
        following = found[index + 1].word if index + 1 < len(found) else ""
        if word == "DISTSTYLE":
            layout.diststyle = following.lower()
            edit.replace(index, index + 1, "")
            index += 2
        elif word == "DISTKEY" and following == "" and found[index + 1].text == "(":
            close = closing_paren(found, index + 1)
            layout.distkey, layout.diststyle = _column_names(found, index + 2, close)[0], "key"
            edit.replace(index, close, "")
            index = close + 1
        elif word in ("COMPOUND", "INTERLEAVED", "SORTKEY"):
            keyword = index + 1 if word != "SORTKEY" else index
            if keyword + 1 < len(found) and found[keyword + 1].word == "AUTO":
                edit.replace(index, keyword + 1, "")
                index = keyword + 2
                continue
            close = closing_paren(found, keyword + 1)
            layout.sortkeys = _column_names(found, keyword + 2, close)
            layout.sortstyle = "interleaved" if word == "INTERLEAVED" else "compound"
            edit.replace(index, close, "")
            index = close + 1
        elif word in ("ENCODE", "BACKUP"):
            unlogged = unlogged or (word == "BACKUP" and following == "NO")
            edit.replace(index, index + 1, "")
            index += 2
        else:
            return unlogged
    return unlogged


def _column_names(found: list[Token], low: int, high: int) -> list[str]:
    return [_identifier(found[a]) for a, _ in split_arguments(found, low, high)]
