"""Redshift's expression syntax as PostgreSQL's, rewritten on tokens.

Function calls that Redshift answers differently go to the shim schema's functions
(``DATEADD(day, 1, ts)`` becomes ``sparkify_redshift.dateadd('day', 1, ts)``, the bare date part made a
literal); constructs PostgreSQL spells otherwise are respelt: ``TOP n`` as ``LIMIT n``, ``LISTAGG … WITHIN
GROUP`` as ``string_agg`` (over a window: the window orders an ``array_agg``), ``APPROXIMATE COUNT``
as ``COUNT``, ``NVL``/``NVL2``/``DECODE`` as ``COALESCE``/``CASE``, ``SYSDATE`` as a call.  Quoted
identifiers fold to lower case as Redshift folds them, unless the session keeps their case
(:mod:`sparkify.engine.sql.redshift.quoted_names`).
"""

from __future__ import annotations

from collections.abc import Callable

from sparkify.engine.sql.redshift import SHIM_SCHEMA
from sparkify.engine.sql.redshift.quoted_names import quoted_name
from sparkify.engine.sql.tokens import Token, closing_paren, is_call, split_arguments, tokens

# Functions the shim schema answers for; a call is routed there explicitly, so that PostgreSQL's own
# function of the same name (json_extract_path_text, concat, regexp_replace …) never wins on overloading.
SHIM_FUNCTIONS = frozenset(
    [
        "dateadd",
        "datediff",
        "date_part",
        "date_trunc",
        "add_months",
        "months_between",
        "next_day",
        "last_day",
        "convert_timezone",
        "getdate",
        "sysdate",
        "to_date",
        "len",
        "charindex",
        "concat",
        "strtol",
        "replicate",
        "octetindex",
        "regexp_count",
        "regexp_substr",
        "regexp_instr",
        "regexp_replace",
        "json_extract_path_text",
        "json_extract_array_element_text",
        "json_array_length",
        "is_valid_json",
        "is_valid_json_array",
        "json_parse",
        "json_serialize",
        "json_typeof",
        "sum",  # Redshift's result types (aggregates.sql)
        "avg",
    ]
)
#: Redshift's type names PostgreSQL spells otherwise: VARBYTE is held as bytea, Redshift's short names of
#: its INTERVAL types are PostgreSQL's intervals of those ranges.
LOCAL_TYPE_NAMES = {
    "VARBYTE": "bytea",
    "VARBINARY": "bytea",
    "INTERVALY2M": "interval year to month",
    "INTERVALD2S": "interval day to second",
}
_DATEPART_FIRST = frozenset(["DATEADD", "DATEDIFF", "DATE_PART", "DATEPART", "DATE_TRUNC"])
# Redshift's column names for a call that has no alias (PostgreSQL would name the rewritten call).
_DEFAULT_NAMES = {
    "DATEADD": "date_add",
    "DATEDIFF": "date_diff",
    "DATE_PART": "pgdate_part",
    "DATEPART": "pgdate_part",
    "EXTRACT": "date_part",
    "LISTAGG": "listagg",
    "MEDIAN": "median",
    "RATIO_TO_REPORT": "ratio_to_report",
    "PERCENTILE_CONT": "percentile_cont",
    "PERCENTILE_DISC": "percentile_disc",
    "SESSION_USER": "session_user",
}
_SELECT_ITEM_ENDS = frozenset(
    ["FROM", "INTO", "UNION", "EXCEPT", "INTERSECT", "MINUS", "ORDER", "LIMIT", "WHERE"]
)
_CLAUSE_WORDS = frozenset(
    [
        "SELECT",
        "FROM",
        "WHERE",
        "GROUP",
        "HAVING",
        "ORDER",
        "ON",
        "SET",
        "VALUES",
        "WHEN",
        "THEN",
        "ELSE",
        "LIMIT",
    ]
)
_RENAMED = {"DATEPART": "date_part", "NVL": "COALESCE", "TEXTLEN": "len"}


def _cast_target(found: list[Token], index: int) -> bool:
    """Whether the type name at ``index`` is a cast's target: ``x::name`` or ``CAST(x AS name)``."""
    if index == 0:
        return False
    previous = found[index - 1]
    following = found[index + 1].text if index + 1 < len(found) else ""
    return previous.name == "TYPECAST" or (previous.word == "AS" and following in (")", "("))


def rewrite_expressions(sql: str) -> str:
    """``sql`` with Redshift's expression syntax respelt for PostgreSQL (see the module's docstring)."""
    found = tokens(sql)
    end = len(found)
    while end > 0 and found[end - 1].text == ";":
        end -= 1
    if end == 0:
        return sql
    body = _Renderer(sql, found).render(0, end)
    return sql[: found[0].start] + body + sql[found[end - 1].end :]


