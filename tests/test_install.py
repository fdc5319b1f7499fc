"""Installed like a user installs it (issue 13 part 8).

A wheel is built once (``pip wheel . --no-deps``) and installed without its dependencies into a
fresh virtual environment that finds them in this environment's site-packages (a ``.pth`` line:
fast, no download); ``hnb-xl build`` then runs there from an empty folder, as on a council PC:

* the wheel holds every module and every bundled CSV; building it prints no setuptools warning;
* ``hnb-xl build`` without a path writes ``HNB_Model.xlsm`` (with its companion ``.py`` and the two
  ``.bas`` VBA modules the Cover tells the user to import) into the current folder and nothing into
  site-packages;
* ``scripts/setup.sh`` (what ``scripts/run.sh`` runs first) prints no setuptools warning, in a venv
  that already has the dependencies (hard links to this one's), by uv and by pip;

and, in this environment: ``refresh --output x.xlsx`` and unwritable output paths are one-line
errors with exit 2, every command's ``--help`` shows ``%`` (argparse needs ``%%`` in the source),
the README's claims about ``--format`` match the commands, and a bare ``hnb-xl --format json``
runs the report as JSON.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from hnb_xl.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
WARNING = re.compile(r"BuildBackendWarning|SetuptoolsWarning|SetuptoolsDeprecationWarning|InformationOnly|"
                     r"is absent from the .packages. configuration|Editable install")


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    """(the wheel, pip's output while building it)."""
    out = tmp_path_factory.mktemp("wheel")
    run = _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)])
    assert run.returncode == 0, run.stderr
    wheels = list(out.glob("hnb_xl-*.whl"))
    assert len(wheels) == 1
    return wheels[0], run.stdout + run.stderr


@pytest.fixture(scope="session")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed (no deps: they are found through a .pth line)."""
    env = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=False).create(env)
    py = env / "bin" / "python"
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    run = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel[0])])
    assert run.returncode == 0, run.stderr
    return env


def test_the_wheel_carries_every_module_and_bundled_file(wheel):
    names = set(zipfile.ZipFile(wheel[0]).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "hnb_xl").rglob("*.py")}
    data = {p.relative_to(ROOT).as_posix() for p in (ROOT / "hnb_xl" / "data").iterdir() if p.suffix in (".csv", ".md")}
    assert modules - names == set()
    assert data - names == set()
    assert {"hnb_xl/excel/vba.py", "hnb_xl/excel/spec.py"} <= names      # what build writes the .bas files from
    assert not [n for n in names if n.startswith(("tests/", "workbook/")) or "__pycache__" in n]


def test_building_the_wheel_prints_no_setuptools_warning(wheel):
    assert not WARNING.search(wheel[1]), wheel[1]


def test_installed_build_writes_into_the_current_folder_not_site_packages(installed, tmp_path):
    work = tmp_path / "my folder"
    work.mkdir()
    where = _run([str(installed / "bin" / "python"), "-c", "import hnb_xl; print(hnb_xl.__file__)"], cwd=work)
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout   # the installed copy, not the checkout
    before = {p for p in installed.rglob("*")}
    run = _run([str(installed / "bin" / "hnb-xl"), "build", "--build-time", "t"], cwd=work,
               env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert run.returncode == 0, run.stderr
    written = sorted(p.name for p in work.iterdir())
    assert written == sorted(["HNB_Model.xlsm", "HNB_Model.py", "HNB_Model.cells.txt", "xlwings_udfs.bas",
                              "hnb_register.bas"])
    assert (work / "xlwings_udfs.bas").read_bytes() == (ROOT / "workbook" / "xlwings_udfs.bas").read_bytes()
    assert (work / "hnb_register.bas").read_bytes() == (ROOT / "workbook" / "hnb_register.bas").read_bytes()
    new = {p for p in installed.rglob("*")} - before
    assert not new, sorted(map(str, new))[:5]
    assert oct((work / "HNB_Model.xlsm").stat().st_mode & 0o777) != oct(0o600)   # not mkstemp's private mode


def test_installed_vba_regeneration_writes_into_the_current_folder_not_site_packages(installed, tmp_path):
    """`python -m hnb_xl.excel.vba` without a folder, installed: the two .bas files land in the current
    folder, as build's do (the old default was a workbook/ folder next to the package: site-packages)."""
    work = tmp_path / "vba here"
    work.mkdir()
    before = {p for p in installed.rglob("*")}
    run = _run([str(installed / "bin" / "python"), "-m", "hnb_xl.excel.vba"], cwd=work,
               env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in work.iterdir()) == ["hnb_register.bas", "xlwings_udfs.bas"]
    assert (work / "xlwings_udfs.bas").read_bytes() == (ROOT / "workbook" / "xlwings_udfs.bas").read_bytes()
    new = {p for p in installed.rglob("*")} - before
    assert not new, sorted(map(str, new))[:5]


