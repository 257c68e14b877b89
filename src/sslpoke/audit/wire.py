"""ClientHello building and server-flight parsing, by hand, for enumeration.

An audit needs hellos no TLS library will send (a chosen list of 128 suites, a
single SHA-1 signature scheme, TLS 1.3 with no key share, SSLv2) and needs to
read only the server's first flight: ServerHello (or HelloRetryRequest), and in
TLS 1.2 and before the plaintext Certificate and ServerKeyExchange. Nothing is
ever completed, so no key is derived and nothing is encrypted: the messages are
built and read field by field, every length checked against what is left.
(cryptoparser, MPL-2.0, does this generally, but importing it took 8-17 s on this
machine — measured — against a target of a whole audit in under 2 s.)
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import time
from typing import NamedTuple

SSL3, TLS10, TLS11, TLS12, TLS13 = 0x0300, 0x0301, 0x0302, 0x0303, 0x0304
VERSION_NAMES = {
    0x0002: "SSLv2",
    SSL3: "SSLv3",
    TLS10: "TLSv1",
    TLS11: "TLSv1.1",
    TLS12: "TLSv1.2",
    TLS13: "TLSv1.3",
}
HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()
MAX_FLIGHT = 256 * 1024  # bytes read from one server flight
SCSV_RENEGOTIATION = 0x00FF

EXT_SNI, EXT_STATUS, EXT_GROUPS, EXT_POINTS, EXT_SIGALGS = 0, 5, 10, 11, 13
EXT_SCT = 18  # signed_certificate_timestamp (RFC 6962)
EXT_ALPN, EXT_EMS, EXT_TICKET, EXT_VERSIONS, EXT_PSK_MODES = 16, 23, 35, 43, 45
EXT_KEY_SHARE, EXT_RENEGOTIATION = 51, 0xFF01

ALERTS = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    40: "handshake_failure",
    42: "bad_certificate",
    47: "illegal_parameter",
    50: "decode_error",
    51: "decrypt_error",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    109: "missing_extension",
    110: "unsupported_extension",
    112: "unrecognized_name",
    120: "no_application_protocol",
}


class WireError(Exception):
    """The server's answer is not TLS as expected (or is cut short)."""


def _u8(n: int) -> bytes:
    return bytes([n])


def _u16(n: int) -> bytes:
    return struct.pack(">H", n)


def _vec8(b: bytes) -> bytes:
    return _u8(len(b)) + b


def _vec16(b: bytes) -> bytes:
    return _u16(len(b)) + b


def _ext(kind: int, body: bytes) -> bytes:
    return _u16(kind) + _vec16(body)


