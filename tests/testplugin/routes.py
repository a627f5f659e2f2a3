"""The test plugin's routes: list and add notes of a school."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, get, post
from litestar.exceptions import ValidationException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import emit
from core.di import FromPath, JSONBody, NamedDependency
from core.access.scope import require_own_school
from core.web.sessions import current_user
from tests.testplugin.events import NoteAdded
from tests.testplugin.models import Note


@dataclass
class NoteForm:
    text: str


@get("/schools/{school_id:int}/notes", name="testplugin:notes", opt={"permission": "testplugin.view_notes"})
async def list_notes(request: Request, school_id: FromPath[int], db_session: NamedDependency[AsyncSession]) -> list[dict[str, object]]:
    require_own_school(current_user(request), school_id)
    rows = await db_session.execute(
        select(Note.id, Note.text).where(Note.school_id == school_id).order_by(Note.id)
    )
    return [{"id": note_id, "text": text} for note_id, text in rows]


@post("/schools/{school_id:int}/notes", name="testplugin:add_note", opt={"permission": "testplugin.add_note"})
async def add_note(
    request: Request, school_id: FromPath[int], data: JSONBody[NoteForm], write_session: NamedDependency[AsyncSession]
) -> dict[str, object]:
    require_own_school(current_user(request), school_id)
    text = data.text.strip()
    if not text:
        raise ValidationException("Текст заметки не может быть пустым.")
    note = Note(school_id=school_id, text=text)
    write_session.add(note)
    await write_session.flush()
    emit(write_session, NoteAdded(school_id=school_id, note_id=note.id, text=text))
    await write_session.commit()
    return {"id": note.id, "text": note.text}


ROUTES = [list_notes, add_note]
