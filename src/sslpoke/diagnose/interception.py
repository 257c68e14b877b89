"""Recognising TLS interception products by the names they sign with.

The list lives in ``interception_products.py`` (one entry per product, with
the source that documents its issuer name). Only issuer names, and subjects of CA
certificates, are compared: a server certificate *for* fortinet.com must not
look like interception *by* Fortinet.
"""

from __future__ import annotations

from typing import NamedTuple

from cryptography import x509
from cryptography.x509.oid import NameOID

from sslpoke.diagnose.interception_products import PRODUCTS, Product
from sslpoke.pki.certs import Cert

_FIELDS = (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME)


def _values(name: x509.Name) -> list[str]:
    out = []
    for oid in _FIELDS:
        for attr in name.get_attributes_for_oid(oid):
            if isinstance(attr.value, str):
                out.append(attr.value.casefold())
    return out


class Match(NamedTuple):
    product: Product
    cert: Cert
    name: str  # the name that matched


_SEEN: dict[tuple[bytes, ...], Match | None] = {}  # a scan sees the same chains again
_SEEN_LIMIT = 4096


def find(chain: list[Cert]) -> Match | None:
    """The first interception product named in the chain's issuers, if any."""
    key = tuple(c.der for c in chain)
    if key in _SEEN:
        return _SEEN[key]
    found = _find(chain)
    if len(_SEEN) < _SEEN_LIMIT:
        _SEEN[key] = found
    return found


def _find(chain: list[Cert]) -> Match | None:
    for cert in chain:
        names = [(cert.issuer_text, _values(cert.issuer))]
        if cert.is_ca or cert.self_issued:
            names.append((cert.subject_text, _values(cert.subject)))
        for text, values in names:
            for product in PRODUCTS:
                for needle in product.match:
                    if any(needle.casefold() in v for v in values):
                        return Match(product, cert, text)
    return None
