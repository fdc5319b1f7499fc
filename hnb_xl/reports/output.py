"""Rendering tables for the console (table), for machines (csv, json). No calculation here."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from tabulate import tabulate

from ..tables.cells import to_cell

FORMATS = ("table", "csv", "json")


def format_value(value, kind: str) -> str:
    """A value as the console and the pack show it: money in whole pounds (£1,234; -£1,234), money_m
    in £m to one decimal, money_short rounded for reading (£49.1m from £1m, £450k from £1,000), pct/pct2 as percentages, counts with thousands commas; a blank (None,
    NaN, NA: :func:`hnb_xl.tables.cells.to_cell` gives None) shows as "" (money_tbc: "TBC")."""
    value = to_cell(value)
    if value is None:
        return "TBC" if kind == "money_tbc" else ""
    if kind in ("money", "money_tbc"):
        return f"£{value:,.0f}" if value >= 0 else f"-£{-value:,.0f}"
    if kind == "money_m":
        return f"{value / 1e6:,.1f}"
    if kind == "money_short":      # for reading, as a Schools Forum paper writes it: £49.1m, £450k, £812
        size = abs(value)
        text = (f"£{size / 1e6:,.1f}m" if size >= 999_500 else f"£{size / 1e3:,.0f}k" if size >= 999.5
                else f"£{size:,.0f}")
        return text if value >= 0 or text in ("£0", "£0k", "£0.0m") else "-" + text
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "pct2":
        return f"{value * 100:.2f}%"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "count1":
        return f"{value:,.1f}"
    return str(value)


WHOLE_KINDS = frozenset({"money", "signed_money", "count", "id"})


def input_figures(schema) -> tuple[str, ...]:
    """The engine names of an input schema's columns of pounds, counts and identifiers (kinds
    :data:`WHOLE_KINDS`): the figures an output carries over from its input file."""
    return tuple(c.name for c in schema.columns if c.kind in WHOLE_KINDS)


def whole_figures(frame: pd.DataFrame, columns=()) -> pd.DataFrame:
    """``frame`` with each of ``columns`` (an output's :func:`input_figures`) whose values are all
    whole numbers, none blank, as integers, so that csv and json print an input figure as its file
    gives it (131100, not 131100.0), as they did before the files were read through their schemas
    (which read every amount as a float). Computed columns are not named and stay as they are."""
    cast = {}
    for c in columns:
        if c in frame.columns and frame[c].dtype.kind == "f":
            xs = frame[c].to_numpy()
            if len(xs) and np.isfinite(xs).all() and (xs == np.floor(xs)).all() and (np.abs(xs) < 2 ** 53).all():
                cast[c] = "int64"
    return frame.astype(cast) if cast else frame


def render(frame: pd.DataFrame, fmt: str = "table", kinds: dict[str, str] | None = None,
           titles: dict[str, str] | None = None, title: str | None = None, whole=()) -> str:
    """Render ``frame``. ``kinds`` formats columns in table mode only (csv/json keep raw values:
    pounds, fractions; ``whole``: the input figures printed as integers when whole, :func:`whole_figures`).
    ``titles`` renames columns in table mode."""
    if fmt == "csv":
        return whole_figures(frame, whole).to_csv(index=False, lineterminator="\n")
    if fmt == "json":
        return json.dumps(records(frame, whole), indent=2)
    kinds = kinds or {}
    titles = titles or {}
    body = [[format_value(v, kinds.get(c, "")) for c, v in zip(frame.columns, row)] for row in frame.itertuples(index=False)]
    headers = [titles.get(c, c) for c in frame.columns]
    align = ["left" if kinds.get(c, "") == "" else "right" for c in frame.columns]
    text = tabulate(body, headers=headers, tablefmt="simple", colalign=align, disable_numparse=True)
    return f"{title}\n{'=' * len(title)}\n{text}\n" if title else text + "\n"


def records(frame: pd.DataFrame, whole=()) -> list[dict]:
    """JSON-safe records: NaN -> null, numpy scalars -> Python numbers (:func:`~hnb_xl.tables.cells.to_cell`);
    the input figures ``whole`` as integers when whole (:func:`whole_figures`)."""
    return [{k: to_cell(v) for k, v in row.items()} for row in whole_figures(frame, whole).to_dict(orient="records")]


def render_mapping(mapping: dict, fmt: str = "table", kinds: dict[str, str] | None = None,
                   title: str | None = None) -> str:
    """Render a flat dict (one record)."""
    if fmt == "json":
        return json.dumps(records(pd.DataFrame([mapping]))[0], indent=2)
    if fmt == "csv":
        return pd.DataFrame([mapping]).to_csv(index=False, lineterminator="\n")
    kinds = kinds or {}
    body = [[k, format_value(v, kinds.get(k, ""))] for k, v in mapping.items()]
    text = tabulate(body, tablefmt="simple", disable_numparse=True)
    return f"{title}\n{'=' * len(title)}\n{text}\n" if title else text + "\n"
