"""Pages of the school structure (regulation 2.2, 3.7): calendar, classes, study groups, subjects,
curriculum, subject pages and teaching load."""

from core.web.structure import calendar_pages, curriculum_pages, organisation_pages, subject_pages

ROUTES = [*calendar_pages.ROUTES, *organisation_pages.ROUTES, *curriculum_pages.ROUTES, *subject_pages.ROUTES]
