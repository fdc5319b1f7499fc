"""Block transfer rules and the Invest to Transform tracker (seed and research figures)."""

import math

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
