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
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

SECURITY = ("starttls", "ssl", "none")
ADDRESS = re.compile(r"^[^@\s<>\"',;()\[\]\\]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
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


def compose(smtp: SmtpSettings, to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office answers to a copy
    message.set_content(text)
    return message


def send_now(smtp: SmtpSettings, message: EmailMessage) -> None:
    client_class = smtplib.SMTP_SSL if smtp.security == "ssl" else smtplib.SMTP
    context = ssl.create_default_context()
    kwargs = {"context": context} if smtp.security == "ssl" else {}
    with client_class(smtp.host, smtp.port, timeout=TIMEOUT, **kwargs) as client:  # type: ignore[arg-type]
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.user:
            client.login(smtp.user, smtp.password)
        client.send_message(message)


async def send(smtp: SmtpSettings, to: str, subject: str, text: str) -> None:
    """Send one plain-text letter; raises on any failure (the caller retries later)."""
    await asyncio.to_thread(send_now, smtp, compose(smtp, to, subject, text))
