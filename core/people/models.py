"""The people of a school and their history (regulation 3.2, 3.8, 4.2): a person's profile, the
classes a student studied in and when (with the orders), their legal representatives, and the
staff's positions. A person is an account (``user_account``); one person may be staff in one
school and a parent in the same or another.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow
from core.i18n import N_

# came from outside; from another class of the school; studied here last year (a new year's class
# list, not an arrival: the movement report leaves it out)
ENROLLMENT_STARTS = ("admitted", "transferred", "continued")
ENROLLMENT_ENDS = ("transferred", "left", "graduated")  # to another class; out of the school; finished school
GUARDIAN_KINDS = ("mother", "father", "guardian", "trustee", "foster_parent", "other")
GUARDIAN_KIND_LABELS = {"mother": N_("mother"), "father": N_("father"), "guardian": N_("guardian"), "trustee": N_("trustee"),
                        "foster_parent": N_("foster parent"), "other": N_("other representative")}


class PersonProfile(Base):
    """Name parts, birth date and contacts of a person; ``search_key`` is the casefolded full
    name (ё as е), because SQLite compares Cyrillic case-sensitively."""

    __tablename__ = "person_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    search_key: Mapped[str] = mapped_column(String(300), index=True)
    # Optimistic locking: a form sends the version it showed; a stale one is refused, never applied.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Enrollment(Base):
    """A student in a class for a date range, with the orders (приказы) that began and ended it."""

    __tablename__ = "enrollment"
    __table_args__ = (
        Index("ix_enrollment_student", "student_id", "starts_on"),
        Index("ix_enrollment_class", "class_group_id", "starts_on"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    class_group_id: Mapped[int] = mapped_column(ForeignKey("class_group.id", ondelete="RESTRICT"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    start_kind: Mapped[str] = mapped_column(String(16))  # ENROLLMENT_STARTS
    start_order_number: Mapped[str] = mapped_column(String(40), default="")
    start_order_date: Mapped[date | None] = mapped_column(Date)
    end_kind: Mapped[str | None] = mapped_column(String(16))  # ENROLLMENT_ENDS
    end_order_number: Mapped[str] = mapped_column(String(40), default="")
    end_order_date: Mapped[date | None] = mapped_column(Date)
    end_note: Mapped[str] = mapped_column(String(300), default="")  # where the student went


class Guardianship(Base):
    """A legal representative of a student: mother, father, a guardian by a guardianship decision.
    A family tie is the family's, not a school's: it carries no ``school_id``."""

    __tablename__ = "guardianship"
    __table_args__ = (
        UniqueConstraint("student_id", "guardian_id"),
        CheckConstraint("student_id <> guardian_id", name="not_self"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # GUARDIAN_KINDS
    document: Mapped[str] = mapped_column(String(200), default="")  # e.g. the guardianship decision
    starts_on: Mapped[date | None] = mapped_column(Date)  # None: since birth
    ends_on: Mapped[date | None] = mapped_column(Date)


class StaffPosition(Base):
    """A position (должность) a person holds in a school for a date range."""

    __tablename__ = "staff_position"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


IMPORT_KINDS = ("students", "staff")


class ImportUpload(Base):
    """An uploaded class list or staff list between its preview and its confirmation. The file is
    kept in the database (several app processes share it) and read again on confirmation, so what
    is written is what the preview showed, checked anew against the data of that moment."""

    __tablename__ = "import_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # IMPORT_KINDS
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # What the form gave for rows that leave these columns empty.
    academic_year_id: Mapped[int | None] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    class_group_id: Mapped[int | None] = mapped_column(ForeignKey("class_group.id", ondelete="CASCADE"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    order_number: Mapped[str] = mapped_column(String(40), default="")
    order_date: Mapped[date | None] = mapped_column(Date)
    start_kind: Mapped[str] = mapped_column(String(16), default="admitted")  # "continued": the year's lists
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(String(300), default="")  # what the confirmation did, for the history


class PersonalDataConsent(Base):
    """A written consent to the processing of a person's personal data (regulation 1.11, 1.12), for
    the purposes in ``scopes`` (keys of ``core.people.consent.CONSENT_SCOPES``), and its withdrawal
    or replacement recorded beside it. ``signed_by``: the representative who signed for a minor.
    ``kept_ground``: the legal ground on which the school keeps what the law makes it keep."""

    __tablename__ = "personal_data_consent"
    __table_args__ = (
        Index("ix_personal_data_consent_person", "school_id", "person_id", "given_on"),
        Index("uq_personal_data_consent_standing", "school_id", "person_id", unique=True,
              sqlite_where=text("withdrawn_on IS NULL"), postgresql_where=text("withdrawn_on IS NULL")),
        CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= given_on", name="dates"),
        CheckConstraint("valid_until IS NULL OR valid_until >= given_on", name="validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    given_on: Mapped[date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(String(300))  # «заявление от 01.09.2026, личное дело № 5-12»
    scopes: Mapped[str] = mapped_column(String(100))
    valid_until: Mapped[date | None] = mapped_column(Date)  # None: for the whole time of study
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_document: Mapped[str] = mapped_column(String(300), default="")
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kept_ground: Mapped[str] = mapped_column(String(300), default="")

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split(",") if scope]


PEOPLE_MODELS: tuple[type, ...] = (PersonProfile, Enrollment, Guardianship, StaffPosition, ImportUpload, PersonalDataConsent)
