"""A keyring backend for tests (`PYTHON_KEYRING_BACKEND=tests.servers.file_keyring.FileKeyring`):
a JSON file named by `TEST_KEYRING_FILE`, standing in for Secret Service / the macOS
Keychain, which this machine does not have. mcpod reaches it through the real `keyring`
package, exactly as it would a system keyring."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            loaded: dict[str, str] = json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}
        return loaded

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        values = self._load()
        values[f"{service}/{username}"] = password
        self._path.write_text(json.dumps(values))

    def delete_password(self, service: str, username: str) -> None:
        values = self._load()
        if values.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path.write_text(json.dumps(values))
