from collections.abc import Mapping
from typing import Any

from py_vapid import Vapid01
from requests import Response

class WebPushException(Exception):
    response: Response | None
    def __init__(self, message: str, response: Response | None = ...) -> None: ...

def webpush(
    subscription_info: Mapping[str, Any],
    data: str | bytes | None = ...,
    vapid_private_key: Vapid01 | str | None = ...,
    vapid_claims: dict[str, str | int] | None = ...,
    content_encoding: str = ...,
    curl: bool = ...,
    timeout: float | None = ...,
    ttl: int = ...,
    verbose: bool = ...,
    headers: dict[str, str | int | float] | None = ...,
) -> Response | str: ...
