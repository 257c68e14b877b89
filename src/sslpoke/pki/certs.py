"""A certificate plus the facts path validation asks about, each computed once.

cryptography parses lazily and raises on malformed extensions; this wrapper turns
those failures into recorded facts (``extension_error``, ``key_error``) so that a
hostile certificate becomes a finding, never a crash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import warnings
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from sslpoke import asn1

E = TypeVar("E", bound=x509.ExtensionType)


class CertificateParseError(ValueError):
    """The bytes are not a certificate sslpoke can read."""


class Cert:
    """An immutable, parsed X.509 certificate."""

    __slots__ = ("__dict__", "der", "raw", "x")

    def __init__(self, der: bytes, parsed: x509.Certificate | None = None) -> None:
        self.der = bytes(der)
        try:
            self.raw = asn1.raw_tbs(self.der)
        except asn1.DerError as exc:
            raise CertificateParseError(f"not a DER certificate: {exc}") from None
        if parsed is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    parsed = x509.load_der_x509_certificate(self.der)
                except x509.InvalidVersion as exc:
                    raise CertificateParseError(
                        f"malformed certificate: version field {exc.parsed_version + 1} "
                        "(only 1, 2 and 3 exist)"
                    ) from None
                except Exception as exc:  # ValueError and whatever a hostile encoding raises
                    raise CertificateParseError(f"malformed certificate: {exc}") from None
        self.x = parsed

    @classmethod
    def from_x509(cls, cert: x509.Certificate) -> Cert:
        from cryptography.hazmat.primitives.serialization import Encoding

        return cls(cert.public_bytes(Encoding.DER), cert)

    def __reduce__(self) -> tuple[type[Cert], tuple[bytes]]:
        """Pickled as its DER (a scan's store travels to Ray workers)."""
        return (Cert, (self.der,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cert) and other.der == self.der

    def __hash__(self) -> int:
        return hash(self.sha256)

    def __repr__(self) -> str:
        return f"<Cert {self.display_name!r} {self.fingerprint[:11]}>"

    # --- identity ------------------------------------------------------------

    @cached_property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.der).digest()

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint as keytool prints it (``AB:CD:...``)."""
        return ":".join(f"{b:02X}" for b in self.sha256)

    @cached_property
    def sha1_fingerprint(self) -> str:
        return ":".join(f"{b:02X}" for b in hashlib.sha1(self.der).digest())

    @cached_property
    def pem(self) -> str:
        return der_to_pem(self.der)

    @cached_property
    def spki_sha256(self) -> bytes:
        return hashlib.sha256(self.raw.spki).digest()

    # --- names ---------------------------------------------------------------

    @cached_property
    def subject(self) -> x509.Name:
        return _name(self.x, "subject")

    @cached_property
    def issuer(self) -> x509.Name:
        return _name(self.x, "issuer")

    @cached_property
    def subject_key(self) -> tuple[Any, ...]:
        """Subject in the comparison form of RFC 5280 section 7.1 (case and space folded)."""
        return name_key(self.subject)

    @cached_property
    def issuer_key(self) -> tuple[Any, ...]:
        return name_key(self.issuer)

    @cached_property
    def self_issued(self) -> bool:
        return self.raw.subject == self.raw.issuer or self.subject_key == self.issuer_key

    @cached_property
    def subject_text(self) -> str:
        return _rfc4514(self.subject)

    @cached_property
    def issuer_text(self) -> str:
        return _rfc4514(self.issuer)

    @cached_property
    def display_name(self) -> str:
        """The common name if there is one, else the whole subject."""
        cns = self.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if cns and isinstance(cns[0].value, str) and cns[0].value.strip():
            return cns[0].value
        return self.subject_text or "(empty subject)"

    @cached_property
    def issuer_display_name(self) -> str:
        cns = self.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
        if cns and isinstance(cns[0].value, str) and cns[0].value.strip():
            return cns[0].value
        return self.issuer_text or "(empty issuer)"

    @cached_property
    def common_names(self) -> tuple[str, ...]:
        return tuple(str(a.value) for a in self.subject.get_attributes_for_oid(NameOID.COMMON_NAME))

    # --- validity and serial -------------------------------------------------

    @cached_property
    def not_before(self) -> datetime:
        return self.x.not_valid_before_utc

    @cached_property
    def not_after(self) -> datetime:
        return self.x.not_valid_after_utc

    @cached_property
    def serial(self) -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.x.serial_number

    @cached_property
    def serial_hex(self) -> str:
        return format(self.serial, "x") if self.serial >= 0 else "-" + format(-self.serial, "x")

    # --- extensions ----------------------------------------------------------

    @cached_property
    def _extensions(self) -> tuple[x509.Extensions | None, str | None]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return self.x.extensions, None
            except x509.DuplicateExtension as exc:
                return None, f"duplicate extension {exc.oid.dotted_string}"
            except Exception as exc:  # ValueError, TypeError... from hostile encodings
                salvaged = _salvage_extensions(self.der)
                if salvaged is not None and self._unparsed_from(salvaged[1]):
                    return salvaged[0], None
                return None, f"malformed extension: {exc}"

    def _unparsed_from(self, unparsed: tuple[UnparsedExtension, ...]) -> bool:
        self.__dict__["unparsed_extensions"] = unparsed
        return bool(unparsed)

    @cached_property
    def unparsed_extensions(self) -> tuple[UnparsedExtension, ...]:
        """Extensions whose content does not parse, when the others do (Java ignores
        such an extension unless it is critical)."""
        _ = self._extensions
        return tuple(self.__dict__.get("unparsed_extensions", ()))

    @property
    def extension_error(self) -> str | None:
        """Why the extensions cannot be read at all, or the first critical one that does not parse."""
        error = self._extensions[1]
        if error is None:
            for bad in self.unparsed_extensions:
                if bad.critical:
                    return f"malformed critical extension {bad.oid}"
        return error

    @property
    def extensions(self) -> x509.Extensions:
        exts = self._extensions[0]
        return exts if exts is not None else x509.Extensions([])

    def ext(self, kind: type[E]) -> x509.Extension[E] | None:
        try:
            return self.extensions.get_extension_for_class(kind)
        except x509.ExtensionNotFound:
            return None

    def ext_value(self, kind: type[E]) -> E | None:
        found = self.ext(kind)
        return found.value if found is not None else None

    @cached_property
    def basic_constraints(self) -> x509.BasicConstraints | None:
        return self.ext_value(x509.BasicConstraints)

    @cached_property
    def is_ca(self) -> bool:
        bc = self.basic_constraints
        return bool(bc and bc.ca)

    @cached_property
    def key_usage(self) -> x509.KeyUsage | None:
        return self.ext_value(x509.KeyUsage)

    @cached_property
    def eku(self) -> x509.ExtendedKeyUsage | None:
        found = self.ext_value(x509.ExtendedKeyUsage)
        if found is None and any(
            u.oid == "2.5.29.37" and u.value == b"\x30\x00" for u in self.unparsed_extensions
        ):
            # An empty EKU: cryptography refuses it, Java reads it as "no purpose at all".
            return x509.ExtendedKeyUsage([])
        return found

    @cached_property
    def san(self) -> x509.SubjectAlternativeName | None:
        return self.ext_value(x509.SubjectAlternativeName)

    @cached_property
    def san_dns(self) -> tuple[str, ...]:
        san = self.san
        return tuple(san.get_values_for_type(x509.DNSName)) if san else ()

    @cached_property
    def san_ips(self) -> tuple[str, ...]:
        san = self.san
        return tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress)) if san else ()

    @cached_property
    def ski(self) -> bytes | None:
        value = self.ext_value(x509.SubjectKeyIdentifier)
        return value.digest if value else None

    @cached_property
    def aki_key_id(self) -> bytes | None:
        value = self.ext_value(x509.AuthorityKeyIdentifier)
        return value.key_identifier if value else None

    @cached_property
    def ca_issuers_urls(self) -> tuple[str, ...]:
        """AIA caIssuers URLs: where the issuer's certificate can be downloaded."""
        aia = self.ext_value(x509.AuthorityInformationAccess)
        if not aia:
            return ()
        return tuple(
            d.access_location.value
            for d in aia
            if d.access_method == x509.oid.AuthorityInformationAccessOID.CA_ISSUERS
            and isinstance(d.access_location, x509.UniformResourceIdentifier)
        )

    def critical(self, oid: x509.ObjectIdentifier) -> bool | None:
        try:
            return self.extensions.get_extension_for_oid(oid).critical
        except x509.ExtensionNotFound:
            return None

    # --- keys and signatures -------------------------------------------------

    @cached_property
    def _public_key(self) -> tuple[Any, str | None]:
        try:
            return self.x.public_key(), None
        except (ValueError, TypeError) as exc:  # unsupported or malformed key
            return None, str(exc) or type(exc).__name__
        except Exception as exc:  # cryptography's UnsupportedAlgorithm and friends
            return None, str(exc) or type(exc).__name__

    @property
    def public_key(self) -> Any:
        return self._public_key[0]

    @property
    def key_error(self) -> str | None:
        return self._public_key[1]

    @cached_property
    def key_type(self) -> str:
        key = self.public_key
        if isinstance(key, rsa.RSAPublicKey):
            return "RSA"
        if isinstance(key, ec.EllipticCurvePublicKey):
            return "EC"
        if isinstance(key, dsa.DSAPublicKey):
            return "DSA"
        if isinstance(key, ed25519.Ed25519PublicKey):
            return "Ed25519"
        if isinstance(key, ed448.Ed448PublicKey):
            return "Ed448"
        return "unknown"

    @cached_property
    def key_bits(self) -> int:
        key = self.public_key
        if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey):
            return key.key_size
        if isinstance(key, ec.EllipticCurvePublicKey):
            return key.curve.key_size
        if isinstance(key, ed25519.Ed25519PublicKey):
            return 256
        if isinstance(key, ed448.Ed448PublicKey):
            return 456
        return 0

    @cached_property
    def curve(self) -> str | None:
        key = self.public_key
        return key.curve.name if isinstance(key, ec.EllipticCurvePublicKey) else None

    @cached_property
    def explicit_curve(self) -> bool:
        """An EC key given by explicit parameters rather than a named curve (RFC 5480 forbids it)."""
        try:
            spki = asn1.read_tlv(self.raw.spki)
            algorithm = asn1.read_tlv(self.raw.spki, spki.value_start, spki.end)
            algo_oid = asn1.read_tlv(self.raw.spki, algorithm.value_start, algorithm.end)
            if asn1.decode_oid(algo_oid.value(self.raw.spki)) != "1.2.840.10045.2.1":
                return False
            params = asn1.read_tlv(self.raw.spki, algo_oid.end, algorithm.end)
        except asn1.DerError:
            return False
        return params.tag != asn1.OID

    @cached_property
    def key_description(self) -> str:
        if self.key_error:
            return "unreadable key"
        if self.key_type == "EC":
            return f"EC {_CURVE_NAMES.get(self.curve or '', self.curve)}"
        if self.key_type in ("Ed25519", "Ed448"):
            return self.key_type
        return f"{self.key_type} {self.key_bits}"

    @cached_property
    def signature_hash(self) -> str | None:
        """Lower-case name of the hash in the signature algorithm (``sha1``, ``md5``...)."""
        try:
            algo = self.x.signature_hash_algorithm
        except Exception:  # an algorithm cryptography does not know (MD2, GOST...)
            return _LEGACY_SIG_HASH.get(self.x.signature_algorithm_oid.dotted_string, "unknown")
        return algo.name if algo is not None else None

    @cached_property
    def signature_key_type(self) -> str | None:
        """The key type of the signature algorithm: RSA, EC, DSA, Ed25519, Ed448."""
        oid = self.x.signature_algorithm_oid.dotted_string
        if oid.startswith("1.2.840.113549.1.1."):
            return "RSA"
        if oid.startswith("1.2.840.10045.4."):
            return "EC"
        if oid.startswith(("1.2.840.10040.4.", "2.16.840.1.101.3.4.3.")):
            return "DSA"
        return {"1.3.101.112": "Ed25519", "1.3.101.113": "Ed448"}.get(oid)

    @cached_property
    def signature_algorithm(self) -> str:
        """A readable name such as ``sha256WithRSAEncryption`` or ``ecdsa-with-SHA384``."""
        oid = self.x.signature_algorithm_oid
        name = getattr(oid, "_name", None)
        if name and name != "Unknown OID":
            return str(name)
        return _LEGACY_SIG_NAMES.get(oid.dotted_string, oid.dotted_string)


