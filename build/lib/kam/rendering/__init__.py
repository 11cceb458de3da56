"""Shared rendering: Jinja2 + WeasyPrint engine, locale formatting, translations, masking.

Every PDF kam writes (account and portfolio reviews, the data-quality report) renders
through this package; it imports nothing from the stages.
"""
