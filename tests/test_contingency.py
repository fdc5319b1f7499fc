"""SEND Contingency: shortfall, whole-pound largest-remainder allocation, autumn re-run."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnb_xl import bundled
from hnb_xl.engine.contingency import allocate, largest_remainder, rerun, rerun_totals, shortfall
from tests.seed import SEND_CONTINGENCY_POT


def schools(rows):
    return pd.DataFrame(rows, columns=["urn", "ehcp_count", "notional_sen"])


@pytest.mark.parametrize("ehcps,notional,cost,share,expected", [
    pytest.param(10, 50_000, 6000, 1.0, 10_000, id="ten-ehcps-over-notional"),
    pytest.param(5, 50_000, 6000, 1.0, 0, id="covered-by-notional"),
    pytest.param(10, 50_000, 6000, 0.5, 35_000, id="half-notional-available"),
    pytest.param(0, 0, 6000, 1.0, 0, id="no-ehcps"),
])
def test_shortfall(ehcps, notional, cost, share, expected):
    assert shortfall([ehcps], [notional], cost, share)[0] == expected


def test_pot_larger_than_shortfall_pays_shortfall_exactly():
    s = schools([[1, 10, 50_000], [2, 12, 60_000], [3, 1, 100_000]])  # shortfalls 10,000; 12,000; 0
    a = allocate(s, pot=450_000)
    assert list(a["allocation"]) == [10_000, 12_000, 0]


def test_pot_smaller_is_scaled_and_adds_up_exactly():
    # shortfalls 1, 1, 1 (£); pot £2 -> two schools get £1, tie broken by URN (smallest first)
    s = schools([[30, 1, 5_999], [10, 1, 5_999], [20, 1, 5_999]])
    a = allocate(s, pot=2)
    assert dict(zip(a["urn"], a["allocation"])) == {10: 1, 20: 1, 30: 0}


def test_demo_schools_pot_is_paid_exactly():
    a = allocate(bundled.demo_schools(), SEND_CONTINGENCY_POT)
    assert a["allocation"].sum() == SEND_CONTINGENCY_POT
    # independent arithmetic of the total shortfall
    d = bundled.demo_schools()
    total = sum(max(0, e * 6000 - n) for e, n in zip(d["ehcp_count"], d["notional_sen"]))
    assert a["shortfall"].sum() == total
    assert total > SEND_CONTINGENCY_POT  # the pot binds in the demo
    for s, al in zip(a["shortfall"], a["allocation"]):
        assert abs(al - s * SEND_CONTINGENCY_POT / total) < 1


school_rows = st.lists(
    st.tuples(st.integers(0, 80), st.integers(0, 600_000)), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(rows=school_rows, pot=st.integers(0, 2_000_000), cost=st.sampled_from([6000, 5000, 10000]),
       share=st.sampled_from([1.0, 0.75, 0.5]))
def test_allocation_invariants(rows, pot, cost, share):
    s = schools([[900001 + i, e, n] for i, (e, n) in enumerate(rows)])
    a = allocate(s, pot, cost, share)
    alloc = a["allocation"].to_numpy()
    sf = a["shortfall"].to_numpy()
    assert alloc.dtype.kind == "i"                          # whole pounds
    assert (alloc >= 0).all()                               # never negative
    assert alloc.sum() == int(np.floor(min(pot, sf.sum()) + 1e-9))  # adds up exactly
    assert (alloc <= np.floor(sf + 1e-9)).all()              # never above the shortfall
    assert (alloc[sf == 0] == 0).all()                      # no shortfall, nothing
    order = np.argsort(sf, kind="stable")                   # monotone in the shortfall
    for i, j in zip(order, order[1:]):
        if sf[j] > sf[i]:
            assert alloc[j] >= alloc[i]


@settings(max_examples=100, deadline=None)
@given(rows=school_rows, pot=st.integers(0, 1_000_000), seed=st.integers(0, 10_000))
def test_allocation_does_not_depend_on_row_order(rows, pot, seed):
    s = schools([[900001 + i, e, n] for i, (e, n) in enumerate(rows)])
    shuffled = s.sample(frac=1.0, random_state=seed)
    a = allocate(s, pot).set_index("urn")["allocation"]
    b = allocate(shuffled, pot).set_index("urn")["allocation"]
    assert a.sort_index().equals(b.sort_index())


def test_largest_remainder_classic_example():
    # 3 equal claims on £10: 3.33 each -> 4, 3, 3 with the tie to the first key
    assert list(largest_remainder([1, 1, 1], 10, keys=[1, 2, 3])) == [4, 3, 3]


@pytest.mark.parametrize("pot,cost,share,msg", [
    pytest.param(-1, 6000, 1.0, "pot", id="negative-pot"),
    pytest.param(10, -1, 1.0, "cost per EHCP", id="negative-cost"),
    pytest.param(10, 6000, 1.5, "share", id="share-above-one"),
])
def test_bad_parameters(pot, cost, share, msg):
    with pytest.raises(ValueError, match=msg):
        allocate(schools([[1, 1, 0]]), pot, cost, share)


def _autumn():
    may = schools([[1, 10, 50_000], [2, 12, 60_000], [3, 1, 100_000]])       # 10,000; 12,000; 0
    autumn = schools([[1, 9, 50_000], [2, 14, 60_000], [3, 20, 100_000], [4, 3, 0]])  # 4,000; 24,000; 20,000; 18,000
    paid = allocate(may, 450_000)
    return paid, autumn


def test_rerun_topped_up_in_full():
    paid, autumn = _autumn()
    r = rerun(paid, autumn, 450_000, rule="top_up").set_index("urn")
    assert list(r["entitlement"]) == [4_000, 24_000, 20_000, 18_000]
    assert list(r["paid"]) == [10_000, 12_000, 0, 0]
    assert list(r["adjustment"]) == [0, 12_000, 20_000, 18_000]   # school 1 keeps its £6,000 over-payment


def test_rerun_settles_within_a_pot_that_does_not_bind():
    """Pot £450,000, paid £22,000: the balance £428,000 covers every increase (£50,000)."""
    paid, autumn = _autumn()
    r = rerun(paid, autumn, 450_000).set_index("urn")
    assert list(r["adjustment"]) == [0, 12_000, 20_000, 18_000]


def test_rerun_settles_the_balance_of_a_binding_pot():
    """Pot £60,000. May pays 10,000 + 12,000 = 22,000. Autumn entitlements (shortfalls 4,000;
    24,000; 20,000; 18,000 = 66,000, scaled 60/66, largest remainder): 3,636; 21,818; 18,182;
    16,364. Owed: 0; 9,818; 18,182; 16,364 = 44,364, shared out of the balance 60,000 - 22,000 =
    38,000 (exact 8,409.61; 15,573.80; 14,016.59; the two pounds left go to the two largest
    remainders): 8,410; 15,574; 14,016."""
    paid, autumn = _autumn()
    paid = allocate(schools([[1, 10, 50_000], [2, 12, 60_000], [3, 1, 100_000]]), 60_000)
    r = rerun(paid, autumn, 60_000).set_index("urn")
    assert list(r["entitlement"]) == [3_636, 21_818, 18_182, 16_364]
    assert list(r["adjustment"]) == [0, 8_410, 15_574, 14_016]
    assert r["total_paid_after"].sum() == 60_000
    topped = rerun(paid, autumn, 60_000, rule="top_up")
    assert topped["total_paid_after"].sum() == 22_000 + 44_364     # the old default: £6,364 over the pot
    assert rerun_totals(topped, 60_000)["over_pot"] == 6_364
    assert rerun_totals(r.reset_index(), 60_000)["over_pot"] == 0


def _demo_autumn(up: int = 12, down: int = 10) -> pd.DataFrame:
    """The demo schools with the model review's re-run: three schools gain ``up`` EHCPs, one loses ``down``."""
    s = bundled.demo_schools()
    order = s.sort_values("urn")["urn"].tolist()
    s = s.set_index("urn")
    for urn in order[:3]:
        s.loc[urn, "ehcp_count"] += up
    s.loc[order[3], "ehcp_count"] = max(0, s.loc[order[3], "ehcp_count"] - down)
    return s.reset_index()


