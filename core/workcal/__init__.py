"""The working-day calendar: public holidays and 调休 of the State Council's yearly notices.

``arith`` holds the pure arithmetic (a day is a working day; N working days after a date),
``schedule`` parses and checks a schedule file, ``service`` merges the schedules shipped in
``data/cn_holidays.csv`` with the years added later (tables of ``models``), ``cli`` and ``views``
are the ``flask calendar`` commands and the system administrator's page.
"""
