"""Sending over TLS for real: STARTTLS (MAIL_USE_TLS) and TLS from the start (MAIL_USE_SSL) to an
aiosmtpd server with a self-signed certificate made for the test by the openssl command, and
signing in with MAIL_USERNAME / MAIL_PASSWORD. The password never appears in any output."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from app.config import build_config
from app.extensions import db
from app.mail import MailSettings
from app.reminders.models import ReminderDigest

from .conftest import mail_config

USERNAME = "ql-mailer"
PASSWORD = "correct horse battery staple 42"


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("The openssl command is needed to make the test certificate (apt-get install openssl).")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
def server_tls(certificate) -> ssl.SSLContext:  # type: ignore[no-untyped-def]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def trust_certificate(monkeypatch, certificate):  # type: ignore[no-untyped-def]
    """The client trusts the test certificate the standard way, through SSL_CERT_FILE."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


@pytest.fixture
def distrust_certificate(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)


def check_login(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USERNAME.encode(), PASSWORD.encode()
    )
    # handled=False: aiosmtpd answers a failure with 535 itself.
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def recorded() -> list[ReminderDigest]:
    return list(db.session.scalars(select(ReminderDigest)))


def test_starttls_with_a_trusted_certificate(app, world, start_smtp, server_tls, trust_certificate, send):
    server = start_smtp(tls_context=server_tls, require_starttls=True)
    mail_config(app, server.port, MAIL_USE_TLS=True)

    result = send()

    assert result.exit_code == 0, result.output
    assert len(server.recorder.received) == 2
    assert all(r.over_tls for r in server.recorder.received)


def test_starttls_refuses_a_certificate_it_does_not_trust(app, world, start_smtp, server_tls,
                                                          distrust_certificate, send):
    server = start_smtp(tls_context=server_tls, require_starttls=True)
    mail_config(app, server.port, MAIL_USE_TLS=True)

    result = send()

    assert result.exit_code == 1
    assert f"Failed starting TLS with the mail server 127.0.0.1:{server.port}" in result.output
    assert "its TLS certificate was not trusted" in result.output
    assert server.recorder.received == [] and recorded() == []


def test_a_server_that_requires_starttls_refuses_plain_sending(app, world, start_smtp, server_tls, send):
    server = start_smtp(tls_context=server_tls, require_starttls=True)
    mail_config(app, server.port)  # MAIL_USE_TLS off

    result = send()

    assert result.exit_code == 1
    assert "530 Must issue a STARTTLS command first" in result.output
    assert server.recorder.received == [] and recorded() == []


def test_tls_from_the_start(app, world, start_smtp, server_tls, trust_certificate, send):
    server = start_smtp(ssl_context=server_tls)
    mail_config(app, server.port, MAIL_USE_SSL=True)

    result = send()

    assert result.exit_code == 0, result.output
    assert len(server.recorder.received) == 2
    assert all(r.over_tls for r in server.recorder.received)


def test_signing_in_without_tls_is_refused_before_the_password_is_sent(app, world, start_smtp, send):
    # aiosmtpd, like most servers, offers AUTH only over TLS.
    server = start_smtp(authenticator=check_login, auth_required=True)
    mail_config(app, server.port, MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD)

    result = send()

    assert result.exit_code == 1
    assert "does not offer signing in (SMTP AUTH), but MAIL_USERNAME is set." in result.output
    assert "set MAIL_USE_TLS" in result.output
    assert server.recorder.received == [] and recorded() == []


def test_signing_in_after_starttls(app, world, start_smtp, server_tls, trust_certificate, send):
    server = start_smtp(tls_context=server_tls, require_starttls=True, authenticator=check_login,
                        auth_required=True)
    mail_config(app, server.port, MAIL_USE_TLS=True, MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD)

    result = send()

    assert result.exit_code == 0, result.output
    assert len(server.recorder.received) == 2
    assert all(r.login == LoginPassword(USERNAME.encode(), PASSWORD.encode()) for r in server.recorder.received)
    assert PASSWORD not in result.output


def test_a_wrong_password_is_reported_without_the_password(app, world, start_smtp, server_tls,
                                                           trust_certificate, send):
    server = start_smtp(tls_context=server_tls, require_starttls=True, authenticator=check_login,
                        auth_required=True)
    wrong = "not the password at all 99"
    mail_config(app, server.port, MAIL_USE_TLS=True, MAIL_USERNAME=USERNAME, MAIL_PASSWORD=wrong)

    result = send()

    assert result.exit_code == 1
    assert f"refused the sign-in of MAIL_USERNAME '{USERNAME}'" in result.output
    assert "535" in result.output and "Check MAIL_USERNAME and MAIL_PASSWORD." in result.output
    assert wrong not in result.output
    assert server.recorder.received == [] and recorded() == []


def test_the_settings_never_show_the_password(app):
    app.config.update(MAIL_USERNAME=USERNAME, MAIL_PASSWORD=PASSWORD)
    settings = MailSettings.from_config(app.config)
    assert settings.password == PASSWORD
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)


def test_settings_problems_are_named():
    settings = MailSettings(server="mail", port=25, sender=None, password="x", use_tls=True, use_ssl=True)
    problems = " ".join(settings.problems())
    assert "MAIL_DEFAULT_SENDER is not set" in problems
    assert "MAIL_USE_TLS and MAIL_USE_SSL are both on" in problems
    assert "MAIL_PASSWORD is set but MAIL_USERNAME is not" in problems


def test_mail_settings_come_from_the_environment_under_flask_mail_names(monkeypatch, tmp_path):
    for name, value in {
        "MAIL_SERVER": "smtp.example.nhs.uk", "MAIL_PORT": "587", "MAIL_USERNAME": USERNAME,
        "MAIL_PASSWORD": PASSWORD, "MAIL_USE_TLS": "yes", "MAIL_USE_SSL": "0",
        "MAIL_DEFAULT_SENDER": "Quality Ledger <ql@example.nhs.uk>",
        "APP_BASE_URL": "https://ql.example.nhs.uk",
    }.items():
        monkeypatch.setenv(name, value)
    config = build_config(tmp_path, {"SECRET_KEY": "x"})
    assert config["MAIL_SERVER"] == "smtp.example.nhs.uk" and config["MAIL_PORT"] == 587
    assert (config["MAIL_USERNAME"], config["MAIL_PASSWORD"]) == (USERNAME, PASSWORD)
    assert (config["MAIL_USE_TLS"], config["MAIL_USE_SSL"]) == (True, False)
    assert config["MAIL_DEFAULT_SENDER"] == "Quality Ledger <ql@example.nhs.uk>"
    assert config["APP_BASE_URL"] == "https://ql.example.nhs.uk"


def test_mail_settings_defaults(monkeypatch, tmp_path):
    for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS",
                 "MAIL_USE_SSL", "MAIL_DEFAULT_SENDER", "APP_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = build_config(tmp_path, {"SECRET_KEY": "x"})
    assert (config["MAIL_SERVER"], config["MAIL_PORT"]) == ("localhost", 25)
    assert config["MAIL_USE_TLS"] is False and config["MAIL_USE_SSL"] is False
    assert config["MAIL_USERNAME"] is None and config["MAIL_DEFAULT_SENDER"] is None
    assert config["APP_BASE_URL"] is None
