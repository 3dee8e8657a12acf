"""The password rules and how passwords are stored."""

from __future__ import annotations

import pytest

from app.auth import passwords
from app.auth.services import create_user
from app.errors import ValidationError
from app.extensions import db


@pytest.mark.parametrize(
    "password,accepted",
    [
        ("a" * 11, False),
        ("short pass!", False),  # 11 characters
        ("twelve chars", True),
        ("x7!" + "q" * 125, True),  # 128
        ("x7!" + "q" * 126, False),  # 129
        ("correct horse battery staple", True),
        ("Emergency department 2026", True),
        ("ünïcödé pässwörd ✓", True),
        ("   spaces are fine   ", True),
        ("password1234", False),  # "password" padded with digits
        ("!!password123!!", False),
        ("1qaz2wsx3edc", False),  # on the list as it is
        ("PASSWORD1234", False),  # case does not help
        ("aaaaaaaaaaaaaaaa", False),  # too few different characters
        ("abababababababab", False),
    ],
)
def test_password_rules(password, accepted):
    assert (passwords.problem(password) is None) is accepted


def test_the_common_password_list_ships_with_the_project():
    common = passwords.common_passwords()
    assert len(common) > 19_000  # 20,000 lines, a few equal once lower-cased
    assert {"password", "qwerty", "123456", "letmein"} <= common


def test_the_email_address_is_not_a_password():
    assert passwords.problem("pat.quality@example.nhs.uk", email="pat.quality@example.nhs.uk")
    assert passwords.problem("pat.quality.bartshealth", email="pat.quality.bartshealth@nhs.net")


def test_messages_say_what_is_wrong():
    assert passwords.problem("short") == "The password must be at least 12 characters long."
    assert "at most 128" in passwords.problem("x" * 129)
    assert "too common" in passwords.problem("password1234")


def test_the_stored_hash_is_pbkdf2_sha256_with_600000_iterations_and_a_salt(app):
    user = create_user(
        email="hash@example.nhs.uk", name="Hash", role="viewer", password="correct horse battery staple"
    )
    db.session.commit()
    method, salt, digest = user.password_hash.split("$")
    algorithm, hash_name, iterations = method.split(":")
    assert (algorithm, hash_name) == ("pbkdf2", "sha256")
    assert int(iterations) >= 600_000
    assert len(salt) >= 16
    assert len(digest) == 64  # a SHA-256 digest in hex
    assert "correct horse" not in user.password_hash
    assert passwords.verify(user.password_hash, "correct horse battery staple")
    assert not passwords.verify(user.password_hash, "correct horse battery stapler")


def test_the_same_password_hashes_differently_for_two_users(app):
    first = create_user(email="a@example.nhs.uk", name="A", role="viewer", password="correct horse battery staple")
    second = create_user(email="b@example.nhs.uk", name="B", role="viewer", password="correct horse battery staple")
    assert first.password_hash != second.password_hash


def test_a_weak_password_is_refused_and_nothing_is_saved(app):
    with pytest.raises(ValidationError) as refused:
        create_user(email="weak@example.nhs.uk", name="Weak", role="viewer", password="password1234")
    assert set(refused.value.errors) == {"password"}
    db.session.rollback()
    from app.auth.models import User

    assert db.session.query(User).count() == 0


def test_an_account_without_a_password_cannot_sign_in(app):
    assert not passwords.verify(None, "anything at all")
