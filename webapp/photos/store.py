"""Photo files on disk: names made by the server, written durably, read only through a scoped view."""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

VARIANTS = ("original", "display", "thumb")
_KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f-]{36}$")


class PhotoStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @staticmethod
    def key_for(photo_id: str) -> str:
        """The storage key comes from the server-checked UUID only, never from a client file name."""
        return f"{photo_id[:2]}/{photo_id}"

    def path(self, key: str, variant: str) -> Path:
        if variant not in VARIANTS or not _KEY_RE.match(key):
            raise ValueError("bad photo key or variant")
        return self.root / f"{key}-{variant}.jpg"

    def write(self, key: str, files: dict[str, bytes]) -> None:
        """Write each variant to a temporary name, fsync, rename, then fsync the folder: once this returns,
        the files survive a power cut, so the database row that follows never points at nothing."""
        folder = self.path(key, "original").parent
        folder.mkdir(parents=True, exist_ok=True)
        for variant, data in files.items():
            target = self.path(key, variant)
            # A name of its own: two writers of one key must never share (and steal) a temporary file.
            temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def remove(self, key: str) -> None:
        """Undo a write whose database row did not commit."""
        for variant in VARIANTS:
            try:
                self.path(key, variant).unlink()
            except FileNotFoundError:
                pass
