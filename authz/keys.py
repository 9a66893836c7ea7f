"""Keys derived from the deployment key, one per use, so that no two uses share a key.

A pseudonym of an email must not be joinable with the pseudonym of the same text in another
field class, and a cursor key must not be a pseudonym key: each use asks for its own key, derived
with HKDF-SHA256 (RFC 5869) from the one secret the deployment is configured with.
"""

from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32


@cache
def derive_key(root: bytes, use: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=use.encode())
    return hkdf.derive(root)


def pseudonym_key(root: bytes, field_class: str) -> bytes:
    return derive_key(root, "pseudonym:" + field_class)


def cursor_key(root: bytes) -> bytes:
    return derive_key(root, "cursor")
