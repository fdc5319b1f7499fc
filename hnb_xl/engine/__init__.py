"""The pure calculation engine: pandas/numpy only, no files, no Excel, no printing.

Money is in pounds, rates are fractions, years are financial-year labels ("2022-23").
"""
