"""Pages of the people of the school (regulation 3.2, 3.8, 4.2, 4.9): students with their history,
families, staff, the class card, list import and export, the movement of students and class
occupancy, issuing logins and passwords, and consents to the processing of personal data."""

from core.web.people import admission_pages, cards_pages, consent_pages, credentials_pages, import_pages, reports_pages, staff_pages

ROUTES = [*cards_pages.ROUTES, *admission_pages.ROUTES, *staff_pages.ROUTES, *import_pages.ROUTES, *reports_pages.ROUTES, *credentials_pages.ROUTES, *consent_pages.ROUTES]
