"""Copies of new messages by e-mail, against a real SMTP server the test starts: sent after the
message committed, once per message and recipient, only to those who asked; a server that is away
never loses the message and the copy follows when it is back; bad addresses change nothing."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from core.db.types import utcnow
from core.outbox import Dispatcher
from core.smtp import SmtpSettings
from tests.plugins.messaging.test_mail import PLUGINS, login
from tests.support.people import sign_in
from tests.support.snapshot import database_unchanged, execute, fetch


class Inbox:
    """The test's mail server keeps what it is sent."""

    def __init__(self) -> None:
        self.letters: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.letters.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker(make_platform, **settings):
    """The process that delivers events: a platform of its own (the app's engine belongs to the
    app's event loop, in another thread)."""
    return make_platform(PLUGINS, **settings)


@pytest.fixture
def mail_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, SmtpSettings(host="127.0.0.1", port=controller.port, security="none", sender="journal@school.example")
    controller.stop()


async def test_a_parent_who_asked_gets_each_new_message_once_by_email(make_client, make_platform, database_url, world,
                                                                      mail_server):
    inbox, settings = mail_server
    class_5a = world.journal.tt.classes["5А"]
    async with make_client(plugins=PLUGINS, smtp=settings, public_url="https://journal.school.example") as client:
        platform = worker(make_platform, smtp=settings, public_url="https://journal.school.example")
        await sign_in(client, login(world, "mother_anya"))
        assert 'id="messaging-email-form"' in (await client.get("/messaging/email")).text
        chosen = await client.post("/messaging/email", data={"action": "on", "address": "anya.mother@example.ru"},
                                   follow_redirects=False)
        assert chosen.status_code == 303
        await sign_in(client, login(world, "class_teacher"))
        await client.post("/messaging/new", data={"group": f"class-{class_5a}-parents", "subject": "Собрание",
                                                  "body": "В четверг в 18:00."},
                          files=[("attachments", ("памятка.pdf", b"%PDF-1.4 x", "application/pdf"))])
        report = await Dispatcher(platform).run_once()
        assert report.failed == 0 and report.retried == 0
        assert len(inbox.letters) == 1  # only Аня's mother asked
        recipients, letter = inbox.letters[0]
        assert recipients == ["anya.mother@example.ru"] and letter["Subject"] == "Собрание"
        assert letter["From"] == "journal@school.example"
        text = letter.get_content()
        assert "Классная Елена Сергеевна" in text and "Касается: Аня Ученица" in text and "В четверг в 18:00." in text
        assert "памятка.pdf" in text and "https://journal.school.example/messaging/threads/" in text and "Борис" not in text
        await Dispatcher(platform).run_once()
        event_ids = await fetch(database_url, "SELECT id FROM outbox_event WHERE name = 'messaging.messages_sent'")
        assert len(inbox.letters) == 1 and len(event_ids) == 1  # nothing twice
        # the same event delivered again (at least once): the copy is not sent again
        from plugins.messaging.copies import handle_event
        from plugins.messaging.events import MessagesSent
        ids = [row[0] for row in await fetch(database_url, "SELECT id FROM messaging_message")]
        await handle_event(platform, MessagesSent(school_id=world.school, message_ids=ids))
        assert len(inbox.letters) == 1
    assert await fetch(database_url, "SELECT address FROM messaging_email_copy") == [("anya.mother@example.ru",)]