class UnparsedExtension(NamedTuple):
    oid: str
    critical: bool
    value: bytes = b""


MAX_SALVAGED_EXTENSIONS = 32


def _salvage_extensions(
    der: bytes,
) -> tuple[x509.Extensions, tuple[UnparsedExtension, ...]] | None:
    """Parse the extensions one by one, keeping those that parse.

    cryptography refuses a certificate's whole extension list when one
    extension's content is malformed; Java parses each on its own and ignores a
    non-critical one it cannot read. Each extension is tried in a copy of the
    certificate whose extension list grows one at a time (bounded).
    """
    try:
        cert = asn1.read_tlv(der)
        tbs = asn1.read_tlv(der, cert.value_start, cert.end)
        rest = der[tbs.end : cert.end]
        fields = list(asn1.children(der, tbs))
        ext_field = next((f for f in fields if f.tag == 0xA3), None)
        if ext_field is None:
            return None
        seq = asn1.read_tlv(der, ext_field.value_start, ext_field.end)
        items = list(asn1.children(der, seq))
    except asn1.DerError:
        return None
    if len(items) > MAX_SALVAGED_EXTENSIONS:
        return None
    head = der[tbs.value_start : ext_field.start]
    tail = der[ext_field.end : tbs.end]

    def parse(exts: list[bytes]) -> x509.Extensions | None:
        body = head + asn1.explicit(3, asn1.seq(*exts)) + tail
        candidate = asn1.seq(asn1.encode(asn1.SEQUENCE, body), rest)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return x509.load_der_x509_certificate(candidate).extensions
            except Exception:
                return None

    kept: list[bytes] = []
    unparsed: list[UnparsedExtension] = []
    result: x509.Extensions | None = x509.Extensions([])
    for item in items:
        raw = der[item.start : item.end]
        parsed = parse([*kept, raw])
        if parsed is None:
            unparsed.append(_describe_extension(der, item))
        else:
            kept.append(raw)
            result = parsed
    if result is None:
        return None
    return result, tuple(unparsed)


