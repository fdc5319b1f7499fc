"""Recognise what a source table is from its headers alone (file name and sheet order do not matter).

Formats, most specific first: DfE's school-level SEN data (long layout from 2025, wide layout up
to 2024), then the project's own templates (schools, history, projection assumptions, block
transfer, parameters). A table that matches none gets one message listing the formats and, for
the closest one, the columns it lacks with the nearest header found (a likely misspelling).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import HnbInputError
from ..tables.schema import (ASSURANCE_SOURCE_TABLES, PLAN_SOURCE_TABLES, SCHEMAS, SOURCE_TABLES, Schema, closest,
                             normalise_header)
from ..tables.placement import INPUT_SCHEMAS as PLACEMENT_INPUTS
from . import dfe


@dataclass(frozen=True)
class Format:
    name: str            # "dfe_sen_long", "dfe_sen_wide" or a schema name ("schools", "history", ...)
    title: str
    schema: Schema | None = None   # the project's own schema, None for DfE layouts

    @property
    def is_dfe(self) -> bool:
        return self.schema is None


DFE_LONG = Format("dfe_sen_long", "DfE Special educational needs in England, school level (long layout, 2025 on)")
DFE_WIDE = Format("dfe_sen_wide", "DfE Special educational needs in England, school level (wide layout, to 2024)")
# by table name (the placement tables' schemas are named "categories" ...: their table is
# "placement_categories" ..., hnb_xl.tables.placement.INPUT_SCHEMAS)
_SCHEMAS = {**SCHEMAS, **PLACEMENT_INPUTS}
FORMATS: tuple[Format, ...] = (DFE_LONG, DFE_WIDE, *(Format(n, _SCHEMAS[n].title, _SCHEMAS[n])
                                                     for n in SOURCE_TABLES + PLAN_SOURCE_TABLES
                                                     + ASSURANCE_SOURCE_TABLES))


def _required(fmt: Format) -> list[tuple[str, set[str]]]:
    """(header as documented, accepted normalised spellings) for every required column."""
    if fmt.schema is not None:
        return [(c.header, c.spellings) for c in fmt.schema.columns if c.required]
    layout = "long" if fmt is DFE_LONG else "wide"
    table = dfe.LONG_COLUMNS if layout == "long" else dfe.WIDE_COLUMNS
    return [(h, set(table[role])) for role, h in zip(dfe.required_roles(layout), dfe.required_headers(layout))]


def missing_columns(fmt: Format, headers: list) -> list[tuple[str, str | None]]:
    """Required columns of ``fmt`` not in ``headers``: (column, closest header found or None)."""
    norm = {normalise_header(h): str(h) for h in headers if h not in (None, "")}
    out = []
    for header, spellings in _required(fmt):
        if spellings & set(norm):
            continue
        out.append((header, closest(sorted(spellings, key=len, reverse=True), headers)))
    return out


def recognised(fmt: Format, headers: list) -> int:
    """How many of ``headers`` are columns of ``fmt`` (required or optional)."""
    norm = {normalise_header(h) for h in headers if h not in (None, "")}
    if fmt.schema is not None:
        cols = [c.spellings for c in fmt.schema.columns]
    else:
        cols = [set(a) for a in (dfe.LONG_COLUMNS if fmt is DFE_LONG else dfe.WIDE_COLUMNS).values()]
    return sum(1 for spellings in cols if spellings & norm)


def detect(headers: list, source: str) -> Format:
    """The format that explains most of ``headers``; it must have all its required columns.

    A file whose best match lacks a column is an error even when a smaller format matches
    completely: a history file with a misspelt column is not a block-transfer file.
    """
    scored = []
    for i, fmt in enumerate(FORMATS):
        miss = missing_columns(fmt, headers)
        scored.append((-recognised(fmt, headers), len(miss), i, fmt, miss))
    scored.sort(key=lambda t: t[:3])
    score, _, _, best, miss = scored[0]
    if not miss and -score >= 2:  # one shared column ("Financial year") alone identifies nothing
        return best
    names = ", ".join(f.name for f in FORMATS)
    shown = ", ".join(str(h) for h in headers if h not in (None, "")) or "no headers"
    if not miss:
        raise HnbInputError(f"matches no known format ({names}): only one column is recognised "
                            f"[headers found: {shown}]", source=source)
    parts = [f"'{h}'" + (f" (did you mean '{hint}'?)" if hint else "") for h, hint in miss]
    raise HnbInputError(f"matches no known format ({names}); closest is {best.name} ({best.title}), "
                        f"which lacks {', '.join(parts)} [headers found: {shown}]", source=source)


__all__ = ["Format", "FORMATS", "DFE_LONG", "DFE_WIDE", "detect", "missing_columns"]
