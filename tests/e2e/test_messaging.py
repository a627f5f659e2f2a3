"""The internal mail in Chromium, on the demo school: the class teacher of 5А writes to all parents of
the class; the demo parent (mother of Илья, 5А, and Алиса, 2Б) sees the unread badge on a phone,
reads her own copy about Илья only and answers; the class teacher sees the badge and the read
receipt. The mathematics teacher of 5А writes to the parents of students failing the subject through
the journal's group: each recipient is told about their own child only. Screenshots go to test-output/."""

from __future__ import annotations

import re

from tests.e2e.conftest import PHONE, screenshots, sign_in


async def test_the_class_teacher_and_the_parents_correspond(browser, live_server, request):
    teacher_context = await browser.new_context(locale="ru-RU")
    teacher = await teacher_context.new_page()
    await sign_in(teacher, live_server, "class-teacher")
    await teacher.locator("#nav-messaging").click()
    await teacher.wait_for_selector("#messaging-lines")
    await teacher.locator("#messaging-write").click()
    await teacher.get_by_label("Найти получателя").fill("петрова")  # any case: the list keeps the matches in sight
    shown = await teacher.locator(".messaging-contact:visible").all_inner_texts()
    assert shown and all("петров" in line.lower() for line in shown)
    await teacher.get_by_label("Найти получателя").fill("")
    section = teacher.locator(".messaging-section", has=teacher.locator("summary", has_text=re.compile(r"^Родители: 5А \(")))
    await section.locator("summary").click()
    await section.get_by_label("Всем в этой группе, каждому отдельно").check()
    await teacher.get_by_label("Тема").fill("Родительское собрание")
    await teacher.get_by_label("Сообщение").fill("Собрание в четверг в 18:00, кабинет 21.\nhttps://school.example/sobranie")
    await screenshots(teacher, request, "messaging-compose")
    await teacher.locator("#messaging-send").click()
    await teacher.wait_for_selector("#messaging-receipts")
    receipts = await teacher.locator("#messaging-receipts-title").inner_text()
    total = int(re.search(r"из (\d+)", receipts)[1])
    assert receipts.startswith("Прочитали 0 из") and total > 10  # every parent of the class, each separately
    broadcast = teacher.url

    parent_context = await browser.new_context(viewport=PHONE, locale="ru-RU")
    parent = await parent_context.new_page()
    await sign_in(parent, live_server, "parent")
    badge = parent.locator("#nav-messaging-badge")
    assert int(await badge.inner_text()) >= 1
    await parent.locator("#nav-messaging").click()
    await parent.locator(".messaging-line", has_text="Родительское собрание").first.click()
    await parent.wait_for_selector("#messaging-messages")
    about = await parent.locator(".messaging-message__about").inner_text()
    assert about.startswith("Касается: Петров Илья") and "Алиса" not in about and "," not in about  # her own child, alone
    assert await parent.locator('a[href="https://school.example/sobranie"]').count() == 1
    assert await parent.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await screenshots(parent, request, "messaging-parent-thread")
    await parent.get_by_label(re.compile("^Ответить")).fill("Спасибо, приду. Петрова А. И.")
    await parent.get_by_role("button", name="Отправить ответ").click()
    await parent.wait_for_selector(".messaging-message--mine")
    assert "Спасибо, приду" in await parent.locator(".messaging-message--mine").last.inner_text()

    await teacher.goto(broadcast)
    assert (await teacher.locator("#messaging-receipts-title").inner_text()).startswith("Прочитали 1 из")
    assert await teacher.locator("#nav-messaging-badge").inner_text() == "1"  # the parent's answer
    await teacher.locator("#messaging-receipts a", has_text="Петрова Анна Игоревна").first.click()
    await teacher.wait_for_selector("#messaging-messages")
    assert "Спасибо, приду" in await teacher.locator("#messaging-messages").inner_text()
    receipt = await teacher.locator(".messaging-message--mine .messaging-message__receipt").first.inner_text()
    assert receipt.startswith("✓✓ прочитано")
    await screenshots(teacher, request, "messaging-teacher-thread")
    await teacher.goto(f"{live_server}/messaging/inbox")
    assert await teacher.locator("#nav-messaging-badge").inner_text() == ""  # read now
    await teacher_context.close()
    await parent_context.close()


async def test_a_teacher_tells_the_parents_of_failing_students_each_about_their_own_child(browser, live_server, request):
    context = await browser.new_context(locale="ru-RU")
    teacher = await context.new_page()
    await sign_in(teacher, live_server, "teacher")
    await teacher.goto(f"{live_server}/messaging/new")
    group = teacher.locator(".messaging-section", has=teacher.locator(
        "summary", has_text="с неудовлетворительным средним баллом: Математика, 5А"))
    await group.locator("summary").click()
    members = await group.locator(".messaging-contact").all_inner_texts()
    assert members and all(" — " in member for member in members)  # each parent with their own child
    await group.get_by_label("Всем в этой группе, каждому отдельно").check()
    await teacher.get_by_label("Тема").fill("Успеваемость по математике")
    await teacher.get_by_label("Сообщение").fill("Прошу связаться со мной: у ребёнка неудовлетворительный средний балл.")
    await teacher.locator("#messaging-send").click()
    await teacher.wait_for_selector("#messaging-receipts")
    rows = await teacher.locator("#messaging-receipts tbody tr").all()
    assert len(rows) == len(members)
    for row, member in zip(rows, sorted(members)):
        cells = row.locator("td")
        assert (await cells.nth(1).inner_text()) == member.split(" — ", 1)[1]  # that parent's own child, no other
    await screenshots(teacher, request, "messaging-failing-broadcast")
    await context.close()
