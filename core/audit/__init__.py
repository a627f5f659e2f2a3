"""The append-only audit log of security events and data changes."""
