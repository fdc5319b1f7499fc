"""`hnb-xl transfer`: a Schools Block to HNB transfer, its rate and whether it needs a disapplication."""

from __future__ import annotations

from .. import api, bundled
from ..reports.output import render_mapping
from ._common import add_format, fraction, pounds

KINDS = {"schools_block": "money", "amount": "money", "rate": "pct2", "limit_rate": "pct2", "limit_amount": "money",
         "per_pupil": "money", "pupils": "count"}


def register(sub) -> None:
    p = sub.add_parser("transfer", help="block transfer: rate <-> amount, 0.5%% limit, per-pupil effect",
                       description="amount = rate x schools block. Up to 0.5%% Schools Forum can agree; above it a "
                                   "disapplication request to the Secretary of State is needed.")
    year, block = bundled.default_schools_block()
    p.add_argument("--schools-block", metavar="POUNDS", type=pounds("--schools-block"), default=block,
                   help=f"schools block in pounds (default: £{block:,.0f}, Cambridgeshire {year})")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--rate", metavar="R", type=fraction("--rate"), help="transfer as a fraction of the schools block (0.005 or 0.5%%)")
    g.add_argument("--amount", metavar="POUNDS", type=pounds("--amount"), help="transfer in pounds (default: the 2022-23 £2,102,000)")
    p.add_argument("--pupils", metavar="N", type=pounds("--pupils"), help="funded pupils, for the per-pupil effect")
    p.add_argument("--limit-rate", metavar="R", type=fraction("--limit-rate"), default=bundled.parameters()["transfer_limit_rate"],
                   help="limit above which a disapplication is needed (default: 0.005)")
    add_format(p)
    p.set_defaults(func=run)


LABELS = {"schools_block": "--schools-block", "rate": "--rate", "amount": "--amount", "pupils": "--pupils",
          "limit_rate": "--limit-rate"}


def compute(args):
    return api.transfer(args.schools_block, rate=args.rate, amount=args.amount, pupils=args.pupils,
                        limit_rate=args.limit_rate, labels=LABELS)


def run(args) -> str:
    t = compute(args).as_dict()
    if t["pupils"] is None:
        t.pop("pupils"), t.pop("per_pupil")
    return render_mapping(t, args.format, KINDS, title="Schools Block to HNB transfer" if args.format == "table" else None)
