"""CSV files that officials open in a spreadsheet."""

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> str:
    """`value` as a cell a spreadsheet shows as text, never runs (None: an empty cell)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text