def _describe_extension(der: bytes, item: asn1.Tlv) -> UnparsedExtension:
    try:
        parts = list(asn1.children(der, item))
        oid = asn1.decode_oid(parts[0].value(der))
        critical = (
            len(parts) > 2 and parts[1].tag == asn1.BOOLEAN and parts[1].value(der) != b"\x00"
        )
        value = parts[-1].value(der)
    except (asn1.DerError, IndexError):
        return UnparsedExtension("?", True)
    return UnparsedExtension(oid, critical, value)


_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_LEGACY_SIG_HASH = {
    "1.2.840.113549.1.1.2": "md2",
    "1.2.840.113549.1.1.3": "md4",
    "1.2.840.113549.1.1.4": "md5",
}
_LEGACY_SIG_NAMES = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
    "1.2.840.113549.1.1.3": "md4WithRSAEncryption",
    "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
}


def _name(cert: x509.Certificate, which: str) -> x509.Name:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return cert.subject if which == "subject" else cert.issuer
        except ValueError:
            return x509.Name([])


def _rfc4514(name: x509.Name) -> str:
    try:
        return name.rfc4514_string()
    except Exception:
        return repr(name)


def _fold(value: str) -> str:
    return " ".join(value.split()).casefold()


def name_key(name: x509.Name) -> tuple[Any, ...]:
    """A hashable form of a Name for RFC 5280 comparison: case-insensitive, spaces folded."""
    return tuple(
        tuple(
            sorted(
                (a.oid.dotted_string, _fold(a.value) if isinstance(a.value, str) else a.value)
                for a in rdn
            )
        )
        for rdn in name.rdns
    )


