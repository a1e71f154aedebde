# The part of Numba the app uses (webapp/photos/signature_pairs.py): njit as a decorator factory.
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

def njit(*, cache: bool = ..., nogil: bool = ..., **options: Any) -> Callable[[_F], _F]: ...
