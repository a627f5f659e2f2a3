"""Outgoing e-mail through the school's SMTP server (``ZHURNAL_SMTP_*``). Without a host there is
no e-mail at all, and features that would send it say so instead of offering it.

Sending blocks, so it runs in a worker thread; callers send after their transaction committed
(from an event handler), never inside a request.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

SECURITY = ("starttls", "ssl", "none")
# An ASCII mailbox at a domain that may be Cyrillic (школа.рф is sent as its IDNA form).
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&*+/=?^_`{|}~-]{1,64}@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}$")
TIMEOUT = 20  # seconds for the whole exchange with the server


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    user: str = ""
    password: str = ""
    sender: str = ""  # the From address

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY)}")


def is_address(text: str) -> bool:
    """A plausible mailbox address, and nothing that could smuggle a header in."""
    return len(text) <= 254 and bool(ADDRESS.match(text))


def ascii_address(address: str) -> str:
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def compose(smtp: SmtpSettings, to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ascii_address(to)
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office answers to a copy
    message.set_content(text)
    return message


@dataclass(frozen=True)
class Outcome:
    sent: bool
    error: str = ""
    permanent: bool = False  # the server refused this letter for good (a 5xx answer): do not try again


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
    if smtp.security == "starttls":
        client.starttls(context=context)
    if smtp.user:
        client.login(smtp.user, smtp.password)
    return client


def send_batch(smtp: SmtpSettings, messages: list[EmailMessage], seconds: float) -> list[Outcome]:
    """Send over one connection, in order, for at most ``seconds``. The outcomes cover the letters
    tried; those after them were not (the time ran out, or the server went away: the last outcome
    then says why)."""
    deadline = time.monotonic() + seconds
    outcomes: list[Outcome] = []
    try:
        with _connect(smtp) as client:
            for message in messages:
                if outcomes and time.monotonic() > deadline:
                    break
                try:
                    client.send_message(message)
                    outcomes.append(Outcome(True))
                except smtplib.SMTPRecipientsRefused as error:
                    outcomes.append(Outcome(False, f"refused: {error.recipients!r}"[:500], True))
                except smtplib.SMTPResponseException as error:
                    text = f"{error.smtp_code} {error.smtp_error!r}"[:500]
                    outcomes.append(Outcome(False, text, 500 <= error.smtp_code < 600))
                    if error.smtp_code < 500:
                        break  # the server asks to come back later
    except (OSError, smtplib.SMTPException) as error:  # no connection, or it broke: nothing more now
        outcomes.append(Outcome(False, repr(error)[:500]))
    return outcomes


async def send(smtp: SmtpSettings, messages: list[EmailMessage], seconds: float = 60) -> list[Outcome]:
    """``send_batch`` in a worker thread (sending blocks)."""
    return await asyncio.to_thread(send_batch, smtp, messages, seconds)
