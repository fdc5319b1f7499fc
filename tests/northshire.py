"""Northshire: a made-up authority with its own seven years of history, for the tests that run the
product as another council would (issue 13: "a workbook for a different authority").

Every figure here is invented for the tests (no real council has LA code 899: the SEN2 2025
release's 158 authorities use none of 897-899). Its years (2017-18 to 2023-24 outturn, 2024-25 to
2027-28 assumptions) and its name differ from the bundled Cambridgeshire data on purpose, so a
literal "Cambridgeshire", "2016-17 to 2021-22" or "15 July 2022" in an output is caught.

:func:`frames` is the authority's inputs as the template writer takes them, :func:`plan_frames` its
own safety valve agreement, workstreams and settlement terms; ``OUTTURN_2024_25`` the year of
outturn a term adds (tests/test_term.py types the term's changes into the CSVs as a modeller would).
"""

from __future__ import annotations

import pandas as pd

from tests.support import bundled_frames

NAME, CODE = "Northshire", 899
FIRST_YEAR, LAST_YEAR = "2017-18", "2023-24"
FORBIDDEN = ("Cambridgeshire", "2016-17 to 2021-22", "15 July 2022")
DFE_TOTAL, AGREEMENT_BASIS = 20_000_000, "Northshire agreement (test data)"

# financial year, EHCPs (January census), HNB budget £, HNB expenditure £, accumulated DSG deficit £
HISTORY = [
    ("2017-18", 2100, 38_000_000, 39_100_000, 1_100_000),
    ("2018-19", 2290, 39_500_000, 42_300_000, 3_900_000),
    ("2019-20", 2480, 41_800_000, 45_900_000, 8_000_000),
    ("2020-21", 2700, 45_600_000, 49_800_000, 12_200_000),
    ("2021-22", 2950, 50_100_000, 54_700_000, 16_800_000),
    ("2022-23", 3210, 55_300_000, 60_200_000, 21_700_000),
    ("2023-24", 3480, 59_900_000, 66_100_000, 27_900_000),
]
OUTTURN_2024_25 = ("2024-25", 3760, 63_400_000, 71_500_000, 36_000_000)
# financial year, EHCP growth, cost per EHCP growth, funding growth, block transfer £, other DSG movements £
ASSUMPTIONS = [
    ("2024-25", 0.08, 0.02, 0.05, 0, -500_000),
    ("2025-26", 0.07, 0.02, 0.04, 0, -500_000),
    ("2026-27", 0.06, 0.02, 0.03, 0, -500_000),
    ("2027-28", 0.05, 0.02, 0.03, 0, -500_000),
]


def _history(rows) -> pd.DataFrame:
    return pd.DataFrame([{"financial_year": y, "ehcp_count": e, "hnb_budget": float(b), "hnb_expenditure": float(x),
                          "accumulated_deficit": float(a), "basis": "Northshire outturn (test data)"}
                         for y, e, b, x, a in rows])


def _assumptions(rows) -> pd.DataFrame:
    return pd.DataFrame([{"financial_year": y, "ehcp_growth": g, "cost_per_ehcp_growth": c, "funding_growth": f,
                          "block_transfer": float(t), "other_dsg_movements": float(o),
                          "basis": "Northshire medium-term plan (test data)"} for y, g, c, f, t, o in rows])


def _parameters(name: str, code: int) -> pd.DataFrame:
    p = bundled_frames()["parameters"].copy()
    for key, value in (("authority_name", name), ("authority_code", code)):
        if key in set(p["name"]):
            p["value"] = p["value"].astype(object)
            p.loc[p["name"] == key, "value"] = value
            p.loc[p["name"] == key, "source"] = "Northshire (test data)"
        else:
            p = pd.concat([p, pd.DataFrame([{"name": key, "value": value, "source": "Northshire (test data)"}])],
                          ignore_index=True)
    return p


def frames() -> dict[str, pd.DataFrame]:
    """Northshire's inputs, by table key. Its schools are the bundled synthetic schools renamed
    (URNs 910001...), its Invest to Transform the bundled one, funded by a 2022-23 block transfer of
    the same total (the Checks sheet requires the two to agree) from a £310m schools block."""
    f = bundled_frames()
    itt = f["invest_to_transform"]
    schools = f["schools"].copy()
    schools["urn"] = schools["urn"] + 10_000
    schools["school_name"] = schools["school_name"].str.replace("synthetic", "Northshire synthetic", regex=False)
    return {
        "schools": schools,
        "history": _history(HISTORY),
        "assumptions": _assumptions(ASSUMPTIONS),
        "block_transfer": pd.DataFrame([{"financial_year": "2022-23", "transfer_amount": float(itt["allocation"].sum()),
                                         "schools_block": 310_000_000.0, "published_committed_total": None,
                                         "note": "Northshire Schools Forum, January 2023 (test data)"}]),
        "parameters": _parameters(NAME, CODE),
        "invest_to_transform": itt,
    }



