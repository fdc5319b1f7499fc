"""Generate hnb_xl/data/demo_schools.csv: a SYNTHETIC set of 250 schools for the SEND Contingency demo.

Nothing here is a real school: URNs are in the range 900001-900250 (not used by DfE for
open schools in England), names are made up, and EHCP counts and notional SEN budgets are drawn
from a seeded random generator so that roughly a quarter of schools have EHCP numbers high
relative to their notional SEN budget. Re-running gives the same file (seed 20220715).
"""

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "hnb_xl" / "data" / "demo_schools.csv"
PLACES = ["Abbotsley", "Barton", "Comberton", "Duxford", "Elsworth", "Fulbourn", "Girton", "Histon", "Isleham",
          "Kimbolton", "Linton", "Melbourn", "Needingworth", "Over", "Papworth", "Ramsey", "Sawston", "Swavesey",
          "Teversham", "Upwood", "Waterbeach", "Willingham", "Yaxley", "Burwell", "Cottenham", "Haddenham",
          "Littleport", "Soham", "Whittlesey", "Chatteris", "March", "Somersham", "Bottisham", "Gamlingay",
          "Great Shelford", "Hardwick", "Meldreth", "Milton", "Orwell", "Stretham"]


def main() -> None:
    rng = np.random.default_rng(20220715)
    rows = []
    for i in range(250):
        phase = "Primary" if i < 205 else ("Secondary" if i < 245 else "All-through")
        place = PLACES[i % len(PLACES)]
        suffix = {"Primary": "Primary School", "Secondary": "Academy", "All-through": "All-through School"}[phase]
        name = f"{place} {suffix} (synthetic {i + 1:03d})"
        if phase == "Primary":
            pupils = int(rng.integers(60, 640))
            per_pupil = rng.normal(330, 60)
        elif phase == "Secondary":
            pupils = int(rng.integers(550, 1900))
            per_pupil = rng.normal(420, 70)
        else:
            pupils = int(rng.integers(900, 1700))
            per_pupil = rng.normal(380, 60)
        rate = rng.gamma(2.0, 0.0125)            # EHCP share of roll, mean 2.5%, long right tail
        ehcps = int(rng.poisson(pupils * rate))
        notional = int(round(pupils * max(per_pupil, 120) / 100.0) * 100)
        rows.append({"URN": 900001 + i, "School name": name, "Phase": phase, "Pupils on roll": pupils,
                     "EHCPs": ehcps, "Notional SEN budget": notional})
    pd.DataFrame(rows).to_csv(OUT, index=False)


if __name__ == "__main__":
    main()
