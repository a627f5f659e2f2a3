"""Files sent with a message: documents and pictures a school sends (PDF, office files, photos of a
certificate), each checked by its name and by its first bytes, limited in number and size, kept in
the database (never in a web root) and given back only to the two people of the thread, always as a
download."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.services import CurrentUser
from core.i18n import format_number
from core.i18n import gettext as _
from plugins.messaging.models import MessagingAttachment, MessagingFile, MessagingMessage, MessagingParticipant, MessagingThread

MAX_FILE = 10 * 2**20
MAX_FILES = 5
MAX_TOTAL = 20 * 2**20
NAME_MAX = 200

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Word and Excel files
# extension → (the type it is served as, how its content starts)
KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (ZIP,)),
    "odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
    "doc": ("application/msword", (OLE,)),
    "xls": ("application/vnd.ms-excel", (OLE,)),
    "rtf": ("application/rtf", (b"{\\rtf",)),
    "txt": ("text/plain", ()),  # any UTF-8 text without NUL bytes
}
ALLOWED = "PDF, JPG, PNG, DOC, DOCX, XLS, XLSX, PPTX, ODT, ODS, RTF, TXT"


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    size: int

    @property
    def url(self) -> str:
        return f"/messaging/attachments/{self.id}"


def size_label(size: int) -> str:
    if size < 2**20:
        return _("%(size)s KB", size=max(1, round(size / 1024)))
    megabytes = format_number(round(size / 2**20, 1))
    return _("%(size)s MB", size=megabytes)


def _clean_name(raw: str) -> str:
    """The file's own name: no folders, no control or format characters (a right-to-left override
    could make «exe.pdf» read as «fdp.exe»)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char) not in ("Cc", "Cf")).strip()
    if len(name) > NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:NAME_MAX - len(extension) - 1] + dot + extension) if dot else name[:NAME_MAX]
    return name


def _content_matches(extension: str, content: bytes) -> bool:
    _type, starts = KINDS[extension]
    if extension == "txt":  # UTF-8 or Windows-1251, as Russian text files are
        if b"\x00" in content:
            return False
        for encoding in ("utf-8", "cp1251"):
            try:
                return bool(content.decode(encoding))
            except UnicodeDecodeError:
                continue
        return False
    return any(content.startswith(start) for start in starts)


async def read_uploads(files: Iterable[Any]) -> tuple[list[Upload], str | None]:
    """The files of a form, checked; or the reason the whole message is refused."""
    chosen = [file for file in files if getattr(file, "filename", "")]
    if len(chosen) > MAX_FILES:
        return [], _("At most %(count)d files to one message.", count=MAX_FILES)
    uploads, total = [], 0
    for file in chosen:
        name = _clean_name(file.filename)
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        if extension not in KINDS:
            return [], _("«%(name)s»: files of this type are not accepted. Attach %(kinds)s.", name=name, kinds=ALLOWED)
        content = await file.read(MAX_FILE + 1)
        if len(content) > MAX_FILE:
            return [], _("«%(name)s» is larger than %(size)s MB.", name=name, size=MAX_FILE // 2**20)
        if not content:
            return [], _("«%(name)s» is empty.", name=name)
        if not _content_matches(extension, content):
            return [], _("«%(name)s» is not really a %(kind)s file.", name=name, kind=extension.upper())
        total += len(content)
        if total > MAX_TOTAL:
            return [], _("The files come to more than %(size)s MB together.", size=MAX_TOTAL // 2**20)
        uploads.append(Upload(name, KINDS[extension][0], content))
    return uploads, None


async def attach(session: AsyncSession, message_ids: list[int], uploads: list[Upload]) -> None:
    """The files to each message (a broadcast's copies share one stored copy of each file)."""
    if not uploads:
        return
    digests = {upload: hashlib.sha256(upload.content).hexdigest() for upload in uploads}
    stored = dict((await session.execute(select(MessagingFile.digest, MessagingFile.id).where(
        MessagingFile.digest.in_(set(digests.values()))))).all())
    for upload, digest in digests.items():
        if digest in stored:
            continue
        try:
            async with session.begin_nested():  # the same new file sent by someone else at this moment
                row = MessagingFile(digest=digest, size=len(upload.content), content=upload.content)
                session.add(row)
            stored[digest] = row.id
        except IntegrityError:
            stored[digest] = await session.scalar(select(MessagingFile.id).where(MessagingFile.digest == digest))
    session.add_all(MessagingAttachment(message_id=message_id, file_id=stored[digests[upload]], filename=upload.filename,
                                        content_type=upload.content_type, size=len(upload.content))
                    for message_id in message_ids for upload in uploads)


async def attachments_of(session: AsyncSession, message_ids: list[int]) -> dict[int, list[AttachmentView]]:
    found: dict[int, list[AttachmentView]] = {}
    if not message_ids:
        return found
    for attachment_id, message_id, filename, size in (await session.execute(
            select(MessagingAttachment.id, MessagingAttachment.message_id, MessagingAttachment.filename, MessagingAttachment.size)
            .where(MessagingAttachment.message_id.in_(message_ids)).order_by(MessagingAttachment.id))).all():
        found.setdefault(message_id, []).append(AttachmentView(attachment_id, filename, size))
    return found


async def download(session: AsyncSession, user: CurrentUser, attachment_id: int) -> tuple[str, str, bytes]:
    """(name, type, bytes) of a file of a thread the person is in, in their current school; else 404."""
    row = (await session.execute(
        select(MessagingAttachment.filename, MessagingAttachment.content_type, MessagingFile.content)
        .join(MessagingFile, MessagingFile.id == MessagingAttachment.file_id)
        .join(MessagingMessage, MessagingMessage.id == MessagingAttachment.message_id)
        .join(MessagingThread, MessagingThread.id == MessagingMessage.thread_id)
        .join(MessagingParticipant, MessagingParticipant.thread_id == MessagingThread.id)
        .where(MessagingAttachment.id == attachment_id, MessagingParticipant.user_id == user.id,
               MessagingThread.school_id == user.school_id))).first()
    if row is None:
        raise NotFoundException()
    return row[0], row[1], row[2]
