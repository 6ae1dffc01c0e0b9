"""How dates and times read in French (see config/formats/en/formats.py)."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D j N Y, H:i"
SHORT_DATE_FORMAT = "j N Y"
SHORT_DATETIME_FORMAT = "j N Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
WEEKDAY_DATE_FORMAT = "D j N Y"
MONTH_DAY_TIME_FORMAT = "j N, H:i"
FIRST_DAY_OF_WEEK = 1
