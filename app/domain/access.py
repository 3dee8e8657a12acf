"""Who may do what: the four roles and their permissions, and a lead's department scope.

Plain values in and out, so the rules read as a table and are tested as one.
"""

from __future__ import annotations

from collections.abc import Collection

ROLES: dict[str, str] = {
    "admin": "Administrator",
    "quality": "Quality team",
    "lead": "Department lead",
    "viewer": "Board viewer",
}

EVERYONE = frozenset(ROLES)

# permission -> the roles that hold it. "update_actions" is further limited, for a lead, to
# the actions of the lead's own departments (see may_update_action).
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": EVERYONE,
    "download_board_packs": EVERYONE,
    "issue_board_packs": frozenset({"quality"}),
    "manage_users": frozenset({"admin"}),
    "view_audit": frozenset({"admin", "quality"}),
    "record_inspections": frozenset({"quality"}),
    "manage_actions": frozenset({"quality"}),
    "update_actions": frozenset({"quality", "lead"}),
    "archive": frozenset({"quality", "admin"}),
    "import_data": frozenset({"quality", "admin"}),
    "export_data": frozenset({"quality", "admin"}),
    "manage_api_tokens": frozenset({"admin"}),
}


class UnknownPermission(ValueError):
    pass


def allowed(role: str | None, permission: str) -> bool:
    """Whether a role holds a permission; an unknown permission is a programming error."""
    if permission not in PERMISSIONS:
        raise UnknownPermission(permission)
    return role in PERMISSIONS[permission]


def may_update_action(
    role: str | None, department_ids: Collection[int], action_department_id: int | None
) -> bool:
    """Quality may update any action; a lead only those of a department in their scope
    (an action with no department belongs to no lead); admin and viewer never."""
    if role == "quality":
        return True
    if role == "lead":
        return action_department_id is not None and action_department_id in department_ids
    return False