_BEGIN = b"-----BEGIN CERTIFICATE-----"
_END = b"-----END CERTIFICATE-----"


def der_to_pem(der: bytes) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def pem_blocks(data: bytes) -> list[bytes]:
    """The DER inside each CERTIFICATE block; other blocks (keys, CRLs) and junk are skipped."""
    return [der for der in _pem_bodies(data) if isinstance(der, bytes)]


def _pem_bodies(data: bytes) -> list[bytes | str]:
    """Each CERTIFICATE block's DER, or why it could not be decoded."""
    out: list[bytes | str] = []
    pos = 0
    while (start := data.find(_BEGIN, pos)) >= 0:
        end = data.find(_END, start)
        if end < 0:
            out.append("no END line")
            break
        body = data[start + len(_BEGIN) : end]
        try:
            out.append(base64.b64decode(b"".join(body.split()), validate=True))
        except (binascii.Error, ValueError):
            out.append("not valid base64")
        pos = end + len(_END)
    return out


class PemRead(NamedTuple):
    certs: list[Cert]
    skipped: list[str]  # "block 3: not valid base64", ...
    blocks: int

    def note(self) -> str | None:
        if not self.skipped:
            return None
        return (
            f"{len(self.skipped)} of {self.blocks} certificate blocks could not be read and were "
            f"skipped: {'; '.join(self.skipped[:5])}"
        )


def read_pem(data: bytes) -> PemRead:
    """Every CERTIFICATE block of PEM text, and which blocks could not be read."""
    certs: list[Cert] = []
    skipped: list[str] = []
    bodies = _pem_bodies(data)
    for n, der in enumerate(bodies, start=1):
        if isinstance(der, str):
            skipped.append(f"block {n}: {der}")
            continue
        try:
            certs.append(Cert(der))
        except CertificateParseError as exc:
            skipped.append(f"block {n}: {exc}")
    return PemRead(certs, skipped, len(bodies))


def load_pem_or_der(data: bytes) -> list[Cert]:
    """All certificates in PEM text, or one DER certificate. Unparseable PEM blocks are skipped
    (:func:`read_pem` says which)."""
    if b"-----BEGIN" in data:
        return read_pem(data).certs
    return [Cert(data)]
