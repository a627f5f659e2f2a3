"""Files with a message: checked by name and content, limited in number and size, stored once for a
broadcast, downloaded only by the two people of a thread, always as a download; a bad file refuses
the whole message and changes nothing."""

from __future__ import annotations

import re
from dataclasses import replace

from plugins.messaging import web
from tests.plugins.messaging.test_mail import PLUGINS, login
from tests.support.people import sign_in
from tests.support.snapshot import database_unchanged, fetch

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def file_links(page: str) -> list[str]:
    return re.findall(r'href="(/messaging/attachments/\d+)" download', page)


async def test_files_go_with_a_message_and_only_its_two_people_download_them(make_client, database_url, world):
    class_5a = world.journal.tt.classes["5А"]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "class_teacher"))
        sent = await client.post("/messaging/new", data={"group": f"class-{class_5a}-parents", "subject": "Памятка",
                                                         "body": "Памятка к собранию во вложении."},
                                 files=[("attachments", ("Памятка родителям.pdf", PDF, "application/pdf")),
                                        ("attachments", ("схема.png", PNG, "image/png"))], follow_redirects=False)
        assert sent.status_code == 303
        assert len(file_links((await client.get(sent.headers["location"])).text)) == 2
        await sign_in(client, login(world, "mother_anya"))
        thread = re.search(r'id="messaging-thread-(\d+)"', (await client.get("/messaging/inbox")).text)[1]
        page = await client.get(f"/messaging/threads/{thread}")
        links = file_links(page.text)
        assert len(links) == 2 and "Памятка родителям.pdf" in page.text
        pdf = await client.get(links[0])
        assert pdf.status_code == 200 and pdf.content == PDF and pdf.headers["content-type"].startswith("application/pdf")
        assert pdf.headers["content-disposition"].startswith("attachment;") and "filename*=UTF-8''" in pdf.headers["content-disposition"]
        assert pdf.headers["x-content-type-options"] == "nosniff" and "script-src 'self'" in pdf.headers["content-security-policy"]
        answered = await client.post(f"/messaging/threads/{thread}/reply", data={"body": "Справка во вложении."},
                                     files=[("attachments", ("справка.pdf", PDF, "application/pdf"))], follow_redirects=False)
        assert answered.status_code == 303
        await sign_in(client, login(world, "father_boris"))
        assert (await client.get(links[0])).status_code == 404  # Аня's mother's copy, not his
        await sign_in(client, login(world, "class_teacher"))
        assert (await client.get(links[0])).status_code == 200  # the sender's own
    assert await fetch(database_url, "SELECT count(*) FROM messaging_file") == [(2,)]  # PDF and PNG, each kept once
    assert await fetch(database_url, "SELECT count(*) FROM messaging_attachment") == [(7,)]  # two to each of three, one back


async def test_a_bad_file_refuses_the_message_and_changes_nothing(make_client, database_url, world, monkeypatch):
    monkeypatch.setattr(web, "LIMITS", replace(web.LIMITS, file_size=1000))
    teacher = str(world.journal.class_teacher)
    form = {"to": teacher, "subject": "Справка", "body": "Во вложении."}
    cases = [
        ([("virus.exe", b"MZ\x90\x00", "application/octet-stream")], "файлы такого типа не принимаются"),
        ([("справка.pdf", b"<html><script>alert(1)</script>", "application/pdf")], "на самом деле не файл PDF"),
        ([("фото.jpg", PNG, "image/jpeg")], "на самом деле не файл JPG"),
        ([("большой.pdf", PDF + b"0" * 1000, "application/pdf")], "больше"),
        ([("пустой.txt", b"", "text/plain")], "пустой"),
        ([(f"{number}.pdf", PDF, "application/pdf") for number in range(6)], "Не больше 5 файлов"),
    ]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        for files, message in cases:
            async with database_unchanged(database_url):
                refused = await client.post("/messaging/new", data=form, files=[("attachments", file) for file in files])
            assert refused.status_code == 422 and message in refused.text, (files[0][0], refused.text[-3000:])
            assert "выберите файлы заново" in refused.text and "Во вложении." in refused.text
        sent = await client.post("/messaging/new", data=form, follow_redirects=False)
        thread = sent.headers["location"].rsplit("/", 1)[1]
        async with database_unchanged(database_url):
            refused = await client.post(f"/messaging/threads/{thread}/reply", data={"body": "Ещё"},
                                        files=[("attachments", ("virus.exe", b"MZ", "application/octet-stream"))])
        assert refused.status_code == 422 and "файлы такого типа не принимаются" in refused.text
        await sign_in(client, login(world, "father_boris"))
        async with database_unchanged(database_url):
            probe = await client.post(f"/messaging/threads/{thread}/reply", data={"body": "Чужой"},
                                      files=[("attachments", ("virus.exe", b"MZ", "application/octet-stream"))])
        assert probe.status_code == 404  # someone else's thread, whatever the files
