"""Pages of improvement actions: the action page (action.py), its status buttons and evidence
(workflow.py), raising and editing actions (editing.py), a lead's "My actions" and the quality
team's actions board with its CSV export (lists.py), and the CSV import of actions
(importing.py)."""

from app.actions.views import action, editing, importing, lists, workflow  # noqa: F401
