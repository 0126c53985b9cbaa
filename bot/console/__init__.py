"""The staff console: conversations the assistant had, for support staff and trainers.

A Flask blueprint mounted at /console by bot/ops/pages.py (served by waitress), reading the
tracker store's events (TRACKER_STORE_URL) and the project's tables (DATABASE_URL).
"""
