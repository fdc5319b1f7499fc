"""Tests that keep the design honest: they read the code (its syntax tree, its imports, its text)
rather than run the model.

* no cell address outside ``hnb_xl/workbook/layout.py`` (the layout contract stated in that module);
* the engine is pure: importing it loads neither xlwings, openpyxl nor matplotlib, and the table
  layer loads neither xlwings nor openpyxl;
* no user command loads ``formulas`` (a test-only extra, ``pip install hnb_xl[verify]``);
* no import cycle among the ``hnb_xl`` modules;
* every citation resolves: no reference to files outside the repository (``shared/...``, "domain
  research section N").

The walks are ordinary functions (:func:`address_leaks`, :func:`import_graph`, :func:`cycles`) so
that they can be run on another checkout: ``python -c "from tests.test_design import *;
print(cycles(import_graph(Path('/tmp/old/hnb_xl'))))"``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from collections import deque
from pathlib import Path

import pytest

from hnb_xl.workbook import layout as L

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hnb_xl"


# --------------------------------------------------------------------------- the layout contract

# the template's own sheet names too (the builder renames them through layout constants)
SHEET_NAMES = tuple(L.SHEETS) + (L.TEMPLATE_SHEET_COVER, L.TEMPLATE_SHEET_CONF)
A1 = re.compile(r"^\$?[A-Z]{1,3}\$?[0-9]+(:\$?[A-Z]{1,3}\$?[0-9]+)?$")            # "C8", "$B$5:$F$20"
RANGE_START = re.compile(r"^\$?[A-Z]{1,3}\$?[0-9]+:\$?[A-Z]{0,3}\$?$")             # f"A1:J{last}"
SHEET_REF = re.compile(r"(?:^|[^A-Za-z_.])'?(?:" + "|".join(re.escape(s) for s in SHEET_NAMES) + r")'?!")
# in a formula: an A1 token, or a column letter written before a computed row ("=ABS(C{row})")
FORMULA_A1 = re.compile(r"(?<![A-Za-z_$.\d\"])\$?[A-Z]{1,3}\$?\d+(?![\w(!\"])")
FORMULA_COLUMN = re.compile(r"(?:^|[^A-Za-z_\d.\"])\$?[A-Z]{1,3}\$?$")
SHEET_COLUMN = re.compile(r"^'?!\$?[A-Z]{1,3}\$?$")                               # f"{sheet}!$C${row}"


def _docstrings(tree) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _parents(tree) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _used_as_a_key(node, parents) -> bool:
    """A sheet-name constant used to find a sheet: a dict key, a subscript, a comparison, an ``in``."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Dict):
        return any(k is node for k in parent.keys)
    return isinstance(parent, (ast.Subscript, ast.Compare))