def _key_share_entry(group: int) -> bytes:
    """A real public key for the groups a server is likely to pick (it never completes)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519

    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    point = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    if group == 0x001D:
        key = x25519.X25519PrivateKey.generate().public_key().public_bytes(*raw)
    elif group == 0x001E:
        key = x448.X448PrivateKey.generate().public_key().public_bytes(*raw)
    else:
        curve = {0x0017: ec.SECP256R1(), 0x0018: ec.SECP384R1(), 0x0019: ec.SECP521R1()}[group]
        key = ec.generate_private_key(curve).public_key().public_bytes(*point)
    return _u16(group) + _vec16(key)


class Hello(NamedTuple):
    """What a ClientHello offers. ``version`` is the highest offered (TLS13: via
    supported_versions); ``key_shares``: groups to send shares for (empty: force a
    HelloRetryRequest)."""

    version: int
    suites: tuple[int, ...]
    servername: str | None = None
    groups: tuple[int, ...] = (0x001D, 0x0017, 0x0018, 0x0019)
    sigalgs: tuple[int, ...] = ()
    alpn: tuple[str, ...] = ()
    key_shares: tuple[int, ...] = (0x001D, 0x0017)
    scsv: bool = True
    ticket: bool = True
    status_request: bool = True


def client_hello(h: Hello) -> bytes:
    """The TLS record(s) carrying this ClientHello."""
    from sslpoke.audit.suites import MODERN_SIGALGS, SHA1_SIGALGS

    legacy = min(h.version, TLS12)
    suites = list(h.suites) + ([SCSV_RENEGOTIATION] if h.scsv and h.version < TLS13 else [])
    body = _u16(legacy) + os.urandom(32)
    body += _vec8(os.urandom(32) if h.version >= TLS13 else b"")
    body += _vec16(b"".join(_u16(s) for s in suites))
    body += _vec8(b"\x00")  # compression: null
    exts = b""
    if h.version >= TLS10:
        if h.servername and not _is_ip(h.servername):
            name = h.servername.encode("idna")
            exts += _ext(EXT_SNI, _vec16(b"\x00" + _vec16(name)))
        if h.groups:
            exts += _ext(EXT_GROUPS, _vec16(b"".join(_u16(g) for g in h.groups)))
            exts += _ext(EXT_POINTS, _vec8(b"\x00"))
        if h.version >= TLS12:
            sigalgs = h.sigalgs or (*MODERN_SIGALGS, *SHA1_SIGALGS)
            exts += _ext(EXT_SIGALGS, _vec16(b"".join(_u16(s) for s in sigalgs)))
        if h.alpn:
            protos = b"".join(_vec8(p.encode("ascii")) for p in h.alpn)
            exts += _ext(EXT_ALPN, _vec16(protos))
        if h.status_request:
            exts += _ext(EXT_STATUS, b"\x01\x00\x00\x00\x00")
            exts += _ext(EXT_SCT, b"")
        exts += _ext(EXT_EMS, b"")
        if h.ticket:
            exts += _ext(EXT_TICKET, b"")
        if h.version >= TLS13:
            exts += _ext(EXT_VERSIONS, _vec8(_u16(TLS13)))
            exts += _ext(EXT_PSK_MODES, _vec8(b"\x01"))
            shares = b"".join(_key_share_entry(g) for g in h.key_shares if g in h.groups)
            exts += _ext(EXT_KEY_SHARE, _vec16(shares))
    if exts:
        body += _vec16(exts)
    handshake = b"\x01" + struct.pack(">I", len(body))[1:] + body
    record_version = SSL3 if h.version == SSL3 else TLS10
    return b"\x16" + _u16(record_version) + _vec16(handshake)


def sslv2_client_hello() -> bytes:
    """An SSLv2 CLIENT-HELLO offering the seven SSLv2 cipher kinds."""
    kinds = bytes.fromhex("0100800200800300800400800500800600400700c0")
    challenge = os.urandom(16)
    body = b"\x01" + _u16(0x0002) + _u16(len(kinds)) + _u16(0) + _u16(len(challenge))
    body += kinds + challenge
    return _u16(0x8000 | len(body)) + body


def _is_ip(name: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class ServerFlight(NamedTuple):
    """What the server answered to one ClientHello."""

    version: int | None = None  # negotiated (supported_versions for TLS 1.3)
    suite: int | None = None
    hrr: bool = False  # a HelloRetryRequest (TLS 1.3)
    group: int | None = None  # TLS 1.3 key_share / HRR group, or TLS 1.2 ECDHE curve
    dh_bits: int | None = None  # TLS 1.2 and before, DHE: the prime's size
    sigalg: int | None = None  # TLS 1.2 ServerKeyExchange signature scheme
    certificates: tuple[bytes, ...] = ()  # DER, TLS 1.2 and before
    extensions: frozenset[int] = frozenset()
    alpn: str | None = None
    session_id: bool = False
    sct_list: bytes = b""  # the signed_certificate_timestamp extension (TLS 1.2 and before)
    alert: str | None = None  # the alert that ended it, if any
    sslv2: bool = False  # an SSLv2 SERVER-HELLO

    @property
    def accepted(self) -> bool:
        return self.suite is not None or self.sslv2


class _Reader:
    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.deadline, self.buf, self.total = sock, deadline, b"", 0

    def need(self, n: int) -> bytes:
        while len(self.buf) < n:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WireError("connection closed")
            self.total += len(chunk)
            if self.total > MAX_FLIGHT:
                raise WireError("the server's first flight is larger than sslpoke reads")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def exchange(
    sock: socket.socket, hello: bytes, deadline: float, *, sslv2: bool = False
) -> ServerFlight:
    """Send one hello and read the server's first flight (never more)."""
    sock.sendall(hello)
    reader = _Reader(sock, deadline)
    if sslv2:
        head = reader.need(3)
        if head[0] & 0x80 and head[2] == 4:
            return ServerFlight(sslv2=True, version=0x0002)
        return ServerFlight(alert="not SSLv2")
    handshake = b""
    flight: dict[str, object] = {}
    while True:
        try:
            header = reader.need(5)
        except WireError:
            if flight:
                return ServerFlight(**flight)  # type: ignore[arg-type]
            return ServerFlight(alert="connection closed")
        except TimeoutError:
            if flight:
                return ServerFlight(**flight)  # type: ignore[arg-type]
            return ServerFlight(alert="timeout")
        kind, length = header[0], struct.unpack(">H", header[3:5])[0]
        if kind not in (0x14, 0x15, 0x16, 0x17) or header[1] != 3 or length > 18432:
            raise WireError("not a TLS record")
        payload = reader.need(length)
        if kind == 0x15:
            name = ALERTS.get(payload[1], str(payload[1])) if len(payload) >= 2 else "?"
            return ServerFlight(**{**flight, "alert": name})  # type: ignore[arg-type]
        if kind != 0x16:
            return ServerFlight(**flight)  # type: ignore[arg-type]  # TLS 1.3: encrypted next
        handshake += payload
        while len(handshake) >= 4:
            mtype, mlen = handshake[0], int.from_bytes(handshake[1:4], "big")
            if len(handshake) < 4 + mlen:
                break
            body, handshake = handshake[4 : 4 + mlen], handshake[4 + mlen :]
            if mtype == 2:
                flight.update(_server_hello(body))
                if flight.get("hrr") or flight.get("version") == TLS13:
                    return ServerFlight(**flight)  # type: ignore[arg-type]
            elif mtype == 11:
                flight["certificates"] = _certificates(body)
            elif mtype == 12:
                flight.update(_key_exchange(body, flight))
            elif mtype == 14:  # ServerHelloDone (a CertificateRequest before it is skipped)
                return ServerFlight(**flight)  # type: ignore[arg-type]


