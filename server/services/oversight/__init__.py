"""Oversight: report figures and their daily roll-ups, exports, the monthly assessment (量化考核) and
通报, the live monitor and its alerts."""
