"""Block transfer rules and the Invest to Transform tracker (seed and research figures)."""

import math

import pandas as pd
import pytest

from hnb_xl import bundled
from hnb_xl.engine.transfer import (ABOVE, WITHIN, implied_schools_block, invest_to_transform, tracker_totals,
                                    transfer)
from tests.seed import BLOCK_TRANSFER_COMMITTED, BLOCK_TRANSFER_TOTAL, INVEST_TO_TRANSFORM


@pytest.mark.parametrize("block,rate,amount,needs", [
    pytest.param(368_200_000, 0.005, 1_841_000, False, id="cambs-2020-21-half-percent"),
    pytest.param(368_200_000, 0.018, 6_627_600, True, id="cambs-2020-21-requested-1.8pc"),
    pytest.param(368_200_000, 0.0016, 589_120, False, id="small-transfer"),
])
def test_rate_to_amount(block, rate, amount, needs):
    t = transfer(block, rate=rate)
    assert t.amount == pytest.approx(amount, abs=0.005)
    assert t.needs_disapplication is needs
    assert t.verdict == (ABOVE if needs else WITHIN)


def test_amount_to_rate_and_per_pupil():
    t = transfer(420_400_000, amount=2_102_000, pupils=80_000)
    assert t.rate == pytest.approx(0.005)
    assert t.needs_disapplication is False          # exactly at the limit is within it
    assert t.per_pupil == pytest.approx(2_102_000 / 80_000)


def test_implied_schools_block_for_2022_23_transfer():
    assert implied_schools_block(BLOCK_TRANSFER_TOTAL) == pytest.approx(420_400_000)


def test_one_pound_over_the_limit_needs_disapplication():
    assert transfer(420_400_000, amount=2_102_001).needs_disapplication