def _with_dependencies(purelib: Path) -> None:
    """Give a new venv's site-packages (``purelib``) this environment's installed packages, hnb_xl's
    own editable install and uv left out: hard links to the same files where the file system allows
    (pip then installs uv with its program, and uv finds every pinned package installed and installs
    only hnb_xl, as a second run of setup.sh does; a fresh venv's install, its 5,000 .pyc files
    compiled, is what CI's own run of scripts/test.sh does on every clean clone), else a ``.pth``
    line to this site-packages (pip finds the packages there; uv, which reads only the venv's own,
    installs them again from its cache)."""
    own = re.compile(r"^(__editable__.*hnb_xl.*|hnb_xl-.*[.]dist-info|uv|uv-.*[.]dist-info)$")
    source = Path(site.getsitepackages()[0])
    try:
        shutil.copytree(source, purelib, copy_function=os.link, dirs_exist_ok=True,
                        ignore=lambda folder, names: [n for n in names if Path(folder) == source and own.match(n)])
    except (OSError, shutil.Error):       # another file system: no hard links
        (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")


# uv's own settings (it reads no pip.conf): an index nothing answers on and no cache, as on a machine
# whose packages come only through a pip index or proxy configured for pip (no retries: uv would
# retry for about 7 s before giving up)
_UV_UNREACHABLE = {"UV_INDEX_URL": "http://127.0.0.1:9/simple", "UV_NO_CACHE": "1", "UV_HTTP_RETRIES": "0"}


@pytest.mark.slow
@pytest.mark.parametrize("env, by_pip", [
    pytest.param({}, False, id="installed-by-uv"),
    pytest.param(_UV_UNREACHABLE, True, id="uv-cannot-install-pip-does-in-one-line"),
])
def test_setup_script_prints_no_setuptools_warning(tmp_path, env, by_pip):
    """scripts/setup.sh (and so scripts/run.sh) in a copy of the project whose .venv has the
    dependencies (:func:`_with_dependencies`), and the same where uv cannot install: one line says
    so and pip installs."""
    copy = tmp_path / "hnb_xl_copy"
    for part in ("hnb_xl", "scripts"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, copy / name)
    venv.EnvBuilder(with_pip=False).create(copy / ".venv")     # pip too comes with the dependencies
    py = copy / ".venv" / "bin" / "python"
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    _with_dependencies(purelib)
    run = _run(["bash", str(copy / "scripts" / "setup.sh")], cwd=copy, env={**os.environ, **env})
    assert run.returncode == 0, run.stderr
    assert not WARNING.search(run.stdout + run.stderr), run.stdout + run.stderr
    assert (copy / ".venv" / "bin" / "hnb-xl").is_file()
    said = [line for line in run.stderr.splitlines() if "uv could not install" in line]
    assert len(said) == (1 if by_pip else 0), run.stderr
    if by_pip:
        assert said[0].startswith("scripts/setup.sh: uv could not install (") and said[0].endswith(
            "); installing with pip"), said


# ------------------------------------------------------------------------------------ one-line errors

def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


def test_refresh_to_an_xlsx_is_refused_in_one_line(tmp_path, capsys, sources):
    book = tmp_path / "HNB_Model.xlsm"
    shutil.copyfile(ROOT / "workbook" / "HNB_Model.xlsm", book)
    before = book.read_bytes()
    err = _one_line_error(capsys, ["refresh", str(book), str(sources), "--output", str(tmp_path / "x.xlsx")])
    assert "--output" in err and ".xlsm" in err
    assert not (tmp_path / "x.xlsx").exists() and book.read_bytes() == before


UNWRITABLE = [
    pytest.param(["build", "/proc/hnb_xl_test/x.xlsm"], id="build-into-proc"),
    pytest.param(["pack", "--output", "/proc/hnb_xl_test"], id="pack-into-proc"),
    pytest.param(["template", "/proc/hnb_xl_test"], id="template-into-proc"),
]


@pytest.mark.parametrize("argv", UNWRITABLE)
def test_an_unwritable_output_is_one_line_exit_2(capsys, argv):
    err = _one_line_error(capsys, argv)
    assert "/proc/hnb_xl_test" in err


# ------------------------------------------------------------------------------------ help and README

def _commands() -> dict:
    return build_parser()._subparsers._group_actions[0].choices


def _help(capsys, argv) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", [pytest.param(c, id=f"help-{c}") for c in ["", *_commands()]])
def test_help_shows_a_single_percent_sign(capsys, command):
    text = _help(capsys, [command, "--help"] if command else ["--help"])
    assert "%%" not in text


def test_help_percent_signs_where_the_source_doubles_them(capsys):
    """The plan's description says the assumed profile (40% first); the transfer's the 0.5% limit."""
    assert "40% first" in _help(capsys, ["plan", "--help"])
    assert "0.5%" in _help(capsys, ["transfer", "--help"])


def _format_choices() -> dict[str, set]:
    out = {}
    for name, parser in _commands().items():
        for action in parser._actions:
            if "--format" in action.option_strings:
                out[name] = set(action.choices)
    return out


def _readme_format_claims() -> dict[str, set]:
    """{command: formats} that README.md claims: a command-table row "`hnb-xl NAME ... --format X|Y`"
    and a sentence "`X|Y` for NAME, NAME ... and NAME"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    claims: dict[str, set] = {}
    for line in text.splitlines():
        m = re.match(r"\|\s*`hnb-xl (\w+)[^`]*--format ([a-z|]+)", line)
        if m:
            claims.setdefault(m.group(1), set()).update(m.group(2).split("|"))
    flat = " ".join(text.split())
    for formats, names in re.findall(r"`((?:table|csv|json)(?:\|(?:table|csv|json))+)` for ([a-z0-9, ]+?(?: and [a-z0-9]+)?)[;.(]", flat):
        for name in re.split(r",\s*|\s+and\s+", names.strip()):
            claims.setdefault(name, set()).update(formats.split("|"))
    return claims


def test_readme_format_claims_match_the_commands():
    claims, actual = _readme_format_claims(), _format_choices()
    assert claims, "README.md makes no --format claim this test can read"
    wrong = {name: sorted(formats - actual.get(name, set())) for name, formats in claims.items()
             if formats - actual.get(name, set())}
    assert not wrong, f"README claims formats the commands do not offer: {wrong}"
    assert set(actual) <= set(claims), f"commands with --format the README does not name: {set(actual) - set(claims)}"
    assert "Every subcommand has `--help` and `--format" not in " ".join(
        (ROOT / "README.md").read_text(encoding="utf-8").split())


def test_bare_format_json_runs_the_report_as_json(capsys):
    assert main(["--format", "json"]) == 0
    bare = capsys.readouterr().out
    assert main(["report", "--format", "json"]) == 0
    assert json.loads(bare) == json.loads(capsys.readouterr().out)


def test_in_a_checkout_build_without_a_path_still_rewrites_the_committed_workbook(tmp_path, monkeypatch):
    """The maintainers' `hnb-xl build` (docs/excel.md) is kept: from a source checkout, wherever the
    command runs, the default is the committed workbook/HNB_Model.xlsm, not the current folder."""
    from hnb_xl.workbook.build import default_output
    monkeypatch.chdir(tmp_path)
    assert default_output() == ROOT / "workbook" / "HNB_Model.xlsm"