def address_leaks(path: Path) -> list[str]:
    """``file:line: text`` for every cell address, sheet-qualified reference or sheet-name key written
    in ``path`` (docstrings excepted). The rules:

    1. a string that is an A1 address or range: ``"C8"``, ``"$B$5:$F$20"``;
    2. a string or f-string part holding a sheet-qualified reference: ``"Inputs!"``, ``f"=N(Inputs!{c}{r})"``;
    3. a sheet name used as a key: ``{"Safety_Valve": ...}``, ``wb["Logs"]``, ``title == "Checks"``;
    4. an f-string that starts a range by hand: ``f"A1:J{last}"``;
    5. in a formula (a string starting with ``=``): an A1 token (``"=C16*2"``) or a column letter
       written before a computed row (``f"=ABS(C{row})"``);
    6. a column letter written after a computed sheet name: ``f"{L.CALC_TRANSFER}!$C${row}"``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip, parents = _docstrings(tree), _parents(tree)
    rel = path.relative_to(ROOT)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = node.values
            formula = bool(parts) and isinstance(parts[0], ast.Constant) and str(parts[0].value).startswith("=")
            for i, part in enumerate(parts):
                if not isinstance(part, ast.Constant):
                    continue
                skip.add(id(part))
                text = str(part.value)
                computed_next = i + 1 < len(parts) and isinstance(parts[i + 1], ast.FormattedValue)
                if SHEET_REF.search(text):
                    out.append(f"{rel}:{node.lineno}: sheet-qualified reference in f-string part {text!r}")
                elif computed_next and SHEET_COLUMN.match(text) and i > 0:
                    out.append(f"{rel}:{node.lineno}: column letter after a sheet name {text!r}")
                elif i == 0 and computed_next and RANGE_START.match(text):
                    out.append(f"{rel}:{node.lineno}: range written by hand {text!r}")
                elif formula and (FORMULA_A1.search(text) or (computed_next and FORMULA_COLUMN.search(text))):
                    out.append(f"{rel}:{node.lineno}: cell address in formula part {text!r}")
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
            continue
        text = node.value
        if A1.match(text):
            out.append(f"{rel}:{node.lineno}: cell address {text!r}")
        elif SHEET_REF.search(text):
            out.append(f"{rel}:{node.lineno}: sheet-qualified reference {text!r}")
        elif text in SHEET_NAMES and _used_as_a_key(node, parents):
            out.append(f"{rel}:{node.lineno}: sheet name {text!r} (use the layout constant)")
        elif text.startswith("=") and FORMULA_A1.search(text):
            out.append(f"{rel}:{node.lineno}: cell address in formula {text!r}")
    return out


def _workbook_modules() -> list[Path]:
    return sorted(p for p in (PACKAGE / "workbook").rglob("*.py") if p != PACKAGE / "workbook" / "layout.py")


def test_no_cell_address_outside_layout():
    """layout.py's contract: "nobody else writes a cell address". Sheet builders, refresh and verify
    take every anchor, sheet name and defined name from it (design-review: cover's "C8", outputs'
    ws["A3"], the calculation sheets' Inputs! f-strings, charts' own Outputs columns)."""
    leaks = [leak for p in _workbook_modules() for leak in address_leaks(p)]
    assert not leaks, f"{len(leaks)} cell addresses outside layout.py:\n" + "\n".join(leaks)


LEAK_CASES = [
    pytest.param('ws["C8"] = 1', 1, id="a1-address"),
    pytest.param('x = "$B$5:$F$20"', 1, id="absolute-range"),
    pytest.param("f = f'=N(Inputs!{c}{r})'", 1, id="sheet-qualified-f-string"),
    pytest.param('NOTES = {"Safety_Valve": "plan"}', 1, id="sheet-name-as-key"),
    pytest.param('area = f"A1:J{last}"', 1, id="range-by-hand"),
    pytest.param('f = f"=ABS(C{row}-ITT_Transfer)"', 1, id="column-letter-before-computed-row"),
    pytest.param('f = "=C16*D13"', 1, id="a1-token-in-formula"),
    pytest.param('ref = f"{L.CALC_TRANSFER}!$C${row}"', 1, id="column-letter-after-a-sheet-name"),
    pytest.param('ws.title = "Logs"', 0, id="sheet-name-as-text-is-fine"),
    pytest.param('f = f"={L.OUTPUTS}!{L.col(3)}{r}"', 0, id="layout-built-reference-is-fine"),
    pytest.param('f = "=IF(Master_Check=1,\\"OK\\",\\"FAILED\\")"', 0, id="defined-names-are-fine"),
    pytest.param('ws.column_dimensions["A"].width = 2', 0, id="column-letter-alone-is-fine"),
    pytest.param('label = "FY2022-23"', 0, id="year-text-is-not-an-address"),
]



@pytest.mark.parametrize("code,expected", LEAK_CASES)
def test_the_address_walker_finds_what_it_should(tmp_path, monkeypatch, code, expected):
    """The walker itself, on one line each: it must catch the leaks the design review found."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    p = tmp_path / "m.py"
    p.write_text(code + "\n", encoding="utf-8")
    assert len(address_leaks(p)) == expected, address_leaks(p)


# ------------------------------------------------------------------------------ pure layers

def _modules_loaded(code: str) -> set[str]:
    """The top-level module names in sys.modules after running ``code`` in a fresh interpreter."""
    script = textwrap.dedent(code) + "\nimport sys\nprint('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return set(run.stdout.split())


ENGINE = ("projection", "contingency", "transfer", "safety_valve", "montecarlo", "history")


@pytest.mark.parametrize("code,banned", [
    pytest.param("".join(f"import hnb_xl.engine.{m}\n" for m in ENGINE), {"xlwings", "openpyxl", "matplotlib"},
                 id="engine-loads-no-excel-and-no-plotting"),
    pytest.param("import hnb_xl.tables.schema\n", {"xlwings", "openpyxl"}, id="table-schema-loads-no-excel"),
])
def test_pure_layers_load_no_excel_library(code, banned):
    loaded = _modules_loaded(code)
    assert not banned & loaded, f"importing loads {sorted(banned & loaded)}"


