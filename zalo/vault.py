"""The OA's secret key and tokens, encrypted at rest with a key derived from SECRET_KEY
(Fernet: AES-128-CBC with an HMAC, from the `cryptography` library), so a copy of the
database alone does not give them away. They are never shown back nor logged."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class VaultError(Exception):
    """A stored secret cannot be read: SECRET_KEY changed since it was written."""


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"caidep zalo").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str) -> str:
    """The value encrypted, as text for a database column."""
    return _fernet().encrypt(value.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    """The value back; VaultError (in Vietnamese) when it cannot be decrypted."""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise VaultError("Không giải mã được khóa Zalo đã lưu: SECRET_KEY đã đổi từ khi liên kết. "
                         "Hãy liên kết lại OA (flask zalo link).") from None
