"""Recognising TLS interception products by the names they sign with.

The list lives in ``interception.json`` (one entry per product, with the
source that documents its issuer name). Only issuer names, and subjects of CA
certificates, are compared: a server certificate *for* fortinet.com must not
look like interception *by* Fortinet.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from cryptography import x509
from cryptography.x509.oid import NameOID

from sslpoke.pki.certs import Cert

_FIELDS = (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME)


class Product(NamedTuple):
    product: str
    vendor: str
    kind: str  # antivirus, proxy, adware
    match: tuple[str, ...]
    how_to_stop: str
    source: str


@lru_cache(maxsize=1)
def products() -> tuple[Product, ...]:
    text = (Path(__file__).parent / "interception.json").read_text("utf-8")
    data = json.loads(text)
    return tuple(
        Product(
            p["product"], p["vendor"], p["kind"], tuple(p["match"]), p["how_to_stop"], p["source"]
        )
        for p in data["products"]
    )


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


def find(chain: list[Cert]) -> Match | None:
    """The first interception product named in the chain's issuers, if any."""
    for cert in chain:
        names = [(cert.issuer_text, _values(cert.issuer))]
        if cert.is_ca or cert.self_issued:
            names.append((cert.subject_text, _values(cert.subject)))
        for text, values in names:
            for product in products():
                for needle in product.match:
                    if any(needle.casefold() in v for v in values):
                        return Match(product, cert, text)
    return None
