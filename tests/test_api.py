"""The use-case layer (hnb_xl/api.py): plain values in, frames out, and the ONE translation of the
engine's ModelError into the user's location (file/row/column, option, or function argument).

Expected figures come from the seed (tests/seed.py) or independent arithmetic."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from hnb_xl import api, bundled
from hnb_xl.cli import main
from hnb_xl.errors import HnbInputError, ModelError
from tests.seed import DEFICIT_GROWTH_PROJECTED

ROOT = Path(__file__).resolve().parents[1]
CLI = {"pot": "--pot", "notional_share": "--notional-share", "instalments": "--instalments"}


# ------------------------------------------------------------------------------------- the translation

@pytest.mark.parametrize("error,tables,labels,expected", [
    pytest.param(ModelError("bad", field="notional_share"), {}, CLI, "--notional-share: bad",
                 id="scalar-field-names-the-cli-option"),
    pytest.param(ModelError("bad", field="notional_share"), {}, {"notional_share": "notional_share"},
                 "notional_share: bad", id="scalar-field-names-the-excel-argument"),
    pytest.param(ModelError("bad", field="pot"), {}, None, "pot: bad", id="scalar-field-without-label"),
    pytest.param(ModelError("bad", field="financial_year", table="assumptions", index=2),
                 {"assumptions": api.Located(pd.DataFrame(), "a.csv", [2, 3, 5])}, CLI,
                 "a.csv, row 5, column 'Financial year': bad", id="column-field-names-file-row-header"),
    pytest.param(ModelError("bad", field="amount", table="workstreams", index=0),
                 {"workstreams": api.Located(pd.DataFrame(), "ws.csv")}, CLI,
                 "ws.csv, row 2, column 'Amount': bad", id="rows-counted-from-the-header-as-row-1"),
    pytest.param(ModelError("bad", field="amount", table="workstreams", index=0), {}, None,
                 "workstreams, column 'amount': bad", id="table-not-given-names-the-table"),
])
def test_translation_names_the_users_location(error, tables, labels, expected):
    assert api.translate(error, tables, labels).describe() == expected


def test_contingency_notional_share_nan_names_its_own_option():
    """The bug: `contingency --notional-share nan` blamed --pot. The rule refuses NaN and names
    the option the value came from."""
    with pytest.raises(HnbInputError) as e:
        api.contingency(notional_share=float("nan"), labels=CLI)
    assert e.value.source == "--notional-share" and "finite" in e.value.message


def test_cli_notional_share_nan_names_notional_share(capsys):
    with pytest.raises(SystemExit) as e:
        main(["contingency", "--notional-share", "nan"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "--notional-share" in err and "--pot" not in err and "Traceback" not in err


def test_cli_instalments_zero_names_the_option_not_a_table(capsys):
    """The bug: `plan --instalments 0` named a table "agreement" the user never gave."""
    assert main(["plan", "--instalments", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hnb-xl: error: --instalments: ") and "agreement" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv,option", [
    pytest.param(["transfer", "--schools-block", "0"], "--schools-block", id="transfer-zero-block"),
    pytest.param(["plan", "--first-year", "2010-11"], "--first-year", id="first-instalment-before-the-model"),
    pytest.param(["pack", "--paths", "0", "--output", "{tmp}"], "--paths", id="pack-zero-paths"),
])
def test_engine_errors_name_the_option_given(capsys, tmp_path, argv, option):
    assert main([a.replace("{tmp}", str(tmp_path / "pack")) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hnb-xl: error: {option}: ") and "Traceback" not in err


def test_agreement_term_in_a_file_names_its_row(tmp_path):
    terms = bundled.plan_agreement_table()
    terms.loc[terms["parameter"] == "instalments", "value"] = "0"
    path = tmp_path / "agreement.csv"
    terms.to_csv(path, index=False)
    with pytest.raises(HnbInputError) as e:
        api.agreement(path)
    row = 2 + list(terms["parameter"]).index("instalments")
    assert (e.value.source, e.value.row, e.value.column) == (str(path), row, "Value")


def test_a_hand_made_frame_is_validated_like_a_file():
    schools = bundled.demo_schools()
    schools.attrs = {}
    schools.loc[4, "ehcp_count"] = -1
    with pytest.raises(HnbInputError) as e:
        api.contingency(schools, labels={"schools": "my schools"})
    assert (e.value.source, e.value.row) == ("my schools", 6)     # the 5th school: row 6 under a header


# ------------------------------------------------------------------------------------- the use cases

@pytest.mark.parametrize("year", ["2022-23", "2023-24", "2024-25", "2025-26"], ids=lambda y: f"seed-{y}")
def test_projection_on_the_bundled_data_is_the_seed_forecast(year):
    p = api.projection().set_index("financial_year")
    assert round(p.loc[year, "accumulated_deficit"] / 1e6, 1) == DEFICIT_GROWTH_PROJECTED[year][0]


def test_contingency_shares_the_450k_pot():
    a = api.contingency()
    assert a["allocation"].sum() == 450_000 and (a["allocation"] <= a["shortfall"]).all()


def test_transfer_default_is_the_2022_23_transfer_whose_block_is_not_known():
    with pytest.raises(HnbInputError, match="2022-23 schools block is not known"):
        api.transfer()


def test_plan_with_terms_is_the_cli_plan(capsys):
    got = api.plan(terms={"dfe_total": 27e6, "first_share": 0.4, "instalments": 5})
    assert got.frame["dfe_contribution"].tolist()[:5] == pytest.approx([10.8e6] + [4.05e6] * 4)  # Slough profile
    assert main(["plan", "--dfe-total", "27m", "--format", "json"]) == 0
    import json
    doc = json.loads(capsys.readouterr().out)
    assert [r["dfe_contribution"] for r in doc["plan"]] == pytest.approx(got.frame["dfe_contribution"].tolist())


def test_report_sections_are_the_report_tables():
    s = api.report_sections(to_year=2030)
    assert list(s) == ["history", "projection", "contingency", "transfer", "invest_to_transform"]
    assert s["projection"]["financial_year"].iloc[-1] == "2030-31"
    assert s["invest_to_transform"]["allocation"].sum() == 2_102_000


# ------------------------------------------------------------------------------------- the contract

def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            out.add(("." * node.level) + (node.module or ""))
            out.update(f"{'.' * node.level}{node.module or ''}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "hnb_xl" / "engine").glob("*.py")), ids=lambda p: p.name)
def test_engine_raises_only_model_error_and_imports_no_ui(path):
    text = path.read_text(encoding="utf-8")
    assert "HnbInputError" not in text
    assert not any(m.split(".")[-1] in ("tables", "commands", "udfs", "api", "excel", "workbook", "sources")
                   or ".tables" in m or ".excel" in m for m in _imports(path))
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name):
            assert node.exc.func.id in ("ModelError", "AssertionError"), f"{path.name}: raises {node.exc.func.id}"


@pytest.mark.parametrize("path", sorted((ROOT / "hnb_xl" / "commands").glob("*.py")) + [ROOT / "hnb_xl" / "udfs.py"],
                         ids=lambda p: p.name)
def test_no_guessed_locations_left(path):
    """The seven `except ValueError: raise HnbInputError(str(exc), source=<guess>)` sites are gone,
    and no command builds an argparse.Namespace for another."""
    text = path.read_text(encoding="utf-8")
    assert "HnbInputError(str(exc)" not in text and "argparse.Namespace" not in text
    assert 'getattr(args, "' not in text
