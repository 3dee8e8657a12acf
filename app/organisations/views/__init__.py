"""Pages of the organisation tree: hospitals and their grids (hospitals.py), a trust's page
(trusts.py), and the quality team's pages to add and edit trusts, hospitals and departments
(manage.py)."""

from app.organisations.views import departments, hospitals, manage, trusts  # noqa: F401
