"""Errors that stop start-up or a command with one clear line (never a traceback)."""


class ZhurnalError(Exception):
    """Base of the errors zhurnal reports to a person as one line."""


class ConfigError(ZhurnalError):
    """A malformed or missing setting."""


class StartupError(ZhurnalError):
    """The platform cannot start: a plugin is missing, misspelt, or its requirements are absent."""


class MigrationError(ZhurnalError):
    """The database schema cannot be brought to (or is not at) the expected state."""
