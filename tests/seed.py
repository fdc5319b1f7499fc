"""The seed's published tables, typed from shared/seeds/000_f99471c49f75da72.txt (July 2022).

These are the expectations of the tests; the product's bundled data is a separate copy.
Money here is in £000 and £m exactly as printed in the seed.
"""

# "Budget and spend has grown, but not as fast as EHCP numbers"
# year: (EHCPs, EHCP growth %, budget £000, budget growth %, expenditure £000, expenditure growth %,
#        in-year deficit £000, accumulated £000)
HISTORY_TABLE = {
    "2016-17": (3429, 7.0, 63001, 1.7, 65701, 3.9, 2700, 113),
    "2017-18": (3822, 11.5, 65006, 3.2, 69632, 6.0, 4626, 642),
    "2018-19": (4198, 9.8, 68360, 5.2, 77196, 10.9, 8836, 7286),
    "2019-20": (4690, 11.7, 71041, 3.9, 82619, 7.0, 11578, 16630),
    "2020-21": (5327, 13.6, 76627, 7.9, 89163, 7.9, 12536, 26829),
    "2021-22": (6100, 14.5, 85327, 11.4, 100178, 12.4, 14851, 39264),
}

# "Deficit growth projected": year: (accumulated £m, growth £m or None)
DEFICIT_GROWTH_PROJECTED = {
    "2018-19": (7.3, None),
    "2019-20": (16.6, 9.3),
    "2020-21": (26.8, 10.2),
    "2021-22": (39.3, 12.4),
    "2022-23": (49.1, 9.9),
    "2023-24": (62.3, 13.1),
    "2024-25": (77.1, 14.9),
    "2025-26": (93.2, 16.0),
}

# "Invest to Transform Funding": activity: (allocation £, committed spend to date £ or None for TBC)
INVEST_TO_TRANSFORM = {
    "SEND Transformation": (526045, 359227),
    "SEND Contingency": (450000, None),
    "SEMH Training": (75000, 30323),
    "SENCO Training": (75000, 6615),
    "New Provision": (975955, None),
}
BLOCK_TRANSFER_TOTAL = 2_102_000
BLOCK_TRANSFER_COMMITTED = 396_165
SEND_CONTINGENCY_POT = 450_000
