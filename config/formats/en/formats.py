"""How dates and times read in English (day before month, 24-hour clock, as the partnership
writes them). Templates name these formats (`|date:"SHORT_DATETIME_FORMAT"`), never a pattern,
so each language reads its own; every language module defines the same names, including the
two of Enclave's own (WEEKDAY_DATE_FORMAT, MONTH_DAY_TIME_FORMAT)."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "D j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
WEEKDAY_DATE_FORMAT = "D j M Y"
MONTH_DAY_TIME_FORMAT = "j M, H:i"
FIRST_DAY_OF_WEEK = 1