def _all_modules(root: Path = PACKAGE, package: str = "hnb_xl") -> list[str]:
    out = []
    for p in sorted(root.rglob("*.py")):
        parts = list(p.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append(".".join([package, *parts]))
    return out


def test_no_user_command_loads_formulas():
    """``formulas`` is the ``verify`` extra (tests and benchmarks): every command's --help and every
    module except ``workbook.verify.evaluate`` and ``recalc`` load without it."""
    from hnb_xl.cli import build_parser
    commands = sorted(build_parser()._subparsers._group_actions[0].choices)
    assert {"project", "build", "refresh", "check"} <= set(commands)
    modules = [m for m in _all_modules() if m not in ("hnb_xl.workbook.verify.evaluate",
                                                      "hnb_xl.workbook.verify.recalc")]
    code = f"""
        import contextlib, importlib, io
        from hnb_xl.cli import main
        for command in {commands!r}:
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    main([command, "--help"])
                except SystemExit as exc:
                    assert exc.code in (0, None), (command, exc.code)
        for name in {modules!r}:
            importlib.import_module(name)
    """
    assert "formulas" not in _modules_loaded(code)


# ------------------------------------------------------------------------------ import graph

def _module_name(path: Path, root: Path, package: str) -> tuple[str, bool]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join([package, *parts]), is_package


def import_graph(root: Path = PACKAGE, package: str = "hnb_xl") -> dict[str, set[str]]:
    """{module: the ``package`` modules it imports}, from the syntax tree of every file under
    ``root`` (function-level imports included, relative imports resolved). ``from X import name``
    points at ``X.name`` when that is a module, else at ``X`` (a package ``__init__`` that re-exports
    is a node with its own arrows)."""
    files = {}
    for p in sorted(root.rglob("*.py")):
        name, is_package = _module_name(p, root, package)
        files[name] = (p, is_package)
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, (p, is_package) in files.items():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        here = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here
                    for _ in range(node.level - 1):
                        base = base.rpartition(".")[0]
                    base = f"{base}.{node.module}" if node.module else base
                else:
                    base = node.module or ""
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            for t in targets:
                while t and t not in files and "." in t:      # import a.b.c where c is an attribute
                    t = t.rpartition(".")[0]
                if t in files and t != name:
                    graph[name].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path a -> ... -> a) through each strongly connected component of more than one
    module (Tarjan), in a stable order."""
    index, low, stack, on_stack, comps, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    for v in sorted(graph):
        if v not in index:
            strong(v)
    out = []
    for comp in sorted(comps):
        members, start = set(comp), comp[0]
        prev, queue, last = {start: None}, deque([start]), None
        while queue and last is None:                 # the shortest way from start back to start
            v = queue.popleft()
            for w in sorted(graph[v] & members):
                if w == start:
                    last = v
                    break
                if w not in prev:
                    prev[w] = v
                    queue.append(w)
        path, v = [], last
        while v is not None:
            path.append(v)
            v = prev[v]
        out.append(list(reversed(path)) + [start])
    return out


def test_no_import_cycle_in_hnb_xl():
    graph = import_graph()
    found = cycles(graph)
    assert not found, f"{len(found)} import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


@pytest.mark.parametrize("graph,expected", [
    pytest.param({"a": {"b"}, "b": {"a"}}, [["a", "b", "a"]], id="two-module-circle"),
    pytest.param({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c", "a"]], id="three-module-circle"),
    pytest.param({"a": {"b"}, "b": {"c"}, "c": set()}, [], id="a-chain-is-no-cycle"),
])
def test_the_cycle_finder(graph, expected):
    assert cycles(graph) == expected


def test_import_graph_sees_relative_function_level_and_reexports(tmp_path):
    pkg = tmp_path / "p"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from .one import f\n")          # a re-export
    (pkg / "sub" / "one.py").write_text("def f():\n    from .. import two\n")   # function-level, relative
    (pkg / "two.py").write_text("from p.sub import f\n")
    graph = import_graph(pkg, "p")
    assert graph["p.sub"] == {"p.sub.one"} and graph["p.sub.one"] == {"p.two"} and graph["p.two"] == {"p.sub"}
    assert cycles(graph) == [["p.sub", "p.sub.one", "p.two", "p.sub"]]


# ------------------------------------------------------------------------------ dead code and scaffolding

def _source_texts(root: Path = ROOT) -> dict[Path, str]:
    out = {}
    for folder in ("hnb_xl", "tests", "benchmarks", "scripts", "docs"):
        for p in sorted((root / folder).rglob("*")):
            if p.is_file() and p.suffix in (".py", ".md", ".bas", ".txt", ".toml", ".cfg"):
                out[p] = p.read_text(encoding="utf-8", errors="replace")
    for extra in ("README.md", "pyproject.toml", "setup.cfg"):
        if (root / extra).is_file():
            out[root / extra] = (root / extra).read_text(encoding="utf-8", errors="replace")
    return out


def never_used(root: Path = ROOT) -> list[str]:
    """Module-level functions, classes and constants of ``hnb_xl`` whose name is written nowhere but
    in their own definition (the package, tests, benchmarks, scripts and docs all searched)."""
    texts = _source_texts(root)
    counts: dict[str, int] = {}
    for text in texts.values():
        for word in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text):
            counts[word] = counts.get(word, 0) + 1
    out = []
    for p, text in texts.items():
        if p.suffix != ".py" or (root / "hnb_xl") not in p.parents:
            continue
        for node in ast.parse(text).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            else:
                names = []
            out += [f"{p.relative_to(root)}:{node.lineno}: {n}" for n in names
                    if not n.startswith("__") and counts.get(n, 0) <= 1]
    return out


def test_no_dead_code():
    """Nothing is defined and never used (design-review 4.3: fy_range, DRIVERS, ERROR_LITERALS,
    _is_cellish, styles.RATE/FLAG, CONF_INTERPRETER_WIN_CELL were)."""
    dead = never_used()
    assert not dead, f"{len(dead)} names defined and never used (delete them):\n" + "\n".join(dead)


def _catches_import_error(handler) -> bool:
    names = []
    t = handler.type
    for e in (t.elts if isinstance(t, ast.Tuple) else [t]):
        if isinstance(e, ast.Name):
            names.append(e.id)
    return t is None or bool({"ImportError", "ModuleNotFoundError", "Exception"} & set(names))


def guarded_own_imports(path: Path) -> list[str]:
    """``try: from . import x ... except ImportError`` around an import of ``hnb_xl`` itself: scaffolding
    from when modules arrived one by one; it turns a typo into a silent fallback."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            for inner in (n for stmt in node.body for n in ast.walk(stmt)):
                own = (isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("hnb_xl"))) \
                    or (isinstance(inner, ast.Import) and any(a.name.startswith("hnb_xl") for a in inner.names))
                if own:
                    out.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    return out


