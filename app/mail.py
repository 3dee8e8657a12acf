"""Sending e-mail over SMTP with the standard library: one connection, many messages.

Settings come from the app's config under Flask-Mail's names (app/config.py). The password is
only ever handed to SMTP.login: it is left out of the settings' repr and out of every message
this module raises.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any


class MailError(Exception):
    """The mail server could not be reached, refused us, or refused a message; the text says
    which, in words an operator can act on."""

    def __init__(self, message: str, *, connection_lost: bool = False):
        super().__init__(message)
        self.connection_lost = connection_lost


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    sender: str | None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False
    use_ssl: bool = False
    timeout: float = 30

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(
            server=config.get("MAIL_SERVER") or "localhost",
            port=int(config.get("MAIL_PORT") or 25),
            sender=config.get("MAIL_DEFAULT_SENDER") or None,
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            timeout=float(config.get("MAIL_TIMEOUT_SECONDS") or 30),
        )

    @property
    def where(self) -> str:
        return f"{self.server}:{self.port}"

    def problems(self) -> list[str]:
        """What stops these settings from sending anything, each with what to set."""
        found = []
        if not self.sender:
            found.append(
                "MAIL_DEFAULT_SENDER is not set. Set it to the address the e-mails come from, "
                "for example 'Quality Ledger <quality-ledger@example.nhs.uk>'."
            )
        if self.use_tls and self.use_ssl:
            found.append(
                "MAIL_USE_TLS and MAIL_USE_SSL are both on. Use MAIL_USE_SSL for a server that "
                "speaks TLS from the start (usually port 465), MAIL_USE_TLS for STARTTLS "
                "(usually port 587), not both."
            )
        if self.password and not self.username:
            found.append("MAIL_PASSWORD is set but MAIL_USERNAME is not. Set both, or neither.")
        return found


def build_message(
    *, sender: str, to_name: str, to_address: str, subject: str, text: str, html: str
) -> EmailMessage:
    """A message with a plain-text body and an HTML alternative of the same content."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=to_name, addr_spec=to_address)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    # RFC 3834: an automatic message, so out-of-office replies are not sent back to it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _domain_of(sender: str) -> str | None:
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rsplit("@", 1)[1] if "@" in address else None


def _reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        return f"{error.smtp_code} {text}".strip()
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"its TLS certificate was not trusted ({error.verify_message})"
    return str(error) or type(error).__name__


@contextmanager
def connection(settings: MailSettings) -> Iterator[smtplib.SMTP]:
    """An open, authenticated SMTP connection, closed on leaving; MailError if it cannot open."""
    context = ssl.create_default_context()
    try:
        if settings.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.server, settings.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(
            f"Could not connect to the mail server {settings.where}: {_reason(error)}. "
            "Check MAIL_SERVER and MAIL_PORT, and that the server is running."
        ) from None
    try:
        if settings.use_tls:
            _start_tls(smtp, settings, context)
        if settings.username:
            _log_in(smtp, settings)
        yield smtp
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _start_tls(smtp: smtplib.SMTP, settings: MailSettings, context: ssl.SSLContext) -> None:
    try:
        smtp.starttls(context=context)
    except smtplib.SMTPNotSupportedError:
        raise MailError(
            f"The mail server {settings.where} does not offer STARTTLS. Turn MAIL_USE_TLS off "
            "only if the connection to it is otherwise protected, or use its TLS port with "
            "MAIL_USE_SSL."
        ) from None
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"Failed starting TLS with the mail server {settings.where}: {_reason(error)}.") from None


def _log_in(smtp: smtplib.SMTP, settings: MailSettings) -> None:
    try:
        smtp.login(settings.username or "", settings.password or "")
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(
            f"The mail server {settings.where} refused the sign-in of MAIL_USERNAME "
            f"{settings.username!r}: {_reason(error)}. Check MAIL_USERNAME and MAIL_PASSWORD."
        ) from None
    except smtplib.SMTPNotSupportedError:
        hint = "" if settings.use_tls or settings.use_ssl else " Many servers offer it only over TLS: set MAIL_USE_TLS."
        raise MailError(
            f"The mail server {settings.where} does not offer signing in (SMTP AUTH), but "
            f"MAIL_USERNAME is set.{hint}"
        ) from None
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"Failed signing in to the mail server {settings.where}: {_reason(error)}.") from None


def send(smtp: smtplib.SMTP, message: EmailMessage, *, where: str) -> None:
    """Hand one message to the server at `where`; MailError unless it accepted it.

    The error's `connection_lost` tells a refusal of this one message (a bad address, a full
    mailbox: the next message may go) from a connection that is gone (none will).
    """
    try:
        refused = smtp.send_message(message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        raise MailError(
            f"The mail server {where} did not accept the message to {message['To']}: "
            f"{_refusal(error)}.",
            # 421: the server is closing the connection (smtplib has closed it already).
            connection_lost=getattr(error, "smtp_code", None) == 421,
        ) from None
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(
            f"The connection to the mail server {where} failed while sending to "
            f"{message['To']}: {_reason(error)}.",
            connection_lost=True,
        ) from None
    if refused:  # only possible with several recipients; kept so a partial refusal is never "sent"
        raise MailError(f"The mail server {where} refused {', '.join(refused)}.")


def _refusal(error: smtplib.SMTPException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {reply.decode('utf-8', 'replace')}"
            for address, (code, reply) in error.recipients.items()
        )
    return _reason(error)