class _Renderer:
    def __init__(self, sql: str, found: list[Token]) -> None:
        self.sql = sql
        self.found = found
        self.rules: dict[str, Callable[[int], tuple[str, int] | None]] = {
            "EXTRACT": self._extract,
            "LISTAGG": self._listagg,
            "DECODE": self._decode,
            "NVL2": self._nvl2,
            "CONVERT": self._convert,
            "RATIO_TO_REPORT": self._ratio_to_report,
            "ARRAY": self._super_array,
            "PERCENTILE_CONT": self._percentile_over_window,
            "PERCENTILE_DISC": self._percentile_over_window,
        }

    def render(self, low: int, high: int) -> str:
        """The text of tokens ``low`` to ``high`` (exclusive), rewritten, with the text between them kept."""
        pieces: list[str] = []
        limit: str | None = None
        index = low
        while index < high:
            token = self.found[index]
            if index > low:
                pieces.append(self.sql[self.found[index - 1].end : token.start])
            if self._top(index, high):
                limit = self.found[index + 1].text
                index += 2
                continue
            rewritten = self._rule(index) or self._session_user(index)
            if rewritten is not None:
                text, after = rewritten
                name = _DEFAULT_NAMES.get(token.word)
                if name and self._bare_select_item(low, index, after, high):
                    text += f" AS {name}"  # the column name Redshift gives the call
                pieces.append(text)
                index = after
                continue
            if token.text == "(":
                close = closing_paren(self.found, index)
                pieces.append("(" + self._between(index, close) + ")")
                index = close + 1
                continue
            pieces.append(self._token_text(index))
            index += 1
        if limit is not None:
            pieces.append(f" LIMIT {limit}")
        return "".join(pieces)

    def _bare_select_item(self, low: int, start: int, end: int, high: int) -> bool:
        """Whether tokens ``start`` to ``end`` are a whole item of a select list, with no alias."""
        before = self.found[start - 1] if start > low else None
        after = self.found[end] if end < high else None
        if before is None or not (before.text == "," or before.word in ("SELECT", "DISTINCT", "ALL")):
            return False
        if after is not None and not (after.text in (",", ";") or after.word in _SELECT_ITEM_ENDS):
            return False
        depth = 0
        for index in range(start - 1, low - 1, -1):
            text = self.found[index].text
            depth += (text == ")") - (text == "(")
            if depth == 0 and self.found[index].word in _CLAUSE_WORDS:
                return self.found[index].word == "SELECT"
        return False

    def _session_user(self, index: int) -> tuple[str, int] | None:
        """``session_user`` as the user SET SESSION AUTHORIZATION made the session's (Redshift's answer): the
        emulation signs the client's backend in as itself and sets the role, PostgreSQL's current_user."""
        if self.found[index].word != "SESSION_USER":
            return None
        return "current_user", index + 1

    def _top(self, index: int, high: int) -> bool:
        """Whether ``TOP n`` starts at ``index`` (right after SELECT [DISTINCT | ALL])."""
        return (
            self.found[index].word == "TOP"
            and _after_select(self.found, index)
            and index + 1 < high
            and self.found[index + 1].name == "ICONST"
        )

    def _between(self, open_index: int, close_index: int) -> str:
        """The rewritten text strictly inside a pair of parentheses, spacing kept."""
        if close_index == open_index + 1:
            return self.sql[self.found[open_index].end : self.found[close_index].start]
        inner = self.render(open_index + 1, close_index)
        leading = self.sql[self.found[open_index].end : self.found[open_index + 1].start]
        trailing = self.sql[self.found[close_index - 1].end : self.found[close_index].start]
        return leading + inner + trailing

    def _rule(self, index: int) -> tuple[str, int] | None:
        token = self.found[index]
        word = token.word
        following = self.found[index + 1].word if index + 1 < len(self.found) else ""
        if word == "APPROXIMATE" and following in ("COUNT", "PERCENTILE_DISC"):
            return "", index + 1
        if not is_call(self.found, index):
            return None
        rule = self.rules.get(word)
        if rule is not None:
            return rule(index)
        if word in _DATEPART_FIRST:
            return self._datepart_call(index)
        return None

    def _arguments(self, index: int) -> tuple[list[str], int]:
        """The rewritten arguments of the call at ``index`` and the index of its closing parenthesis."""
        close = closing_paren(self.found, index + 1)
        ranges = split_arguments(self.found, index + 2, close)
        return [self.render(a, b) for a, b in ranges], close

    def _datepart_call(self, index: int) -> tuple[str, int]:
        close = closing_paren(self.found, index + 1)
        ranges = split_arguments(self.found, index + 2, close)
        arguments = [self.render(a, b) for a, b in ranges]
        if ranges and ranges[0][1] - ranges[0][0] == 1 and self.found[ranges[0][0]].word:
            arguments[0] = "'" + self.found[ranges[0][0]].text.lower() + "'"
        name = _RENAMED.get(self.found[index].word, self.found[index].word.lower())
        return f"{SHIM_SCHEMA}.{name}({', '.join(arguments)})", close + 1

    def _extract(self, index: int) -> tuple[str, int] | None:
        close = closing_paren(self.found, index + 1)
        part = self.found[index + 2]
        if index + 3 >= close or self.found[index + 3].word != "FROM":
            return None
        name = part.text.strip("'").lower()
        return f"{SHIM_SCHEMA}.extract_part('{name}', {self.render(index + 4, close)})", close + 1

    def _listagg(self, index: int) -> tuple[str, int]:
        close = closing_paren(self.found, index + 1)
        start = index + 2
        distinct = self.found[start].word == "DISTINCT"
        if distinct:
            start += 1
        ranges = split_arguments(self.found, start, close)
        value = self.render(*ranges[0])
        delimiter = self.render(*ranges[1]) if len(ranges) > 1 else "''"
        order = ""
        after = close + 1
        words = [token.word for token in self.found[after : after + 3]]
        if words[:2] == ["WITHIN", "GROUP"] and after + 2 < len(self.found):
            order_close = closing_paren(self.found, after + 2)
            order = " " + self.render(after + 3, order_close)
            after = order_close + 1
        if self._word_at(after) == "OVER" and self._text_at(after + 1) == "(" and not distinct:
            # PostgreSQL has no ordered aggregate over a window: the window's own order gives it.
            window_close = closing_paren(self.found, after + 1)
            window = self._between(after + 1, window_close).strip()
            ordering = f" ORDER BY {order.strip()[len('ORDER BY') :].strip()}" if order else ""
            frame = f"({window}{ordering} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
            return (
                f"array_to_string(array_agg(({value})::varchar) OVER {frame}, {delimiter})",
                window_close + 1,
            )
        if distinct:
            return f"string_agg(DISTINCT {value}, {delimiter}{order})", after
        return f"string_agg(({value})::varchar, {delimiter}{order})", after

    def _percentile_over_window(self, index: int) -> tuple[str, int] | None:
        """``PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY e [DESC]) OVER (PARTITION BY …)``: the shim computes it
        from the partition's values (PostgreSQL has no ordered-set aggregate over a window)."""
        arguments, close = self._arguments(index)
        within = close + 1
        if len(arguments) != 1 or [self._word_at(within), self._word_at(within + 1)] != ["WITHIN", "GROUP"]:
            return None
        order_close = closing_paren(self.found, within + 2)
        if self._word_at(order_close + 1) != "OVER" or self._text_at(order_close + 2) != "(":
            return None  # the plain aggregate: PostgreSQL's own
        if [self._word_at(within + 3), self._word_at(within + 4)] != ["ORDER", "BY"]:
            return None
        end = order_close
        descending = self._word_at(end - 1) == "DESC"
        if self._word_at(end - 1) in ("ASC", "DESC"):
            end -= 1
        value = self.render(within + 5, end)
        window_close = closing_paren(self.found, order_close + 2)
        window = self._between(order_close + 2, window_close)
        name = f"{SHIM_SCHEMA}.{self.found[index].word.lower()}_of"
        call = f"{name}(array_agg({value}) OVER ({window}), {arguments[0]}, {str(descending).upper()})"
        return call, window_close + 1

    def _word_at(self, index: int) -> str:
        return self.found[index].word if index < len(self.found) else ""

    def _text_at(self, index: int) -> str:
        return self.found[index].text if index < len(self.found) else ""

    def _decode(self, index: int) -> tuple[str, int] | None:
        arguments, close = self._arguments(index)
        if len(arguments) < 3:
            return None
        expression, pairs = arguments[0], arguments[1:]
        # Redshift's DECODE matches a NULL search value to a NULL expression.
        cases = [
            f"WHEN ({expression}) = ({pairs[k]}) OR (({expression}) IS NULL AND ({pairs[k]}) IS NULL) "
            f"THEN {pairs[k + 1]}"
            for k in range(0, len(pairs) - 1, 2)
        ]
        default = f" ELSE {pairs[-1]}" if len(pairs) % 2 else ""
        return f"(CASE {' '.join(cases)}{default} END)", close + 1

    def _nvl2(self, index: int) -> tuple[str, int] | None:
        arguments, close = self._arguments(index)
        if len(arguments) != 3:
            return None
        return (
            f"(CASE WHEN ({arguments[0]}) IS NOT NULL THEN {arguments[1]} ELSE {arguments[2]} END)",
            close + 1,
        )

    def _convert(self, index: int) -> tuple[str, int] | None:
        """Redshift's ``CONVERT(type, expression)`` is a cast."""
        arguments, close = self._arguments(index)
        if len(arguments) != 2:
            return None
        return f"CAST({arguments[1]} AS {arguments[0]})", close + 1

    def _super_array(self, index: int) -> tuple[str, int] | None:
        """Redshift's ``ARRAY(a, b, …)`` builds a SUPER array (``ARRAY(SELECT …)`` stays PostgreSQL's)."""
        if self._word_at(index + 2) == "SELECT":
            return None
        arguments, close = self._arguments(index)
        return f"{SHIM_SCHEMA}.super_value(json_build_array({', '.join(arguments)}))", close + 1

    def _ratio_to_report(self, index: int) -> tuple[str, int] | None:
        """``RATIO_TO_REPORT(x) OVER (…)``: x over the window's sum of x."""
        arguments, close = self._arguments(index)
        words = [token.word for token in self.found[close + 1 : close + 3]]
        if len(arguments) != 1 or words[:1] != ["OVER"] or close + 2 >= len(self.found):
            return None
        window_close = closing_paren(self.found, close + 2)
        window = self._between(close + 2, window_close)
        value = arguments[0]
        return f"(({value})::numeric / NULLIF(SUM({value}) OVER ({window}), 0))", window_close + 1

    def _token_text(self, index: int) -> str:
        token = self.found[index]
        text = token.text
        if token.name == "IDENT" and text.startswith('"'):
            return quoted_name(text)
        if text == "#" and _adjacent_name(self.found, index):
            # the name that follows carries it: #temp is the temporary table "#temp"
            return (
                "TEMP "
                if index > 0 and self.found[index - 1].word == "INTO" and self.found[0].word == "SELECT"
                else ""
            )
        if index > 0 and self.found[index - 1].text == "#" and _adjacent_name(self.found, index - 1):
            return f'"#{text.lower()}"'
        word = token.word
        if word == "MINUS" and index > 0:
            return "EXCEPT"  # Redshift's other name for EXCEPT
        if word == "CURRENT_USER_ID" and not is_call(self.found, index) and not _qualified(self.found, index):
            return "(SELECT usesysid::integer FROM pg_catalog.pg_user WHERE usename = current_user)"
        if word == "SYSDATE" and not is_call(self.found, index) and not _qualified(self.found, index):
            return f"{SHIM_SCHEMA}.sysdate()"
        if word == "NOTNULL" and _starts_operand(self.found, index):
            return '"notnull"'  # pg_table_def's column, a keyword to PostgreSQL
        if word == "SUPER" and index > 0 and self.found[index - 1].name == "TYPECAST":
            return "json"
        if word in LOCAL_TYPE_NAMES and _cast_target(self.found, index):
            return LOCAL_TYPE_NAMES[word]
        if is_call(self.found, index):
            if word in _RENAMED:
                renamed = _RENAMED[word]
                return renamed if renamed.isupper() else f"{SHIM_SCHEMA}.{renamed}"
            if word.lower() in SHIM_FUNCTIONS:
                return f"{SHIM_SCHEMA}.{word.lower()}"
        return text


def _after_select(found: list[Token], index: int) -> bool:
    previous = found[index - 1].word if index > 0 else ""
    if previous in ("DISTINCT", "ALL") and index > 1:
        previous = found[index - 2].word
    return previous == "SELECT"


_OPERAND_STARTS = frozenset(
    ["SELECT", "WHERE", "AND", "OR", "BY", "ON", "WHEN", "THEN", "ELSE", "DISTINCT", "NOT"]
)


def _starts_operand(found: list[Token], index: int) -> bool:
    """Whether the token at ``index`` stands where an operand begins (not after one, as a postfix)."""
    previous = found[index - 1] if index > 0 else None
    return previous is None or previous.text in (",", "(", ".") or previous.word in _OPERAND_STARTS


def _adjacent_name(found: list[Token], index: int) -> bool:
    """Whether a bare name follows the token at ``index`` with nothing between them."""
    return (
        index + 1 < len(found) and found[index + 1].start == found[index].end and bool(found[index + 1].word)
    )


def _qualified(found: list[Token], index: int) -> bool:
    return index > 0 and found[index - 1].text == "."
