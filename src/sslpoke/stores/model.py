"""What a truststore is once read, whatever its format."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from sslpoke.pki.anchors import Anchor, AnchorSet
from sslpoke.pki.certs import Cert

#: Refuse to read files larger than this; no real truststore comes close.
MAX_STORE_BYTES = 64 * 1024 * 1024
#: Java's default truststore password.
DEFAULT_PASSWORD = "changeit"
JKS_MAGIC = 0xFEEDFEED  # the first four bytes of a JKS keystore
JCEKS_MAGIC = 0xCECECECE  # and of a JCEKS one


def slug(name: str) -> str:
    """Lower case (as Java requires of JKS aliases), safe in a shell and a file name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "sslpoke"


def alias_for(cert: Cert) -> str:
    """A keystore alias (and file name) from the certificate's subject."""
    return slug(cert.display_name)


class StoreType(StrEnum):
    PEM = "pem"
    DER = "der"
    DIRECTORY = "directory"
    JKS = "jks"
    JCEKS = "jceks"
    PKCS12 = "pkcs12"


class EntryKind(StrEnum):
    TRUSTED = "trustedCertEntry"
    KEY = "PrivateKeyEntry"  # Java trusts the first certificate of a key entry's chain too


class TrustEntry(NamedTuple):
    cert: Cert
    alias: str | None = None
    kind: EntryKind = EntryKind.TRUSTED


class TrustStore(NamedTuple):
    """A readable set of trust anchors and where it came from."""

    type: StoreType
    entries: tuple[TrustEntry, ...]
    path: Path | None = None
    origin: str = ""  # how it was chosen: "--truststore", "java default (cacerts)", ...
    notes: tuple[str, ...] = ()  # things worth telling (unverified integrity...)
    password_checked: bool = False

    @property
    def anchors(self) -> AnchorSet:
        """Indexed for path building (cheap: built from already-parsed certificates)."""
        return AnchorSet(Anchor(e.cert, e.alias) for e in self.entries)

    @property
    def location(self) -> str:
        return str(self.path) if self.path else self.origin

    def describe(self) -> str:
        n = len(self.entries)
        return f"{self.type.value.upper()} {self.location} ({n} {'entry' if n == 1 else 'entries'})"

    def alias_of(self, cert: Cert) -> str | None:
        for entry in self.entries:
            if entry.cert == cert:
                return entry.alias
        return None
