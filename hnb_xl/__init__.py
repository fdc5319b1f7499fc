"""hnb_xl: model the High Needs Block (HNB) of the Dedicated Schools Grant in Excel.

Money is in pounds (GBP) throughout the engine; rates are fractions (0.005 = 0.5%);
financial years are written the way the sector writes them ("2022-23").
"""

__version__ = "0.1.0"
