"""Evaluate a workbook with ``formulas`` as published (``reuse=False, lanes=False``: every formula
parsed and compiled, formulas' own operators, each cell's pipe called by schedula) and as the tests
do (the shape reuse, hnb_xl/workbook/verify/formulas_reuse.py; the numeric lanes of the operators,
hnb_xl/workbook/verify/formulas_lanes.py; the shared pipes called step by step,
hnb_xl/workbook/verify/formulas_pipes.py); compare every cell value, every defined name and every
node of formulas' solution exactly, its type too. Exit 1 on any difference. Run it after a change
to any of the three modules or an upgrade of ``formulas`` or ``schedula``:

    python benchmarks/prove_formulas_reuse.py workbook/HNB_Model.xlsm

About 40 s (the plain evaluation is most of it). docs/checks.md has the last result.
"""
import math
import shutil
import sys
import tempfile
import time

import numpy as np
import schedula as sh

from hnb_xl.workbook.verify.evaluate import evaluate

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

def node(v):
    v = getattr(v, 'value', v)
    if isinstance(v, np.ndarray):
        return [[(type(x).__name__, repr(x)) for x in row] for row in np.asarray(v, dtype=object).reshape(v.shape[0] if v.ndim else 1, -1)]
    return [(type(v).__name__, repr(v))]

# a private copy, so both evaluations read the same bytes even if the workbook is rebuilt meanwhile
_copy = tempfile.TemporaryDirectory()
path = shutil.copy(sys.argv[1], _copy.name)
t = time.perf_counter(); plain = evaluate(path, reuse=False, lanes=False); t1 = time.perf_counter()
fast = evaluate(path, reuse=True); t2 = time.perf_counter()
print(f"plain: load {plain.seconds_load:.1f} s, calculate {plain.seconds_calculate:.1f} s (total {t1 - t:.1f})")
print(f"reuse, lanes and straight pipes: load {fast.seconds_load:.1f} s, calculate {fast.seconds_calculate:.1f} s (total {t2 - t1:.1f})")
print(f"formula cells {fast.formula_cells}, shapes compiled {fast.shapes_compiled}, cells reused {fast.cells_reused}, refused {fast.refused}")
print(f"pipes called step by step {fast.pipes.straightened}, refused {dict(fast.pipes.refused)}, "
      f"calls handed over to the pipe {dict(fast.pipes.fallbacks)}")
diffs, n = [], 0
sheets = set(plain.values) | set(fast.values)
for s in sorted(sheets):
    a, b = plain.values.get(s, {}), fast.values.get(s, {})
    for c in sorted(set(a) | set(b)):
        n += 1
        if c not in a or c not in b or not same(a[c], b[c]):
            diffs.append((s, c, a.get(c, '<missing>'), b.get(c, '<missing>')))
nn = 0
for k in sorted(set(plain.names) | set(fast.names)):
    nn += 1
    if k not in plain.names or k not in fast.names or not same(plain.names[k], fast.names[k]):
        diffs.append(('<name>', k, plain.names.get(k, '<missing>'), fast.names.get(k, '<missing>')))
sa, sb = plain.model.dsp.solution, fast.model.dsp.solution
ka, kb = {str(k) for k in sa if not isinstance(k, sh.Token)}, {str(k) for k in sb if not isinstance(k, sh.Token)}
ma, mb = {str(k): v for k, v in sa.items()}, {str(k): v for k, v in sb.items()}
nodes_diff = [k for k in sorted(ka & kb) if node(ma[k]) != node(mb[k])]
print(f"compared {n} cell values and {nn} defined names: {len(diffs)} differences")
for d in diffs[:20]:
    print("  ", d)
print(f"solution nodes: plain {len(ka)}, reuse {len(kb)}, only plain {len(ka - kb)}, only reuse {len(kb - ka)}, "
      f"values differing {len(nodes_diff)}")
for k in (sorted(ka ^ kb) + nodes_diff)[:20]:
    print("  ", k)
sys.exit(1 if diffs or nodes_diff or ka != kb else 0)