@pytest.mark.parametrize("kwargs,msg", [
    pytest.param({"rate": 0.01, "amount": 5}, "either", id="both-rate-and-amount"),
    pytest.param({}, "either", id="neither"),
    pytest.param({"rate": -0.01}, "rate", id="negative-rate"),
])
def test_bad_transfer_arguments(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        transfer(368_200_000, **kwargs)


def test_zero_schools_block_rejected():
    with pytest.raises(ValueError, match="schools block"):
        transfer(0, rate=0.005)


def test_invest_to_transform_matches_seed():
    tracker = invest_to_transform(bundled.invest_to_transform(), bundled.transfer_2022_23())
    by = tracker.set_index("activity")
    for activity, (allocation, committed) in INVEST_TO_TRANSFORM.items():
        assert by.loc[activity, "allocation"] == allocation
        if committed is None:       # "TBC" is not known, not zero
            assert math.isnan(by.loc[activity, "committed_spend"]) and not by.loc[activity, "committed_known"]
        else:
            assert by.loc[activity, "committed_spend"] == committed
            assert by.loc[activity, "remaining"] == allocation - committed
    totals = tracker_totals(tracker)
    assert totals["allocation"] == BLOCK_TRANSFER_TOTAL == sum(a for a, _ in INVEST_TO_TRANSFORM.values())
    assert totals["committed_spend"] == BLOCK_TRANSFER_COMMITTED
    assert totals["tbc_lines"] == 2


def test_allocations_must_add_up_to_the_transfer():
    with pytest.raises(ValueError, match="add up"):
        invest_to_transform(bundled.invest_to_transform(), 2_000_000)


# --- the engine's one error type: which field is wrong (issue 11) -------------------------------------

@pytest.mark.parametrize("kwargs,field", [
    pytest.param({"schools_block": 0.0, "rate": 0.005}, "schools_block", id="zero-block"),
    pytest.param({"schools_block": 368.2e6, "rate": -0.01}, "rate", id="negative-rate"),
    pytest.param({"schools_block": 368.2e6, "amount": float("inf")}, "amount", id="infinite-amount"),
    pytest.param({"schools_block": 368.2e6, "amount": 1.0, "pupils": 0.0}, "pupils", id="zero-pupils"),
])
def test_bad_transfer_raises_a_model_error_naming_the_field(kwargs, field):
    from hnb_xl.errors import ModelError
    block = kwargs.pop("schools_block")
    with pytest.raises(ModelError) as e:
        transfer(block, **kwargs)
    assert e.value.field == field


def test_allocations_not_adding_up_name_the_allocation_column():
    from hnb_xl.errors import ModelError
    with pytest.raises(ModelError) as e:
        invest_to_transform(bundled.invest_to_transform(), 1_000_000)
    assert (e.value.table, e.value.field) == ("invest_to_transform", "allocation")


# --- a transfer against the schools block of the SAME year (issue 13 part 7) ---------------------------

def _cli(capsys, *argv):
    from hnb_xl.cli import main
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_bare_transfer_says_the_years_block_is_not_known_instead_of_mixing_years(capsys):
    """The 2022-23 £2,102,000 is not compared with the 2020-21 £368.2m block (0.57%, "disapplication")."""
    code, out, err = _cli(capsys, "transfer")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "2022-23 schools block is not known" in err and "--schools-block" in err and "Schools block" in err
    assert "0.57%" not in err and "368" not in err


@pytest.mark.parametrize("argv,year,block,amount,needs", [
    pytest.param(["--schools-block", "420.4m"], "2022-23", 420_400_000, 2_102_000, False,
                 id="2022-23-transfer-on-a-given-2022-23-block"),
    pytest.param(["--year", "2020-21", "--rate", "1.8%"], "2020-21", 368_200_000, 6_627_600, True,
                 id="2020-21-request-on-the-2020-21-block"),
    pytest.param(["--year", "2020/21", "--rate", "0.5%"], "2020-21", 368_200_000, 1_841_000, False,
                 id="2020-21-limit"),
])
def test_transfer_takes_the_block_of_its_own_year(capsys, argv, year, block, amount, needs):
    import json
    code, out, _ = _cli(capsys, "transfer", *argv, "--format", "json")
    t = json.loads(out)
    assert code == 0 and t["financial_year"] == year and t["schools_block"] == block
    assert t["amount"] == pytest.approx(amount) and t["needs_disapplication"] is needs


def test_a_year_without_a_transfer_asks_for_a_rate_or_amount(capsys):
    code, _, err = _cli(capsys, "transfer", "--year", "2020-21")
    assert code == 2 and "no 2020-21 transfer" in err and "--rate" in err and "--amount" in err


def test_a_block_transfer_file_with_the_years_block_gives_its_rate(tmp_path, capsys):
    import json
    path = tmp_path / "bt.csv"
    path.write_text("Financial year,Transfer amount,Schools block\n2022-23,2102000,419000000\n", encoding="utf-8")
    code, out, _ = _cli(capsys, "transfer", "--block-transfer", str(path), "--format", "json")
    t = json.loads(out)
    assert code == 0 and t["rate"] == pytest.approx(2_102_000 / 419_000_000) and t["needs_disapplication"]


def test_by_year_compares_each_transfer_with_its_own_years_block():
    from hnb_xl.engine.transfer import by_year
    t = by_year(bundled.block_transfers()).set_index("financial_year")
    assert t.loc["2022-23", "transfer_amount"] == BLOCK_TRANSFER_TOTAL
    assert pd.isna(t.loc["2022-23", "rate"]) and t.loc["2022-23", "needs_disapplication"] is None
    assert t.loc["2022-23", "schools_block_at_limit"] == pytest.approx(420_400_000)     # 2,102,000 / 0.005
    assert pd.isna(t.loc["2020-21", "transfer_amount"]) and pd.isna(t.loc["2020-21", "rate"])


def test_report_shows_the_actual_2022_23_transfer_not_two_tautologies(capsys):
    code, out, _ = _cli(capsys, "report")
    section = out[out.index("5. Schools Block"):out.index("6. Invest")]
    assert code == 0 and "£2,102,000" in section and "£420,400,000" in section
    assert "0.5% of the" not in section and "1.8% of the" not in section    # the two tautologies are gone


def test_a_block_transfer_file_with_a_year_twice_is_refused(tmp_path, capsys):
    path = tmp_path / "bt.csv"
    path.write_text("Financial year,Transfer amount,Schools block\n2022-23,2102000,419000000\n2022-23,1,1\n",
                    encoding="utf-8")
    code, _, err = _cli(capsys, "transfer", "--block-transfer", str(path))
    assert code == 2 and f"{path}, row 3, column 'Financial year': duplicate Financial year 2022-23" in err