def test_no_import_of_hnb_xl_is_guarded_by_except_import_error():
    found = [hit for p in sorted(PACKAGE.rglob("*.py")) for hit in guarded_own_imports(p)]
    assert not found, "imports of hnb_xl modules inside try/except ImportError:\n" + "\n".join(found)


# ------------------------------------------------------------------------------ citations

# A citation of a file that is not in the repository: the project's research notes lived beside it.
DANGLING = re.compile(r"(?:^|[\s(`'\"])(?:\.\./)?shared/|research section|domain\.md|sources-and-formats\.md|"
                      r"tooling-facts\.md|design-review\.md|domain research")


def _cited_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    files += sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".md", ".csv", ".txt") and p.is_file())
    return files


def test_citations_resolve_inside_the_repository_or_to_a_public_document():
    """``shared/research/...`` is not in the repository: a reader must be able to open every source
    (a public document with title, publisher, date or URL, or a file in this repository)."""
    hits = []
    for p in _cited_files():
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if DANGLING.search(line):
                hits.append(f"{p.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    assert not hits, f"{len(hits)} citations of files outside the repository:\n" + "\n".join(hits)


@pytest.mark.parametrize("line,dangling", [
    pytest.param("Source: shared/research/domain.md section 4", True, id="shared-research-path"),
    pytest.param("(`shared/seeds/000_f99471c49f75da72.txt`)", True, id="shared-seed-path"),
    pytest.param("as the domain research section 2 says", True, id="research-section"),
    pytest.param("see domain.md section 2", True, id="bare-domain-md"),
    pytest.param("https://help.libreoffice.org/latest/en-US/text/shared/guide/start_parameters.html", False,
                 id="a-url-with-shared-in-it-is-fine"),
    pytest.param("hnb_xl/data/README.md explains the calibration", False, id="a-file-in-the-repository-is-fine"),
])
def test_the_citation_pattern(line, dangling):
    assert bool(DANGLING.search(line)) is dangling
