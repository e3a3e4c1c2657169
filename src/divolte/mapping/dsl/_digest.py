"""Message digests and seeded HMACs of ``digest(alg[, seed])`` (MAPPING §6.9).

The seeded form keys an HMAC with PBKDF2 of the seed, reproducing the reference's derivation
including its quirk: the key length is the digest size in *bytes* divided by 8.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

_SALT = b"divolte" + bytes.fromhex("b687e2d9aa060372")
_ITERATIONS = 100_000

# Java algorithm name (upper case, as accepted by MessageDigest.getInstance) → hashlib name.
_PLAIN = {
    "MD2": "md2",
    "MD5": "md5",
    "SHA": "sha1",
    "SHA1": "sha1",
    "SHA-1": "sha1",
    "SHA-224": "sha224",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
    "SHA-512/224": "sha512_224",
    "SHA-512/256": "sha512_256",
    "SHA3-224": "sha3_224",
    "SHA3-256": "sha3_256",
    "SHA3-384": "sha3_384",
    "SHA3-512": "sha3_512",
}
_SEEDED = {"SHA1": "sha1", "SHA224": "sha224", "SHA256": "sha256", "SHA384": "sha384"}
_SEEDED["SHA512"] = "sha512"


class DigestError(ValueError):
    pass


Hasher = Callable[[bytes], bytes]


def make_hasher(algorithm: str, seed: str | None) -> Hasher:
    """A function from the concatenated input to the digest; raises DigestError when the
    algorithm is unknown (or cannot be seeded)."""
    name = algorithm.upper()
    if seed is None:
        plain = _PLAIN.get(name)
        if plain is None or plain not in hashlib.algorithms_available:
            known = ", ".join(n for n in _PLAIN if _PLAIN[n] in hashlib.algorithms_available)
            raise DigestError(f"unknown digest algorithm {algorithm!r}; known: {known}")
        return lambda data: hashlib.new(plain, data).digest()
    hashlib_name = _SEEDED.get(name.replace("-", ""))
    if hashlib_name is None:
        raise DigestError(
            f"digest algorithm {algorithm!r} cannot be used with a seed; "
            "use one of SHA-1, SHA-224, SHA-256, SHA-384, SHA-512"
        )
    size = hashlib.new(hashlib_name).digest_size
    key = hashlib.pbkdf2_hmac(hashlib_name, seed.encode("utf-8"), _SALT, _ITERATIONS, size // 8)
    return lambda data: hmac.new(key, data, hashlib_name).digest()


def seeded_key(algorithm: str, seed: str) -> bytes:
    """The HMAC key derived from ``seed`` (exposed for tests against the spec's vectors)."""
    hashlib_name = _SEEDED[algorithm.upper().replace("-", "")]
    size = hashlib.new(hashlib_name).digest_size
    return hashlib.pbkdf2_hmac(hashlib_name, seed.encode("utf-8"), _SALT, _ITERATIONS, size // 8)
