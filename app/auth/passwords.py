"""Password rules and hashing.

Rules (ASVS 2.1): at least 12 characters, at most 128, and not on the list of common passwords
the project ships (app/auth/data/common-passwords.txt.gz, the 20,000 most common passwords
as compiled by Royce Williams and shipped by Django). Spaces and any Unicode are allowed and kept.

Hashing (ASVS 2.4): PBKDF2-HMAC-SHA256 with 600,000 iterations, OWASP's figure, named
explicitly so a library's changed default never weakens it. A hash made with weaker
parameters is replaced at the next successful sign-in.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 128
HASH_METHOD = "pbkdf2:sha256:600000"
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"

# Checked against when no account has the address typed, so that an unknown address takes as
# long to refuse as a wrong password (no timing oracle for which accounts exist).
@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not a real password, only for timing", method=HASH_METHOD)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def problem(password: str, *, email: str = "") -> str | None:
    """What is wrong with a new password, in words for the form; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters long."
    lowered = password.lower()
    # A common password padded with digits or symbols ("password12345!") is still guessable.
    core = lowered.rstrip("0123456789!?.#@$%&*_- ").lstrip("0123456789!?.#@$%&*_- ")
    common = common_passwords()
    if lowered in common or core in common or len(set(lowered)) < 4:
        return "This password is too common or too easy to guess. Choose a different one."
    if email and lowered in (email.lower(), email.lower().split("@")[0]):
        return "The password must not be your email address."
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def verify(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    return not stored_hash.startswith(HASH_METHOD + "$")
