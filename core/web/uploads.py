"""Files people attach (a message's, a notice's): documents and pictures a school sends (PDF,
office files, photos of a certificate), each checked by its name and by its first bytes, limited in
number and size; and a stored file given back, always as a download, never shown in the page."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import quote

from litestar import Response

from core.i18n import format_number
from core.i18n import gettext as _

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
ACCEPT = ",".join(f".{extension}" for extension in KINDS)  # the file input's ``accept``


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class FileLink:
    """A stored file as a page lists it: a download link, the name, the size."""

    id: int
    filename: str
    size: int
    route: str  # the download route's address before the id: "/messaging/attachments"

    @property
    def url(self) -> str:
        return f"{self.route}/{self.id}"


@dataclass(frozen=True)
class UploadLimits:
    files: int = 5
    file_size: int = 10 * 2**20
    total: int = 20 * 2**20


def size_label(size: int) -> str:
    if size < 2**20:
        return _("%(size)s KB", size=max(1, round(size / 1024)))
    megabytes = format_number(round(size / 2**20, 1))
    return _("%(size)s MB", size=megabytes)


def clean_name(raw: str) -> str:
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


async def read_uploads(files: Iterable[Any], limits: UploadLimits = UploadLimits(), *,
                       already: int = 0, already_size: int = 0) -> tuple[list[Upload], str | None]:
    """The files of a form, checked; or the reason the whole form is refused. ``already``,
    ``already_size``: files kept from before (a notice's, when it is edited)."""
    chosen = [file for file in files if getattr(file, "filename", "")]
    if len(chosen) + already > limits.files:
        return [], _("At most %(count)d files.", count=limits.files)
    uploads, total = [], already_size
    for file in chosen:
        name = clean_name(file.filename)
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        if extension not in KINDS:
            return [], _("«%(name)s»: files of this type are not accepted. Attach %(kinds)s.", name=name, kinds=ALLOWED)
        content = await file.read(limits.file_size + 1)
        if len(content) > limits.file_size:
            return [], _("«%(name)s» is larger than %(size)s MB.", name=name, size=limits.file_size // 2**20)
        if not content:
            return [], _("«%(name)s» is empty.", name=name)
        if not _content_matches(extension, content):
            return [], _("«%(name)s» is not really a %(kind)s file.", name=name, kind=extension.upper())
        total += len(content)
        if total > limits.total:
            return [], _("The files come to more than %(size)s MB together.", size=limits.total // 2**20)
        uploads.append(Upload(name, KINDS[extension][0], content))
    return uploads, None


def download(content: bytes, filename: str, content_type: str, ascii_name: str = "") -> Response[bytes]:
    """A file as a download under its own name (and an ASCII one for old clients)."""
    ascii_name = ascii_name or "".join(
        char if char.isascii() and (char.isalnum() or char in "._-") else "_" for char in filename) or "file"
    return Response(content, media_type=content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff"})
