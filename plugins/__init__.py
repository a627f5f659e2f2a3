"""Built-in plugins. Each is a package registered under the entry-point group ``zhurnal.plugins``."""
