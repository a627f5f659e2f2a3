"""Re-exports for declaring handler parameters explicitly (Litestar 2.25 deprecates inference)."""

from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody

__all__ = ["FromPath", "FromQuery", "JSONBody", "NamedDependency", "URLEncodedBody"]
