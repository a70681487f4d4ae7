"""``COMMENT ON VIEW`` of a materialized view, rewritten on tokens.

A materialized view is a view to a cluster (its catalog lists it with the views), and ``COMMENT ON VIEW``
names one there: dbt-redshift's persist_docs writes it so.  PostgreSQL refuses ``COMMENT ON VIEW`` of a
materialized view (``… is not a view``): the statement runs in a DO block that asks the catalog which kind
the relation is and comments on it as that kind.
"""

from __future__ import annotations

from sparkify.engine.sql.text import postgres_literal
from sparkify.engine.sql.tokens import Token


def comment_on_view(found: list[Token]) -> str | None:
    """The DO block for ``COMMENT ON VIEW name IS …``; None for any other statement."""
    words = [token.word for token in found]
    if words[:3] != ["COMMENT", "ON", "VIEW"] or "IS" not in words:
        return None
    texts = [_folded(token) for token in found if token.text != ";"]
    name = "".join(texts[3 : words.index("IS")])
    rest = " ".join(texts[3:])
    tag = "ddl"
    while f"${tag}$" in rest:
        tag += "_"
    return (
        "DO $sparkify$ BEGIN IF (SELECT c.relkind FROM pg_catalog.pg_class c "
        f"WHERE c.oid = to_regclass({postgres_literal(name)})) = 'm' THEN "
        f"EXECUTE ${tag}$COMMENT ON MATERIALIZED VIEW {rest}${tag}$; "
        f"ELSE EXECUTE ${tag}$COMMENT ON VIEW {rest}${tag}$; END IF; END $sparkify$"
    )


def _folded(token: Token) -> str:
    """A quoted name folded to lower case, as Redshift folds names by default."""
    return token.text.lower() if token.name == "IDENT" and token.text.startswith('"') else token.text
