"""Recognise what a source table is: DfE's school-level SEN data by its headers (long layout from
2025, wide layout up to 2024); the project's own tables by the file's (or sheet's) name when it is
a template name, else by headers that fit one table only (:func:`detect`). A table that matches none gets one message listing the formats and, for
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
    return [(header, closest(sorted(spellings, key=len, reverse=True), headers))
            for header, spellings in _missing(fmt, headers)]


def _missing(fmt: Format, headers: list) -> list[tuple[str, set]]:
    """(header, spellings) of each required column of ``fmt`` not in ``headers``, without the closest
    header (:func:`missing_columns` adds it): scoring every format needs only how many are missing,
    and the difflib search for the closest header was most of a detection (67,070 calls in one run
    of the test suite for the few messages that show it)."""
    norm = {normalise_header(h) for h in headers if h not in (None, "")}
    return [(header, spellings) for header, spellings in _required(fmt) if not spellings & norm]


def recognised(fmt: Format, headers: list) -> int:
    """How many of ``headers`` are columns of ``fmt`` (required or optional)."""
    norm = {normalise_header(h) for h in headers if h not in (None, "")}
    if fmt.schema is not None:
        cols = [c.spellings for c in fmt.schema.columns]
    else:
        cols = [set(a) for a in (dfe.LONG_COLUMNS if fmt is DFE_LONG else dfe.WIDE_COLUMNS).values()]
    return sum(1 for spellings in cols if spellings & norm)


def table_named(source: str) -> tuple[Format | None, bool]:
    """The table a source's name gives: the file's name without ``.csv``/``.xlsx`` or, for a sheet
    (``book.xlsx [sheet]``), the sheet's. (format, True) when the name IS a template name
    (``placement_settings.csv``: :func:`hnb_xl.sources.templates.write_templates` writes each table
    under its own name); (format, False) when a template name is a whole ``_``-separated part of it
    (``plan_agreement_cambridgeshire.csv``: the longest such name), which only settles a tie of
    headers; else (None, False)."""
    from pathlib import Path
    text = str(source)
    if text.endswith("]") and " [" in text:
        stem = text[text.rindex(" [") + 2:-1]
    else:
        stem = Path(text).stem
    stem = stem.strip().lower().replace(" ", "_").replace("-", "_")
    own = {f.name: f for f in FORMATS if not f.is_dfe}
    if stem in own:
        return own[stem], True
    parts = [n for n in own if f"_{n}_" in f"_{stem}_"]
    return (own[max(parts, key=len)], False) if parts else (None, False)


def weak(fmt: Format) -> bool:
    """A table whose required columns are only a financial year, or only a name and a value (block
    transfer, placement income, parameters, agreement, settlement, placement and Monte Carlo
    settings): its required columns fit many files, so it claims a file by its headers only when
    it knows every one of them (:func:`unknown_columns`)."""
    if fmt.schema is None:
        return False
    required = [c for c in fmt.schema.columns if c.required]
    return ([c.header for c in required] == ["Financial year"] or len(required) == 1
            or (len(required) == 2 and required[1].header == "Value"))


def unknown_columns(fmt: Format, headers: list) -> list[str]:
    """``headers`` that are no column of ``fmt`` (by any accepted spelling)."""
    cols = [c.spellings for c in fmt.schema.columns] if fmt.schema is not None else []
    return [str(h) for h in headers if h not in (None, "") and not any(normalise_header(h) in s for s in cols)]


def detect(headers: list, source: str) -> Format:
    """The one table ``headers`` (of the file or sheet ``source``) are.

    1. DfE's school-level SEN data by its columns (a DfE file is that, whatever its name).
    2. By the source's name (:func:`table_named`): a template name is that table, and a file named
       so that lacks its required columns is refused naming them.
    3. By the headers: the tables with every required column, two or more columns recognised and,
       for a :func:`weak` table, no column it does not know; the one recognising most columns. Two
       that recognise as many are ambiguous: one line naming them (name the file after its table),
       unless a template name inside the source's longer name is one of them.

    A file whose best match lacks a column is an error even when a smaller format matches
    completely: a history file with a misspelt column is not a block-transfer file.
    """
    scored = []
    for i, fmt in enumerate(FORMATS):
        miss = _missing(fmt, headers)
        scored.append((-recognised(fmt, headers), len(miss), i, fmt, miss))
    scored.sort(key=lambda t: t[:3])
    score, _, _, best, miss = scored[0]
    shown = ", ".join(str(h) for h in headers if h not in (None, "")) or "no headers"
    if best.is_dfe and not miss and -score >= 2:
        return best
    named, exact = table_named(source)
    if named is not None and exact:
        lacks = missing_columns(named, headers)
        if not lacks:
            return named
        parts = [f"'{h}'" + (f" (did you mean '{hint}'?)" if hint else "") for h, hint in lacks]
        raise HnbInputError(f"is named for the {named.name} table ({named.title}) but lacks {', '.join(parts)} "
                            f"[headers found: {shown}]", source=source)
    fits = [(-neg, fmt) for neg, _n, _i, fmt, m in scored
            if not m and -neg >= 2 and not fmt.is_dfe and not (weak(fmt) and unknown_columns(fmt, headers))]
    if fits:
        top = [fmt for n, fmt in fits if n == fits[0][0]]
        if named in top:              # the name settles a tie (plan_agreement_cambridgeshire.csv)
            return named
        if len(top) == 1:
            return top[0]
        names = " or ".join(f.name for f in top)
        raise HnbInputError(f"could be the {names} table (its headers fit each): name the file or sheet after its "
                            f"table ({' or '.join(f.name + '.csv' for f in top)}) [headers found: {shown}]",
                            source=source)
    names = ", ".join(f.name for f in FORMATS)
    if not miss:
        if -score >= 2:            # a weak table's columns, with others it does not know
            raise HnbInputError(f"matches no known format ({names}): it has {best.name}'s columns but also "
                                f"{', '.join(unknown_columns(best, headers))}, which no table has "
                                f"[headers found: {shown}]", source=source)
        raise HnbInputError(f"matches no known format ({names}): only one column is recognised "
                            f"[headers found: {shown}]", source=source)
    parts = [f"'{h}'" + (f" (did you mean '{hint}'?)" if hint else "") for h, hint in missing_columns(best, headers)]
    raise HnbInputError(f"matches no known format ({names}); closest is {best.name} ({best.title}), "
                        f"which lacks {', '.join(parts)} [headers found: {shown}]", source=source)


__all__ = ["Format", "FORMATS", "DFE_LONG", "DFE_WIDE", "detect", "missing_columns", "table_named", "unknown_columns",
           "weak"]
