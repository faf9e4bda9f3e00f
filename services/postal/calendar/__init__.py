"""Postal's read copy of the calendar announcements: delivery windows are counted in working days
(J+n, Circular 17/2017 Art. 7(2)) on the same calendar as every other deadline."""