@pytest.mark.parametrize("rule,hold_back", [
    pytest.param("settle", 0.0, id="settle-default-pays-no-more-than-the-pot"),
    pytest.param("settle", 0.5, id="settle-after-half-held-back"),
    pytest.param("settle", 0.2, id="settle-after-a-fifth-held-back"),
    pytest.param("claw_back", 0.0, id="claw-back-ends-on-entitlement"),
])
def test_spring_plus_autumn_never_exceeds_the_pot_on_the_demo_schools(rule, hold_back):
    from hnb_xl import api
    r = api.contingency(rerun=_demo_autumn(), rule=rule, hold_back=hold_back)
    assert r["total_paid_after"].sum() <= SEND_CONTINGENCY_POT
    assert (r["adjustment"] >= 0).all() or rule == "claw_back"
    if hold_back:    # the share held back is what the autumn run can pay, and autumn needs rose: all of it
        assert r["paid"].sum() == SEND_CONTINGENCY_POT * (1 - hold_back)
        assert r["total_paid_after"].sum() == SEND_CONTINGENCY_POT


def test_topping_up_in_full_on_the_demo_schools_goes_over_the_pot():
    """The option that may exceed the pot does, on a re-run where needs rise (the audit's item 9)."""
    from hnb_xl import api
    r = api.contingency(rerun=_demo_autumn(), rule="top_up")
    assert r["total_paid_after"].sum() > SEND_CONTINGENCY_POT