async def test_a_server_that_is_away_loses_no_message_and_the_copy_follows(make_client, make_platform, database_url, world,
                                                                           mail_server):
    inbox, settings = mail_server
    away = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", sender="journal@school.example")
    async with make_client(plugins=PLUGINS, smtp=away) as client:
        platform = worker(make_platform, smtp=away)
        await sign_in(client, login(world, "mother_anya"))
        await client.post("/messaging/email", data={"action": "on", "address": "anya.mother@example.ru"})
        sent = await client.post("/messaging/new", data={"to": str(world.journal.class_teacher), "subject": "Вопрос",
                                                         "body": "Когда собрание?"}, follow_redirects=False)
        assert sent.status_code == 303
        await sign_in(client, login(world, "class_teacher"))
        await client.post(f"{sent.headers['location']}/reply", data={"body": "В четверг."})
        report = await Dispatcher(platform).run_once()
        assert report.retried == 1 and inbox.letters == []
        page = await client.get(sent.headers["location"])
        assert "В четверг." in page.text  # the message itself is there
        platform.settings = replace(platform.settings, smtp=settings)  # the server is back
        later = await Dispatcher(platform).run_once(now=utcnow() + timedelta(minutes=1))
        assert later.delivered >= 1 and [letter["Subject"] for _to, letter in inbox.letters] == ["Вопрос"]


async def test_bad_addresses_change_nothing_and_without_a_server_nothing_is_offered(make_client, database_url, world,
                                                                                      mail_server):
    _inbox, settings = mail_server
    async with make_client(plugins=PLUGINS, smtp=settings) as client:
        await sign_in(client, login(world, "mother_anya"))
        for address in ("", "мама", "a@b", "x@example.ru\r\nBcc: all@example.ru", "a" * 250 + "@example.ru", "<a@example.ru>"):
            async with database_unchanged(database_url):
                refused = await client.post("/messaging/email", data={"action": "on", "address": address})
            assert refused.status_code == 422 and "name@example.ru" in refused.text, address
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        page = await client.get("/messaging/email")
        assert 'id="messaging-email-unavailable"' in page.text and 'id="messaging-email-form"' not in page.text
        async with database_unchanged(database_url):
            refused = await client.post("/messaging/email", data={"action": "on", "address": "a@example.ru"})
        assert refused.status_code == 422


class Refusing(Inbox):
    """Refuses one address for good, as a real server refuses an unknown mailbox."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_letters_are_in_russian_a_refused_address_is_given_up_and_housekeeping_sends_the_rest(
        make_client, make_platform, database_url, world):
    from core import housekeeping, i18n

    inbox = Refusing()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = SmtpSettings(host="127.0.0.1", port=controller.port, security="none", sender="journal@school.example")
    try:
        async with make_client(plugins=PLUGINS, smtp=settings) as client:
            platform = worker(make_platform, smtp=settings)
            for parent, address in (("mother_anya", "anya.mother@школа.рф"), ("father_boris", "nobody@example.ru")):
                await sign_in(client, login(world, parent))
                chosen = await client.post("/messaging/email", data={"action": "on", "address": address}, follow_redirects=False)
                assert chosen.status_code == 303, address
            await sign_in(client, login(world, "class_teacher"))
            await client.post("/messaging/new", data={"group": f"class-{world.journal.tt.classes['5А']}-parents",
                                                      "subject": "Собрание", "body": "В четверг."})
            i18n.activate({}, "ru")  # the dispatcher's task has no request's locale
            report = await Dispatcher(platform).run_once()
            assert report.failed == 0 and report.retried == 0  # the refused address is given up, not retried
            [(recipients, letter)] = inbox.letters
            assert recipients == ["anya.mother@xn--80atdl2c.xn--p1ai"]  # школа.рф as IDNA
            assert "написал(а) вам в электронном журнале" in letter.get_content()
            assert await fetch(database_url, "SELECT address, given_up, sent_at IS NULL FROM messaging_email_copy "
                                             "ORDER BY address") in ([("anya.mother@школа.рф", False, False),
                                                                     ("nobody@example.ru", True, True)],
                                                                    [("anya.mother@школа.рф", 0, 0), ("nobody@example.ru", 1, 1)])
            # a copy left waiting (the dispatcher gave up retrying) goes out with the hour's housekeeping
            await execute(database_url, "UPDATE messaging_email_copy SET sent_at = NULL WHERE address = 'anya.mother@школа.рф'")
            await housekeeping.run_once(platform, Dispatcher(platform))
            assert len(inbox.letters) == 2
    finally:
        controller.stop()
