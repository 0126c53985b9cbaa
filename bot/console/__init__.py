"""The staff console: conversations the assistant had, for support staff and trainers.

Flask blueprints, one per concern (``*_views.py``), mounted at /console by bot/ops/pages.py's
``create_app`` (served by waitress); what they share (databases, sign-in guard, security
headers, error pages) is shared.py.  They read the tracker store's events
(TRACKER_STORE_URL) and the project's tables (DATABASE_URL).
"""
