"""The role table: who holds which permission, and a lead's department scope."""

from __future__ import annotations

import pytest

from app.domain.access import PERMISSIONS, ROLES, UnknownPermission, allowed, may_update_action

# permission -> (admin, quality, lead, viewer), as the brief words each role.
EXPECTED = {
    "read": (True, True, True, True),
    "download_board_packs": (True, True, True, True),
    "issue_board_packs": (False, True, False, False),
    "manage_users": (True, False, False, False),
    "view_audit": (True, True, False, False),
    "record_inspections": (False, True, False, False),
    "manage_actions": (False, True, False, False),
    "update_actions": (False, True, True, False),
    "archive": (True, True, False, False),
    "import_data": (True, True, False, False),
    "export_data": (True, True, False, False),
    "manage_api_tokens": (True, False, False, False),
}
ORDER = ("admin", "quality", "lead", "viewer")


def test_the_table_covers_every_permission_and_role():
    assert set(EXPECTED) == set(PERMISSIONS)
    assert set(ORDER) == set(ROLES)


@pytest.mark.parametrize(
    "permission,role,expected",
    [(p, r, flags[i]) for p, flags in EXPECTED.items() for i, r in enumerate(ORDER)],
)
def test_role_permissions(permission, role, expected):
    assert allowed(role, permission) is expected


@pytest.mark.parametrize("role", [None, "", "superuser", "Admin"])
def test_no_role_or_an_unknown_one_holds_nothing(role):
    assert not any(allowed(role, permission) for permission in PERMISSIONS)


def test_an_unknown_permission_is_a_programming_error():
    with pytest.raises(UnknownPermission):
        allowed("admin", "delete_everything")


@pytest.mark.parametrize(
    "role,departments,action_department,expected",
    [
        ("quality", set(), 7, True),
        ("quality", set(), None, True),
        ("lead", {7}, 7, True),
        ("lead", {7, 8}, 8, True),
        ("lead", {7}, 9, False),
        ("lead", set(), 7, False),
        ("lead", {7}, None, False),  # an action with no department belongs to no lead
        ("admin", {7}, 7, False),
        ("viewer", {7}, 7, False),
        (None, {7}, 7, False),
    ],
)
def test_a_lead_updates_only_their_departments_actions(role, departments, action_department, expected):
    assert may_update_action(role, departments, action_department) is expected