def test_rerun_with_claw_back():
    paid, autumn = _autumn()
    r = rerun(paid, autumn, 450_000, claw_back=True).set_index("urn")
    assert list(r["adjustment"]) == [-6_000, 12_000, 20_000, 18_000]
    assert (r["total_paid_after"] == r["entitlement"]).all()


def test_rerun_school_missing_later_keeps_payment():
    paid, autumn = _autumn()
    r = rerun(paid, autumn[autumn["urn"] != 2], 450_000).set_index("urn")
    assert r.loc[2, "entitlement"] == 0 and r.loc[2, "adjustment"] == 0 and r.loc[2, "paid"] == 12_000


# --- the engine's one error type: which field is wrong (issue 11) -------------------------------------

@pytest.mark.parametrize("rules,field", [
    pytest.param((-1.0, 6000.0, 1.0), "pot", id="negative-pot"),
    pytest.param((float("nan"), 6000.0, 1.0), "pot", id="nan-pot"),
    pytest.param((450_000.0, -1.0, 1.0), "cost_per_ehcp", id="negative-cost"),
    pytest.param((450_000.0, 6000.0, float("nan")), "notional_share", id="nan-share-is-the-share-not-the-pot"),
    pytest.param((450_000.0, 6000.0, 1.5), "notional_share", id="share-above-one"),
])
def test_bad_rules_raise_a_model_error_naming_the_field(rules, field):
    from hnb_xl.errors import ModelError
    with pytest.raises(ModelError) as e:
        allocate(bundled.demo_schools(), *rules)
    assert e.value.field == field and e.value.table is None


@pytest.mark.parametrize("options,over", [
    pytest.param([], False, id="cli-default-settles-within-the-pot"),
    pytest.param(["--hold-back", "25%"], False, id="cli-hold-back-a-quarter"),
    pytest.param(["--claw-back"], False, id="cli-claw-back"),
    pytest.param(["--top-up-in-full"], True, id="cli-top-up-in-full-warns"),
])
def test_the_rerun_command_says_when_the_two_runs_exceed_the_pot(tmp_path, capsys, options, over):
    import json
    from hnb_xl.cli import main
    path = tmp_path / "autumn.csv"
    a = _demo_autumn().rename(columns={"urn": "URN", "school_name": "School name", "phase": "Phase",
                                       "pupils_on_roll": "Pupils on roll", "ehcp_count": "EHCPs",
                                       "notional_sen": "Notional SEN budget"})
    a.to_csv(path, index=False)
    assert main(["contingency", "--rerun", str(path), *options, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    total = sum(r["total_paid_after"] for r in json.loads(out))
    assert (total > SEND_CONTINGENCY_POT) is over
    assert ("warning" in err and f"from a £{SEND_CONTINGENCY_POT:,} pot" in err and "--top-up-in-full" in err) is over


@pytest.mark.parametrize("hold_back", [pytest.param(0.25, id="excel-quarter-held-back"),
                                       pytest.param("25%", id="excel-quarter-as-percent")])
def test_excel_rerun_with_a_share_held_back_equals_the_cli(tmp_path, capsys, hold_back):
    """HNB_CONTINGENCY_RERUN(first, later, , , , , 0.25) is `contingency --rerun FILE --hold-back 25%`:
    the first run pays £337,500 and the re-run shares the £112,500 left, within the £450,000 pot."""
    import json
    from hnb_xl import udfs
    from hnb_xl.cli import main
    later = _demo_autumn().rename(columns={"urn": "URN", "school_name": "School name", "phase": "Phase",
                                           "pupils_on_roll": "Pupils on roll", "ehcp_count": "EHCPs",
                                           "notional_sen": "Notional SEN budget"})
    path = tmp_path / "autumn.csv"
    later.to_csv(path, index=False)
    first = bundled.demo_schools().rename(columns={"urn": "URN", "school_name": "School name", "phase": "Phase",
                                                   "pupils_on_roll": "Pupils on roll", "ehcp_count": "EHCPs",
                                                   "notional_sen": "Notional SEN budget"})
    cells = lambda f: [list(f.columns)] + f.astype(object).values.tolist()   # noqa: E731
    got = udfs.HNB_CONTINGENCY_RERUN(cells(first), cells(later), None, None, None, None, hold_back)
    assert main(["contingency", "--rerun", str(path), "--hold-back", "25%", "--format", "json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    assert [r[3] for r in got[1:]] == [r["paid"] for r in expected]
    assert [r[4] for r in got[1:]] == [r["adjustment"] for r in expected]
    assert sum(r[3] for r in got[1:]) == SEND_CONTINGENCY_POT * 3 // 4
    assert sum(r[5] for r in got[1:]) == SEND_CONTINGENCY_POT
