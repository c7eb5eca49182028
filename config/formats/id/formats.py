"""The office's one date and time format (settings.FORMAT_MODULE_PATH): 17-08-2018 and 09:27 on every page, table and document.

Django's own Indonesian formats write times as 9.27 and long dates with a
short month; what is not set here is Django's (numbers grouped 1.312).
"""
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
