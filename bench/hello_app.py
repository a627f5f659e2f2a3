"""B0: a bare Litestar "hello", served exactly like zhurnal, to divide every figure by."""

from litestar import Litestar, MediaType, get


@get("/", media_type=MediaType.TEXT)
async def hello() -> str:
    return "hello"


app = Litestar([hello], openapi_config=None, logging_config=None)
