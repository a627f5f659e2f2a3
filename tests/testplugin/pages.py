"""The test plugin's HTML pages: a list with an htmx form, and a lazily loaded widget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from litestar import Request, Response, get, post
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import emit
from core.audit.log import record
from core.di import NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.web.pages import flash, redirect, render, render_fragment, validation_error
from core.access.scope import current_school
from core.web.sessions import current_user
from tests.testplugin.events import NoteAdded
from tests.testplugin.models import Note

MAX_LENGTH = 200


@dataclass
class NoteFormData:
    text: str = ""


async def _notes(session: AsyncSession, school_id: int) -> list[Note]:
    return list((await session.execute(select(Note).where(Note.school_id == school_id).order_by(Note.id))).scalars())


def _school(request: Request) -> int:
    return current_school(current_user(request))


@get("/notes", name="testplugin:notes_page", opt={"permission": "testplugin.view_notes"})
async def notes_page(request: Request, db_session: NamedDependency[AsyncSession]) -> Response[str]:
    return await render(request, "testplugin/notes.html", {
        "notes": await _notes(db_session, _school(request)), "form": NoteFormData(), "errors": {}, "today": date.today(),
    })


@post("/notes", name="testplugin:add_note_form", opt={"permission": "testplugin.add_note"})
async def add_note_form(
    request: Request,
    write_session: NamedDependency[AsyncSession],
    data: URLEncodedBody[NoteFormData],
) -> Response[str]:
    text = data.text.strip()
    errors = {}
    if not text:
        errors["text"] = _("Write the note's text.")
    elif len(text) > MAX_LENGTH:
        errors["text"] = _("A note can be at most %(max)d characters long.", max=MAX_LENGTH)
    school_id = _school(request)
    if errors:
        return await validation_error(
            request, "testplugin/notes.html",
            {"notes": await _notes(write_session, school_id), "form": data, "errors": errors, "today": date.today()},
            partial=("testplugin/_note_form.html", "testplugin-note-form"),
        )
    note = Note(school_id=school_id, text=text)
    write_session.add(note)
    await write_session.flush()
    emit(write_session, NoteAdded(school_id=school_id, note_id=note.id, text=text))
    record(write_session, "testplugin.note_added", connection=request, object_type="testplugin_note", object_id=note.id)
    await write_session.commit()
    flash(request, _("The note was added."))
    return redirect(request, "/testplugin/notes")


@get("/widget", name="testplugin:widget", opt={"permission": "testplugin.view_notes"})
async def widget(request: Request, db_session: NamedDependency[AsyncSession]) -> Response[str]:
    count = await db_session.scalar(select(func.count()).select_from(Note).where(Note.school_id == _school(request))) or 0
    return await render_fragment(request, "testplugin/_widget.html", {"count": count})


PAGES = [notes_page, add_note_form, widget]
