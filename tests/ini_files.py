"""A Hypothesis strategy for well-formed dwh.cfg texts: each section once, each key once, any values."""

from __future__ import annotations

from hypothesis import strategies as st


def ini_files(keys: dict[str, list[str]], values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Texts holding any of the ``keys`` sections, each with any of its keys set to any of ``values``."""
    sections = st.fixed_dictionaries(
        {},
        optional={
            section: st.dictionaries(st.sampled_from(names), values) for section, names in keys.items()
        },
    )
    return sections.map(
        lambda found: "\n".join(
            f"[{section}]\n" + "".join(f"{key} = {value}\n" for key, value in pairs.items())
            for section, pairs in found.items()
        )
    )