def plan_frames() -> dict[str, pd.DataFrame]:
    """Northshire's own safety valve: a £20m agreement from 2024-25 in four instalments, 25% first,
    balance by 2027-28; two workstreams (one starting in 2024-25, which a term makes an outturn
    year: its ramp must go on from its start, engine.safety_valve.Workstream.effect), one on the DSG
    and the transport one on the General Fund (reported, not off the DSG deficit); the bundled
    settlement terms with Northshire's own source text."""
    from hnb_xl import api
    from hnb_xl.engine.safety_valve import CASH
    terms = [("dfe_total", DFE_TOTAL, "£"), ("first_year", "2024-25", "financial year"),
             ("target_balance_year", "2027-28", "financial year"), ("instalments", 4, "count"),
             ("first_share", 0.25, "fraction"), ("council_contribution", 0, "£ a year")]
    agreement = pd.DataFrame([{"parameter": p, "value": v, "unit": u, "basis": AGREEMENT_BASIS}
                              for p, v, u in terms])
    workstreams = pd.DataFrame([
        {"name": "Northshire early help", "lever": "ehcp_growth_reduction", "amount": 0.2, "start_year": "2024-25",
         "ramp_years": 2, "delivery_confidence": 0.9, "budget_area": "EHCP demand", "funding": "DSG",
         "basis": "Northshire (test data)"},
        {"name": "Northshire transport", "lever": CASH, "amount": 800_000.0, "start_year": "2025-26",
         "ramp_years": 1, "delivery_confidence": 1.0, "budget_area": "transport", "funding": "General Fund",
         "basis": "Northshire (test data): home-to-school transport, a General Fund budget"}])
    settlement = pd.DataFrame(api.settlement_inputs())
    settlement["source"] = "Northshire settlement terms (test data)"
    return {"agreement": agreement, "workstreams": workstreams, "settlement": settlement}


# Northshire's own assurance record (issue 16: a council's record in the workbook), by source table:
# two roles, three assumptions, one decision, one validation check, a statement and a limitation


def assurance_frames() -> dict[str, pd.DataFrame]:
    """Northshire's own assurance record (test data): what a council gives ``build --sources`` and
    ``refresh`` as its assurance_<part>.csv files."""
    return {
        "assurance_roles": pd.DataFrame([
            {"role": "Commissioner", "holder": "Northshire Director of Education (test data)",
             "responsibility": "Asks for the model and accepts its use"},
            {"role": "Assurer", "holder": "Northshire Head of Finance (test data)",
             "responsibility": "Checks the model is fit for its use"}]),
        "assurance_assumptions": pd.DataFrame([
            {"id": "N1", "assumption": "Northshire EHCP growth 2024-25", "value": "8% a year",
             "owner": "Northshire SEND lead", "date": "2024-03", "rating": "amber",
             "source": "Northshire medium-term plan (test data)", "sensitivity": None},
            {"id": "N2", "assumption": "Northshire EHCP growth 2025-26", "value": "7% a year",
             "owner": "Northshire SEND lead", "date": "2024-03", "rating": "red",
             "source": "Northshire medium-term plan (test data)", "sensitivity": None},
            {"id": "N3", "assumption": "Northshire transport saving", "value": "£800,000 a year",
             "owner": "Northshire transport manager", "date": "2024-04", "rating": "green",
             "source": "Northshire transport review (test data)", "sensitivity": None}]),
        "assurance_decisions": pd.DataFrame([
            {"id": "ND1", "decision": "Northshire holds the last year's drivers flat after 2027-28",
             "alternatives": "Trend", "reason": "No plan beyond 2027-28", "owner": "Northshire Head of Finance",
             "date": "2024-04", "source": "Northshire Schools Forum (test data)"}]),
        "assurance_validation": pd.DataFrame([
            {"id": "NV1", "check": "Northshire accumulated deficit at 31 March 2024", "published": 27_900_000.0,
             "unit": "£", "source": "Northshire statement of accounts 2023-24 (test data)",
             "measure": "projected:accumulated_deficit:2023-24"}]),
        "assurance_statement": pd.DataFrame([
            {"kind": "statement", "text": "Northshire's model is fit for the Schools Forum's use (test data)."},
            {"kind": "limitation", "text": "Northshire's growth rates are its own estimates (test data)."}]),
    }
