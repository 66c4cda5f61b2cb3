"""Encryption at rest for personal data (PIPL art. 51) and masking for display."""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(("anju-field:" + key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def blind_index(value: str) -> str:
    """Keyed hash so an encrypted value can still be found and kept unique."""
    key = ("anju-index:" + settings.FIELD_ENCRYPTION_KEY).encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees plain text."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value


def mask_middle(value: str, head: int = 3, tail: int = 4) -> str:
    """139****5678: first ``head`` and last ``tail`` characters shown."""
    if not value:
        return value
    if len(value) <= head + tail:
        return value[:1] + "*" * (len(value) - 1)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]
