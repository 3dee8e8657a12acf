"""Pages of improvement actions: the action page and its workflow (action.py), a lead's
"My actions" and the quality team's actions board with its CSV export (lists.py), and the CSV
import of actions (importing.py)."""

from app.actions.views import action, importing, lists  # noqa: F401
