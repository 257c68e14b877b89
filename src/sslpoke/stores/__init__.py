"""Truststores: one module per format, each able to read and (where sslpoke writes) write safely."""

from sslpoke.stores.load import load_mozilla, load_system, load_truststore
from sslpoke.stores.model import DEFAULT_PASSWORD, EntryKind, StoreType, TrustEntry, TrustStore

__all__ = [
    "DEFAULT_PASSWORD",
    "EntryKind",
    "StoreType",
    "TrustEntry",
    "TrustStore",
    "load_mozilla",
    "load_system",
    "load_truststore",
]