def _take(data: bytes, pos: int, n: int) -> tuple[bytes, int]:
    if pos + n > len(data):
        raise WireError("a message is shorter than its lengths say")
    return data[pos : pos + n], pos + n


def _server_hello(body: bytes) -> dict[str, object]:
    version_b, pos = _take(body, 0, 2)
    random, pos = _take(body, pos, 32)
    sid_len, pos = _take(body, pos, 1)
    sid, pos = _take(body, pos, sid_len[0])
    suite_b, pos = _take(body, pos, 2)
    _, pos = _take(body, pos, 1)  # compression
    out: dict[str, object] = {
        "version": int.from_bytes(version_b, "big"),
        "suite": int.from_bytes(suite_b, "big"),
        "hrr": random == HRR_RANDOM,
        "session_id": bool(sid),
    }
    extensions: set[int] = set()
    if pos < len(body):
        ext_len, pos = _take(body, pos, 2)
        end = pos + int.from_bytes(ext_len, "big")
        while pos + 4 <= end:
            kind = int.from_bytes(body[pos : pos + 2], "big")
            data, pos = _take(body, pos + 4, int.from_bytes(body[pos + 2 : pos + 4], "big"))
            extensions.add(kind)
            if kind == EXT_VERSIONS and len(data) == 2:
                out["version"] = int.from_bytes(data, "big")
            elif kind == EXT_KEY_SHARE and len(data) >= 2:
                out["group"] = int.from_bytes(data[:2], "big")
            elif kind == EXT_ALPN and len(data) >= 3:
                out["alpn"] = data[3 : 3 + data[2]].decode("ascii", "replace")
            elif kind == EXT_SCT and data:
                out["sct_list"] = bytes(data)
    out["extensions"] = frozenset(extensions)
    return out


def _certificates(body: bytes) -> tuple[bytes, ...]:
    total, pos = _take(body, 0, 3)
    end = min(len(body), 3 + int.from_bytes(total, "big"))
    certs: list[bytes] = []
    while pos + 3 <= end and len(certs) < 32:
        n, pos = _take(body, pos, 3)
        der, pos = _take(body, pos, int.from_bytes(n, "big"))
        certs.append(der)
    return tuple(certs)


def _key_exchange(body: bytes, flight: dict[str, object]) -> dict[str, object]:
    from sslpoke.audit.suites import suites

    code = flight.get("suite")
    suite = suites().get(code if isinstance(code, int) else 0)
    kex = (suite.kex if suite else "") or ""
    out: dict[str, object] = {}
    try:
        if kex in ("ECDHE", "AECDH"):
            curve_type, pos = _take(body, 0, 1)
            if curve_type == b"\x03":
                group, pos = _take(body, pos, 2)
                out["group"] = int.from_bytes(group, "big")
                n, pos = _take(body, pos, 1)
                _, pos = _take(body, pos, n[0])
        elif kex in ("DHE", "ADH"):
            n, pos = _take(body, 0, 2)
            p, pos = _take(body, pos, int.from_bytes(n, "big"))
            out["dh_bits"] = int.from_bytes(p, "big").bit_length()
            for _ in range(2):  # g, Ys
                n, pos = _take(body, pos, 2)
                _, pos = _take(body, pos, int.from_bytes(n, "big"))
        else:
            return out
        if flight.get("version") == TLS12 and pos + 2 <= len(body):
            out["sigalg"] = int.from_bytes(body[pos : pos + 2], "big")
    except WireError:
        pass
    return out
