"""People of a school: students, guardians and staff, and the secretary's lists of them."""
