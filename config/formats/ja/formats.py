"""How dates and times read in Japanese (see config/formats/en/formats.py)."""

DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日(D) H:i"
SHORT_DATE_FORMAT = "Y/m/d"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
WEEKDAY_DATE_FORMAT = "Y年n月j日(D)"
MONTH_DAY_TIME_FORMAT = "n月j日 H:i"
FIRST_DAY_OF_WEEK = 0
