"""`hnb-xl template DIR`: write source templates (CSV per table and one XLSX) to fill in; with
``--from WORKBOOK``, pre-filled with the workbook's current inputs (every table, parameters included)
so a modeller adds a year instead of retyping history (:func:`hnb_xl.sources.templates.workbook_frames`),
in one copy (the CSVs, or with ``--xlsx`` the one workbook) so that ``hnb-xl refresh WORKBOOK DIR``
reads each table once."""

from __future__ import annotations

from ..errors import HnbInputError
from ..sources.templates import TEMPLATE_TABLES, write_templates


def register(sub) -> None:
    p = sub.add_parser("template", help="write source templates (CSV and XLSX) for refresh, empty or --from a workbook",
                       description="Writes <table>.csv for each input table (" + ", ".join(TEMPLATE_TABLES) +
                                   ") and hnb_sources.xlsx with one sheet per table: the exact headers, then a "
                                   "row of units in square brackets that refresh skips. With --from WORKBOOK the "
                                   "templates hold the workbook's current inputs, as the CSVs only (or, with "
                                   "--xlsx, hnb_sources.xlsx only): add the new rows and run hnb-xl refresh "
                                   "WORKBOOK DIR.")
    p.add_argument("folder", metavar="DIR", help="folder to write into (created if missing)")
    p.add_argument("--from", dest="workbook", metavar="WORKBOOK",
                   help="fill the templates with this model workbook's current input tables")
    p.add_argument("--xlsx", action="store_true",
                   help="with --from: write the filled tables as hnb_sources.xlsx (one sheet per table) instead "
                        "of the CSVs")
    p.add_argument("--force", action="store_true", help="overwrite existing template files")
    p.set_defaults(func=run)


def run(args) -> str:
    from pathlib import Path
    folder = Path(args.folder)
    if folder.exists() and not folder.is_dir():
        raise HnbInputError("is a file, expected a folder", source=str(folder))
    names = [f"{t}.csv" for t in TEMPLATE_TABLES] + ["hnb_sources.xlsx"]
    existing = [n for n in names if (folder / n).exists()]
    if existing and not args.force:
        raise HnbInputError(f"already holds {', '.join(existing)}: use --force to overwrite", source=str(folder))
    if args.xlsx and not args.workbook:
        raise HnbInputError("goes with --from WORKBOOK (the empty templates are written as both)", source="--xlsx")
    frames, formats, tables = None, ("csv", "xlsx"), TEMPLATE_TABLES
    if args.workbook:
        from ..sources.templates import workbook_frames
        frames = workbook_frames(args.workbook)
        formats = ("xlsx",) if args.xlsx else ("csv",)
        # the plan's tables too (agreement, workstreams, payments, settlement, Monte Carlo, placement,
        # the council's own assurance record), empty ones as their headers: build --sources reads an
        # empty one as none (no agreement), never the bundled authority's rows; not in the empty
        # templates, a council adds them when it has them
        tables = TEMPLATE_TABLES + tuple(k for k in frames if k not in TEMPLATE_TABLES)
    try:
        written = write_templates(folder, frames, tables=tables, formats=formats)
    except OSError as exc:
        raise HnbInputError(f"cannot be written ({exc.strerror or exc})", source=str(folder)) from None
    return "\n".join(f"wrote {p}" for p in written)
