"""TLS cipher suites and named groups, as data.

The tables are cryptodatahub's (``tls/cipher-suite.json``: 408 suites with IANA
and OpenSSL names, key exchange, authentication, cipher and mode;
``tls/named-curve.json``: the named groups), read as JSON: cryptodatahub's own
enum API costs seconds to import (measured), the JSON a few milliseconds.
"""

from __future__ import annotations

import json
from functools import cache
from typing import NamedTuple

_BITS = {
    "AES_128": 128,
    "AES_256": 256,
    "CHACHA20": 256,
    "CAMELLIA_128": 128,
    "CAMELLIA_256": 256,
    "ARIA_128": 128,
    "ARIA_256": 256,
    "SEED": 128,
    "SM4": 128,
    "IDEA": 128,
    "TRIPLE_DES_EDE": 112,
    "RC4_128": 128,
    "DES": 56,
    "RC2_56": 56,
    "RC4_56": 56,
    "DES40": 40,
    "RC2_40": 40,
    "RC4_40": 40,
}


class Suite(NamedTuple):
    code: int
    name: str  # IANA (Java uses the same names, with SSL_ for a few legacy ones)
    openssl: str | None
    kex: str | None  # RSA, DHE, ECDHE, ECDH, DH, PSK...; None for TLS 1.3 suites
    auth: str | None
    cipher: str | None
    mode: str | None
    aead: bool
    since: str  # SSL3, TLS1, TLS1_2, TLS1_3

    @property
    def tls13(self) -> bool:
        return self.since.startswith("TLS1_3")

    @property
    def bits(self) -> int:
        return _BITS.get(self.cipher or "", 0)

    @property
    def forward_secret(self) -> bool:
        return self.tls13 or (self.kex or "") in ("DHE", "ECDHE")

    @property
    def anonymous(self) -> bool:
        return (self.kex or "") in ("ADH", "AECDH") or self.auth == "anonymous"


def _json(name: str) -> object:
    import importlib.resources

    with (importlib.resources.files("cryptodatahub.tls") / name).open("rb") as fh:
        return json.loads(fh.read(4 << 20))


@cache
def suites() -> dict[int, Suite]:
    data = _json("cipher-suite.json")
    assert isinstance(data, dict)
    out = {}
    for entry in data.values():
        code = int(entry["code"])
        if code > 0xFFFF:  # SSLv2 three-byte kinds are handled apart
            continue
        out[code] = Suite(
            code,
            entry.get("iana_name") or entry.get("openssl_name") or f"0x{code:04X}",
            entry.get("openssl_name"),
            entry.get("key_exchange"),
            entry.get("authentication"),
            entry.get("bulk_cipher"),
            entry.get("block_cipher_mode"),
            bool(entry.get("authenticated_encryption")),
            entry.get("initial_version") or "TLS1",
        )
    return out


@cache
def by_name() -> dict[str, Suite]:
    """By IANA name, and by Java's SSL_-prefixed legacy names."""
    out = {}
    for s in suites().values():
        out[s.name] = s
        if s.name.startswith("TLS_"):
            out.setdefault("SSL_" + s.name[4:], s)
    return out


#: Named groups: code → name (the names Java and OpenSSL use).
GROUP_NAMES: dict[int, str] = {
    0x0017: "secp256r1",
    0x0018: "secp384r1",
    0x0019: "secp521r1",
    0x001D: "x25519",
    0x001E: "x448",
    0x0100: "ffdhe2048",
    0x0101: "ffdhe3072",
    0x0102: "ffdhe4096",
    0x0103: "ffdhe6144",
    0x0104: "ffdhe8192",
    0x11EC: "X25519MLKEM768",
    0x11EB: "SecP256r1MLKEM768",
    0x11ED: "SecP384r1MLKEM1024",
    0x001A: "brainpoolP256r1",
    0x001B: "brainpoolP384r1",
    0x001C: "brainpoolP512r1",
    0x001F: "brainpoolP256r1tls13",
    0x0020: "brainpoolP384r1tls13",
    0x0021: "brainpoolP512r1tls13",
    0x0016: "secp256k1",
    0x0015: "secp224r1",
    0x0013: "secp192r1",
    0x000E: "sect571k1",
    0x000D: "sect571r1",
    0x000B: "sect409k1",
    0x000C: "sect409r1",
    0x0009: "sect283k1",
    0x000A: "sect283r1",
    0x0006: "sect233k1",
    0x0007: "sect233r1",
}
GROUP_CODES = {v: k for k, v in GROUP_NAMES.items()}

#: Groups offered when enumerating TLS 1.3 (HelloRetryRequest elimination).
TLS13_GROUPS = [
    0x11EC, 0x11EB, 0x11ED, 0x001D, 0x0017, 0x0018, 0x0019, 0x001E,
    0x0100, 0x0101, 0x0102, 0x0103, 0x0104, 0x001F, 0x0020, 0x0021,
]  # fmt: skip
#: Curves offered when enumerating TLS 1.2 ECDHE (ServerKeyExchange tells the pick).
TLS12_CURVES = [
    0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0016, 0x001A, 0x001B, 0x001C, 0x0015,
    0x0013, 0x000E, 0x000D, 0x000B, 0x000C, 0x0009, 0x000A, 0x0006, 0x0007,
]  # fmt: skip

#: Signature schemes: code → name (RFC 8446 names, as Java prints them).
SIGALG_NAMES: dict[int, str] = {
    0x0401: "rsa_pkcs1_sha256",
    0x0501: "rsa_pkcs1_sha384",
    0x0601: "rsa_pkcs1_sha512",
    0x0403: "ecdsa_secp256r1_sha256",
    0x0503: "ecdsa_secp384r1_sha384",
    0x0603: "ecdsa_secp521r1_sha512",
    0x0804: "rsa_pss_rsae_sha256",
    0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512",
    0x0809: "rsa_pss_pss_sha256",
    0x080A: "rsa_pss_pss_sha384",
    0x080B: "rsa_pss_pss_sha512",
    0x0807: "ed25519",
    0x0808: "ed448",
    0x0201: "rsa_pkcs1_sha1",
    0x0203: "ecdsa_sha1",
    0x0202: "dsa_sha1",
    0x0402: "dsa_sha256",
    0x0301: "rsa_sha224",
    0x0303: "ecdsa_sha224",
}
SHA1_SIGALGS = (0x0201, 0x0203, 0x0202)
MODERN_SIGALGS = [c for c in SIGALG_NAMES if c not in SHA1_SIGALGS]
