"""Just enough DER to read and write what cryptography does not expose.

Used for the raw fields of a TBSCertificate (the exact issuer and subject bytes,
the inner signature algorithm), PKCS#12 bag attributes, and LDAP's StartTLS
messages. Every read is bounds-checked: the input comes from files and the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

# Universal tags (class bits and constructed bit included), as they appear on the wire.
BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
ENUMERATED = 0x0A
UTF8_STRING = 0x0C
SEQUENCE = 0x30
SET = 0x31
BMP_STRING = 0x1E


class DerError(ValueError):
    """The bytes are not the DER structure we expected."""


class Tlv(NamedTuple):
    """One element: its tag byte and where its value lies in the buffer."""

    tag: int
    start: int  # first byte of the header
    value_start: int
    end: int  # one past the last value byte

    def value(self, buf: bytes) -> bytes:
        return buf[self.value_start : self.end]

    def raw(self, buf: bytes) -> bytes:
        return buf[self.start : self.end]


def read_tlv(buf: bytes, pos: int = 0, end: int | None = None) -> Tlv:
    """Read the element at ``pos``; it must end at or before ``end``."""
    limit = len(buf) if end is None else end
    if pos + 2 > limit:
        raise DerError("truncated element")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not supported")
    first = buf[pos + 1]
    i = pos + 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0:
            raise DerError("indefinite length is not DER")
        if n > 4 or i + n > limit:
            raise DerError("bad length")
        length = int.from_bytes(buf[i : i + n], "big")
        i += n
    if i + length > limit:
        raise DerError("element runs past its container")
    return Tlv(tag, pos, i, i + length)


def children(buf: bytes, parent: Tlv) -> Iterator[Tlv]:
    """The elements inside a constructed element, in order."""
    pos = parent.value_start
    while pos < parent.end:
        child = read_tlv(buf, pos, parent.end)
        yield child
        pos = child.end


def expect(tlv: Tlv, tag: int, what: str) -> Tlv:
    if tlv.tag != tag:
        raise DerError(f"{what}: expected tag {tag:#04x}, found {tlv.tag:#04x}")
    return tlv


def decode_oid(body: bytes) -> str:
    if not body:
        raise DerError("empty OID")
    parts: list[int] = []
    value = 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    if body[-1] & 0x80:
        raise DerError("truncated OID")
    first = parts[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(p) for p in head + parts[1:])


def decode_int(body: bytes) -> int:
    if not body:
        raise DerError("empty INTEGER")
    return int.from_bytes(body, "big", signed=True)


# --- writing -----------------------------------------------------------------


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + encode_length(len(content)) + content


def seq(*items: bytes) -> bytes:
    return encode(SEQUENCE, b"".join(items))


def set_of(*items: bytes) -> bytes:
    return encode(SET, b"".join(sorted(items)))


def integer(value: int) -> bytes:
    length = max(1, (value.bit_length() + 8) // 8)
    return encode(INTEGER, value.to_bytes(length, "big", signed=True))


def octet_string(data: bytes) -> bytes:
    return encode(OCTET_STRING, data)


def oid(dotted: str) -> bytes:
    nums = [int(p) for p in dotted.split(".")]
    if len(nums) < 2:
        raise ValueError(f"bad OID {dotted!r}")
    body = bytearray()
    for n in [nums[0] * 40 + nums[1], *nums[2:]]:
        chunk = [n & 0x7F]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7F))
            n >>= 7
        body.extend(reversed(chunk))
    return encode(OID, bytes(body))


def explicit(number: int, content: bytes) -> bytes:
    """A context-specific constructed tag ``[number] EXPLICIT``."""
    return encode(0xA0 | number, content)


# --- certificates ----------------------------------------------------------


class RawTbs(NamedTuple):
    """The fields of a certificate whose exact bytes matter for path building."""

    version: int  # 0 = v1, 2 = v3
    inner_signature_algorithm: bytes
    outer_signature_algorithm: bytes
    issuer: bytes
    subject: bytes
    spki: bytes


def raw_tbs(cert_der: bytes) -> RawTbs:
    """Split a certificate into the raw fields cryptography re-encodes or hides."""
    outer = expect(read_tlv(cert_der), SEQUENCE, "Certificate")
    parts = list(children(cert_der, outer))
    if len(parts) != 3:
        raise DerError("Certificate must have three parts")
    tbs, outer_alg = parts[0], parts[1]
    fields = list(children(cert_der, expect(tbs, SEQUENCE, "TBSCertificate")))
    version = 0
    if fields and fields[0].tag == 0xA0:
        inner = read_tlv(cert_der, fields[0].value_start, fields[0].end)
        version = decode_int(expect(inner, INTEGER, "version").value(cert_der))
        fields = fields[1:]
    if len(fields) < 6:
        raise DerError("TBSCertificate is too short")
    return RawTbs(
        version=version,
        inner_signature_algorithm=fields[1].raw(cert_der),
        outer_signature_algorithm=outer_alg.raw(cert_der),
        issuer=fields[2].raw(cert_der),
        subject=fields[4].raw(cert_der),
        spki=fields[5].raw(cert_der),
    )
