"""Views of the api area: the administrator's token pages (tokens.py) and the read API under
/api/v1 (organisations.py, records.py, actions.py, audit.py, document.py)."""

from app.api.views import actions, audit, document, organisations, records, tokens  # noqa: F401
