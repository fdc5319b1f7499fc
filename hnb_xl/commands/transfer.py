"""`hnb-xl transfer`: a Schools Block to HNB transfer, its rate and whether it needs a disapplication."""

from __future__ import annotations

from .. import api, bundled
from ..reports.output import render_mapping
from ..engine.transfer import latest_transfer_year
from ._common import add_format, fraction, pounds, year

KINDS = {"schools_block": "money", "amount": "money", "rate": "pct2", "limit_rate": "pct2", "limit_amount": "money",
         "per_pupil": "money", "pupils": "count"}


def register(sub) -> None:
    p = sub.add_parser("transfer", help="block transfer: rate <-> amount, 0.5%% limit, per-pupil effect",
                       description="amount = rate x schools block, both of the same financial year. Up to 0.5%% "
                                   "Schools Forum can agree; above it a disapplication request to the Secretary of "
                                   "State is needed. A schools block or transfer not given is the year's row of the "
                                   "block-transfer table; when that year's schools block is not known the command "
                                   "says so (give --schools-block) rather than use another year's.")
    latest = latest_transfer_year(bundled.block_transfers())
    p.add_argument("--year", metavar="YEAR", type=year("--year"),
                   help=f"financial year of the transfer and its schools block (default: the last year with a "
                        f"transfer in the block-transfer table, {latest})")
    p.add_argument("--schools-block", metavar="POUNDS", type=pounds("--schools-block"),
                   help="the year's schools block in pounds (default: the block-transfer table's, for the year)")
    p.add_argument("--block-transfer", metavar="FILE", dest="block_transfer",
                   help="block-transfer table (CSV/XLSX: Financial year, Transfer amount, Schools block) instead of "
                        "the bundled one")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--rate", metavar="R", type=fraction("--rate"), help="transfer as a fraction of the schools block (0.005 or 0.5%%)")
    g.add_argument("--amount", metavar="POUNDS", type=pounds("--amount"),
                   help="transfer in pounds (default: the year's transfer in the block-transfer table)")
    p.add_argument("--pupils", metavar="N", type=pounds("--pupils"), help="funded pupils, for the per-pupil effect")
    p.add_argument("--limit-rate", metavar="R", type=fraction("--limit-rate"), default=bundled.parameters()["transfer_limit_rate"],
                   help="limit above which a disapplication is needed (default: 0.005)")
    add_format(p)
    p.set_defaults(func=run)


LABELS = {"schools_block": "--schools-block", "rate": "--rate", "amount": "--amount", "pupils": "--pupils",
          "limit_rate": "--limit-rate", "year": "--year", "block_transfer": "--block-transfer"}


def compute(args):
    return api.transfer(args.schools_block, rate=args.rate, amount=args.amount, pupils=args.pupils,
                        limit_rate=args.limit_rate, labels=LABELS, year=args.year, block_transfer=args.block_transfer)


def run(args) -> str:
    d = compute(args).as_dict()
    t = {"financial_year": d.pop("financial_year"), **d}
    if t["financial_year"] is None:
        t.pop("financial_year")
    if t["pupils"] is None:
        t.pop("pupils"), t.pop("per_pupil")
    return render_mapping(t, args.format, KINDS, title="Schools Block to HNB transfer" if args.format == "table" else None)
