"""A scan's TLS 1.3 capture by hand: OpenSSL's own ClientHello, the server's flight read here.

Why by hand: a fleet scan is bound by the client's CPU per handshake, and OpenSSL 3.0
(the system library the ssl module uses) spends about 1.0-1.3 ms of it per TLS 1.3
handshake on this project's machine, against about 0.5 ms for the same handshake
done here with pyca/cryptography's primitives (X25519, the AEADs, the signature check)
and the stdlib's HMAC — measured, ``bench/scan_speed.py``. The probe never uses this:
it keeps the plain OpenSSL capture of :mod:`sslpoke.net.tls`.

What keeps it honest:

* **The same ClientHello.** The hello is OpenSSL's: the capture context of
  :func:`~sslpoke.net.tls.capture_context` writes one once per process, and only the
  random, the session id, the server name (and the padding OpenSSL sizes from it) and
  the X25519 key share are replaced. The server therefore chooses exactly as it
  would for the OpenSSL capture (version, suite, certificate); a unit test compares
  the bytes with OpenSSL's for every name length.
* **Only the plain case.** A TLS 1.3 ServerHello with an X25519 share, the
  encrypted flight (EncryptedExtensions, Certificate, CertificateVerify, Finished)
  checked as OpenSSL checks it: the server's signature over the transcript with the
  leaf's key, and its Finished MAC. Anything else — TLS 1.2 or older, a
  HelloRetryRequest, an alert, a certificate request, an extension not asked for,
  a signature or a MAC that does not verify, bytes that do not parse — is *unusual*:
  :func:`handshake_async` returns None and the caller runs the OpenSSL capture on a
  new connection, so every failure is still classified by OpenSSL, in the same
  words as the probe. A differential test holds the two captures equal over servers
  with every key type, suite and chain shape.
* **Then it completes the handshake** (the client's Finished, as OpenSSL would send
  it), so a scanned server logs a normal connection, not an aborted one.

Everything read is bounded: records to the RFC's 2^14 + 256 bytes, the whole flight
to the capture's 1 MiB, certificates to 64.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import os
import socket
import ssl
import struct
import time
from typing import Any, NamedTuple

# Imported here, not per call: only the scan imports this module (the probe never does).
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from sslpoke.net import aio
from sslpoke.net.tls import (
    MAX_HANDSHAKE_BYTES,
    TlsFacts,
    capture_context,
    handshake_timeout,
)

_READ = 65536
_MAX_RECORD = 2**14 + 256
_MAX_CERTS = 64
_HANDSHAKE, _ALERT, _CCS, _APPDATA = 22, 21, 20, 23
_SERVER_HELLO, _ENCRYPTED_EXTENSIONS, _CERTIFICATE = 2, 8, 11
_CERTIFICATE_VERIFY, _FINISHED = 15, 20
_HRR_RANDOM = bytes.fromhex(  # SHA-256("HelloRetryRequest"), RFC 8446 4.1.3
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
)
_EXT_SNI, _EXT_GROUPS, _EXT_SIGALGS, _EXT_VERSIONS, _EXT_KEY_SHARE = 0, 10, 13, 43, 51
_EXT_PSK, _EXT_PADDING = 41, 21
#: TLS 1.3 suites: IANA code -> (OpenSSL's name, hash, key length)
_SUITES = {
    0x1301: ("TLS_AES_128_GCM_SHA256", "sha256", 16),
    0x1302: ("TLS_AES_256_GCM_SHA384", "sha384", 32),
    0x1303: ("TLS_CHACHA20_POLY1305_SHA256", "sha256", 32),
}
#: What an EncryptedExtensions may carry in answer to this hello (server_name's
#: empty acknowledgement, the server's own groups); anything else OpenSSL refuses.
_EE_ALLOWED = frozenset({_EXT_SNI, _EXT_GROUPS})


class UnusualServerError(Exception):
    """Not the plain TLS 1.3 case: leave this server to the OpenSSL capture."""


class _Template(NamedTuple):
    suites: bytes  # the cipher_suites vector's body
    compression: bytes
    extensions: tuple[tuple[int, bytes], ...]  # OpenSSL's, in its order, padding left out
    padded: bool  # OpenSSL pads (RFC 7685) when the hello falls in 256..511 bytes
    tls13_suites: frozenset[int]
    sigalgs: frozenset[int]


_TEMPLATE: _Template | None = None
_NO_TEMPLATE = False


def _vector(data: bytes, pos: int, width: int) -> tuple[bytes, int]:
    if pos + width > len(data):
        raise UnusualServerError("truncated")
    n = int.from_bytes(data[pos : pos + width], "big")
    end = pos + width + n
    if end > len(data):
        raise UnusualServerError("truncated")
    return data[pos + width : end], end


def _extensions(block: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(block):
        if pos + 4 > len(block):
            raise UnusualServerError("truncated extension")
        kind = int.from_bytes(block[pos : pos + 2], "big")
        body, pos = _vector(block, pos + 2, 2)
        out.append((kind, body))
    if len({k for k, _ in out}) != len(out):
        raise UnusualServerError("an extension twice")
    return out


def parse_client_hello(message: bytes) -> tuple[bytes, bytes, bytes, list[tuple[int, bytes]]]:
    """(random + session id, suites, compression, extensions) of a ClientHello message."""
    if message[:1] != b"\x01" or int.from_bytes(message[1:4], "big") != len(message) - 4:
        raise UnusualServerError("not a ClientHello")
    body = message[4:]
    if body[:2] != b"\x03\x03":
        raise UnusualServerError("not a TLS 1.2-framed hello")
    session, pos = _vector(body, 34, 1)
    suites, pos = _vector(body, pos, 2)
    compression, pos = _vector(body, pos, 1)
    block, pos = _vector(body, pos, 2)
    if pos != len(body):
        raise UnusualServerError("bytes after the extensions")
    return body[2:34] + session, suites, compression, _extensions(block)


def _openssl_hello(servername: bytes | str | None) -> bytes:
    """The ClientHello message the OpenSSL capture sends for this name (no record header)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    sslobj = capture_context().wrap_bio(incoming, outgoing, server_hostname=servername)
    with contextlib.suppress(ssl.SSLWantReadError):  # it waits for the server: done
        sslobj.do_handshake()
    record = outgoing.read()
    if record[:1] != b"\x16" or int.from_bytes(record[3:5], "big") != len(record) - 5:
        raise UnusualServerError("OpenSSL's hello is not one record")
    return record[5:]


def template() -> _Template | None:
    """OpenSSL's hello as a template, or None if it is not one this module can fill in
    (no TLS 1.3, a key share other than X25519 alone, a PSK)."""
    global _TEMPLATE, _NO_TEMPLATE
    if _TEMPLATE is not None or _NO_TEMPLATE:
        return _TEMPLATE
    try:
        _, suites, compression, exts = parse_client_hello(_openssl_hello(b"template.invalid"))
        kinds = dict(exts)
        share, _ = _vector(kinds.get(_EXT_KEY_SHARE, b""), 0, 2)
        versions, _ = _vector(kinds.get(_EXT_VERSIONS, b""), 0, 1)
        if (
            share[:4] != b"\x00\x1d\x00\x20"
            or len(share) != 36
            or _EXT_PSK in kinds
            or b"\x03\x04" not in {versions[i : i + 2] for i in range(0, len(versions), 2)}
        ):
            raise UnusualServerError("not a hello this module can fill in")
        codes = {int.from_bytes(suites[i : i + 2], "big") for i in range(0, len(suites), 2)}
        sigalgs, _ = _vector(kinds.get(_EXT_SIGALGS, b""), 0, 2)
        _TEMPLATE = _Template(
            suites=suites,
            compression=compression,
            extensions=tuple((k, b) for k, b in exts if k != _EXT_PADDING),
            padded=_EXT_PADDING in kinds,
            tls13_suites=frozenset(codes & set(_SUITES)),
            sigalgs=frozenset(
                int.from_bytes(sigalgs[i : i + 2], "big") for i in range(0, len(sigalgs), 2)
            ),
        )
    except (UnusualServerError, ssl.SSLError):
        _NO_TEMPLATE = True
    return _TEMPLATE


def _sni(servername: str | None) -> bytes | None:
    """The server_name OpenSSL would send (None: none), as the ssl module decides it.
    Raises UnusualServerError for a name the ssl module would IDNA-encode or refuse."""
    if servername is None:
        return None
    if not servername.isascii() or not 0 < len(servername) <= 255 or servername.endswith("."):
        raise UnusualServerError("a name left to the ssl module")
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in servername else socket.AF_INET, servername)
    except OSError:
        return servername.encode("ascii")
    return None  # an IP address: no SNI, as the ssl module does


def client_hello(
    servername: str | None, public_key: bytes, random_and_session: bytes | None = None
) -> bytes:
    """OpenSSL's ClientHello message for ``servername`` with this X25519 share."""
    t = template()
    if t is None:
        raise UnusualServerError("no template")
    name = _sni(servername)
    parts = []
    for kind, body in t.extensions:
        if kind == _EXT_SNI:
            if name is None:
                continue
            body = struct.pack(">HBH", len(name) + 3, 0, len(name)) + name
        elif kind == _EXT_KEY_SHARE:
            body = b"\x00\x24\x00\x1d\x00\x20" + public_key
        parts.append(struct.pack(">HH", kind, len(body)) + body)
    rs = random_and_session or os.urandom(64)
    head = (
        b"\x03\x03"
        + rs[:32]
        + b"\x20"
        + rs[32:64]
        + struct.pack(">H", len(t.suites))
        + t.suites
        + bytes([len(t.compression)])
        + t.compression
    )
    exts = b"".join(parts)
    if t.padded:  # OpenSSL's rule (RFC 7685), counted over the message with its header
        size = 4 + len(head) + 2 + len(exts)
        if 0xFF < size < 0x200:
            pad = 0x200 - size
            pad = pad - 4 if pad > 4 else 1
            exts += struct.pack(">HH", _EXT_PADDING, pad) + bytes(pad)
    body = head + struct.pack(">H", len(exts)) + exts
    return b"\x01" + len(body).to_bytes(3, "big") + body


def _expand_label(secret: bytes, label: bytes, context: bytes, length: int, h: str) -> bytes:
    """HKDF-Expand-Label (RFC 8446 7.1); every output here is at most one hash long, so
    HKDF-Expand is the single HMAC block T(1)."""
    full = b"tls13 " + label
    info = struct.pack(">HB", length, len(full)) + full + bytes([len(context)]) + context
    return hmac.digest(secret, info + b"\x01", h)[:length]


@functools.cache
def _derived(h: str) -> bytes:
    """Derive-Secret(Early Secret, "derived", "") with no PSK: a constant per hash."""
    size = hashlib.new(h).digest_size
    early = hmac.digest(bytes(size), bytes(size), h)
    return _expand_label(early, b"derived", hashlib.new(h).digest(), size, h)


@functools.lru_cache(maxsize=256)
def _public_key(leaf: bytes) -> Any:
    """The leaf's key (a scan meets the same certificate on many endpoints)."""
    return x509.load_der_x509_certificate(leaf).public_key()


class _Keys:
    def __init__(self, suite: int, secret: bytes) -> None:
        _, h, size = _SUITES[suite]
        aead = ChaCha20Poly1305 if suite == 0x1303 else AESGCM
        self.secret = secret
        self.aead = aead(_expand_label(secret, b"key", b"", size, h))
        self.iv = int.from_bytes(_expand_label(secret, b"iv", b"", 12, h), "big")
        self.seq = 0

    def nonce(self) -> bytes:
        nonce = (self.iv ^ self.seq).to_bytes(12, "big")
        self.seq += 1
        return nonce


# TLS 1.3's signature schemes (RFC 8446 4.2.3): ECDSA names its curve, RSA is PSS only.
_ECDSA: dict[int, tuple[str, type[hashes.HashAlgorithm]]] = {
    0x0403: ("secp256r1", hashes.SHA256),
    0x0503: ("secp384r1", hashes.SHA384),
    0x0603: ("secp521r1", hashes.SHA512),
}
_PSS: dict[int, type[hashes.HashAlgorithm]] = {
    0x0804: hashes.SHA256,
    0x0805: hashes.SHA384,
    0x0806: hashes.SHA512,
}


def _verify(leaf: bytes, scheme: int, signature: bytes, content: bytes) -> None:
    """The server's CertificateVerify signature, as TLS 1.3 allows it. Raises UnusualServerError."""
    try:
        key = _public_key(leaf)
    except Exception:  # any certificate cryptography cannot read (InvalidVersion, ...)
        raise UnusualServerError("a leaf certificate left to OpenSSL") from None
    try:
        if scheme in _ECDSA and isinstance(key, ec.EllipticCurvePublicKey):
            curve, digest = _ECDSA[scheme]
            if key.curve.name != curve:
                raise UnusualServerError("the signature's curve is not the key's")
            key.verify(signature, content, ec.ECDSA(digest()))
        elif scheme in _PSS and isinstance(key, rsa.RSAPublicKey):
            digest = _PSS[scheme]
            key.verify(signature, content,
                       padding.PSS(padding.MGF1(digest()), padding.PSS.DIGEST_LENGTH), digest())  # fmt: skip
        elif (scheme == 0x0807 and isinstance(key, ed25519.Ed25519PublicKey)) or (
            scheme == 0x0808 and isinstance(key, ed448.Ed448PublicKey)
        ):
            key.verify(signature, content)
        else:
            raise UnusualServerError(f"signature scheme {scheme:#06x} left to OpenSSL")
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError) as exc:
        raise UnusualServerError(f"the server's signature: {type(exc).__name__}") from None


class ClientKeys:
    """The client's X25519 key for a scan's handshakes: one key for :data:`USES`
    handshakes, not a new one each (35 us apiece, measured: about 7 % of a scan's CPU
    on loopback).

    Reuse costs no secrecy here. What a capture's key exchange protects is the
    server's certificates (which it sends to anyone who asks) and the client's
    Finished; the connection is closed right after, and no application data is ever
    sent. X25519 keys may serve many exchanges (WireGuard's and Noise's static keys
    are X25519 keys), given the all-zero check on every shared secret (RFC 7748
    section 6.1, RFC 8446 section 7.4.2), which :class:`Handshake` makes."""

    USES = 4096

    def __init__(self) -> None:
        self._key: X25519PrivateKey | None = None
        self._left = 0

    def next(self) -> X25519PrivateKey:
        """The key for the next handshake."""
        if self._key is None or self._left <= 0:
            self._key, self._left = X25519PrivateKey.generate(), self.USES
        self._left -= 1
        return self._key


class Handshake:
    """The sans-I/O TLS 1.3 capture: :attr:`hello` to send, then :meth:`feed` what the
    server sends until it returns the facts (and :attr:`reply`, the client's Finished,
    to send). Raises :class:`UnusualServerError` for anything but the plain case."""

    def __init__(
        self, servername: str | None, *, private_key: Any = None, random: bytes | None = None
    ) -> None:
        self.servername = servername
        self.key = private_key or X25519PrivateKey.generate()
        message = client_hello(servername, self.key.public_key().public_bytes_raw(), random)
        self.session = message[39:71]
        self.client_hello = message
        self.hello = b"\x16\x03\x01" + struct.pack(">H", len(message)) + message
        self.reply = b""
        self.received = 0
        self._buffer = b""
        self._messages = b""  # handshake bytes not yet a whole message
        self._transcript: Any = None
        self._hash = ""
        self._suite = 0
        self._server: _Keys | None = None
        self._client_secret = b""
        self._chain: tuple[bytes, ...] | None = None
        self._verified = False
        self._extensions_seen = False

    def feed(self, data: bytes) -> TlsFacts | None:
        """Take the server's bytes; the facts once its Finished is checked, else None."""
        self.received += len(data)
        if self.received > MAX_HANDSHAKE_BYTES:
            raise UnusualServerError("more than 1 MiB in the handshake")
        self._buffer += data
        while len(self._buffer) >= 5:
            kind, length = self._buffer[0], int.from_bytes(self._buffer[3:5], "big")
            if length > _MAX_RECORD or self._buffer[1] != 3:
                raise UnusualServerError("not a TLS record")
            if len(self._buffer) < 5 + length:
                break
            header, payload = self._buffer[:5], self._buffer[5 : 5 + length]
            self._buffer = self._buffer[5 + length :]
            facts = self._record(kind, header, payload)
            if facts is not None:  # records after it (early application data) are not read
                return facts
        return None

    def _record(self, kind: int, header: bytes, payload: bytes) -> TlsFacts | None:
        if self._server is None:
            if kind != _HANDSHAKE:
                raise UnusualServerError("an alert or another record before the ServerHello")
            self._messages += payload
            if len(self._messages) < 4:
                return None
            size = int.from_bytes(self._messages[1:4], "big")
            if len(self._messages) < 4 + size:
                return None
            if len(self._messages) > 4 + size:
                raise UnusualServerError("a plaintext message after the ServerHello")
            self._server_hello(self._messages)
            self._messages = b""
            return None
        if kind == _CCS and payload == b"\x01" and not self._extensions_seen:
            return None  # middlebox compatibility
        if kind != _APPDATA or len(payload) < 17:
            raise UnusualServerError("a plaintext record after the ServerHello")
        keys = self._server
        try:
            inner = keys.aead.decrypt(keys.nonce(), payload, header)
        except InvalidTag:
            raise UnusualServerError("a record that does not decrypt") from None
        inner = inner.rstrip(b"\x00")
        if not inner or inner[-1] != _HANDSHAKE:
            raise UnusualServerError("an encrypted alert or other record")
        return self.plaintext(inner[:-1])

    def plaintext(self, data: bytes) -> TlsFacts | None:
        """Decrypted handshake bytes (whole messages or pieces); the facts at Finished."""
        if self._server is None:
            raise UnusualServerError("encrypted messages before the ServerHello")
        self._messages += data
        if len(self._messages) > MAX_HANDSHAKE_BYTES:
            raise UnusualServerError("more than 1 MiB in the handshake")
        while len(self._messages) >= 4:
            size = int.from_bytes(self._messages[1:4], "big")
            if len(self._messages) < 4 + size:
                break
            message = self._messages[: 4 + size]
            self._messages = self._messages[4 + size :]
            if self._message(message):
                if self._messages:
                    raise UnusualServerError("handshake bytes after the server's Finished")
                return self._facts()
        return None

    def _server_hello(self, message: bytes) -> None:
        body = message[4:]
        if message[0] != _SERVER_HELLO or body[:2] != b"\x03\x03" or len(body) < 38:
            raise UnusualServerError("not a TLS 1.3 ServerHello")
        if body[2:34] == _HRR_RANDOM:
            raise UnusualServerError("a HelloRetryRequest")
        session, pos = _vector(body, 34, 1)
        if pos + 3 > len(body):
            raise UnusualServerError("a ServerHello cut short")
        suite, compression = int.from_bytes(body[pos : pos + 2], "big"), body[pos + 2]
        block, end = _vector(body, pos + 3, 2)
        exts = dict(_extensions(block))
        share = exts.pop(_EXT_KEY_SHARE, b"")
        if exts.pop(_EXT_VERSIONS, b"") != b"\x03\x04":
            raise UnusualServerError("not TLS 1.3")
        t = template()
        if exts or end != len(body) or compression != 0 or t is None:
            raise UnusualServerError("a ServerHello OpenSSL would refuse")
        if session != self.session or suite not in t.tls13_suites:
            raise UnusualServerError("the session id not echoed, or a suite not offered")
        if share[:4] != b"\x00\x1d\x00\x20" or len(share) != 36:
            raise UnusualServerError("not an X25519 share")
        try:
            shared = self.key.exchange(X25519PublicKey.from_public_bytes(share[4:]))
        except ValueError:  # an all-zero secret: a small-order point
            raise UnusualServerError("a degenerate key share") from None
        _, h, _ = _SUITES[suite]
        self._hash, self._suite = h, suite
        self._transcript = hashlib.new(h, self.client_hello)
        self._transcript.update(message)
        size = self._transcript.digest_size
        secret = hmac.digest(_derived(h), shared, h)
        digest = self._transcript.digest()
        self._server = _Keys(suite, _expand_label(secret, b"s hs traffic", digest, size, h))
        self._client_secret = _expand_label(secret, b"c hs traffic", digest, size, h)

    def _message(self, message: bytes) -> bool:
        """One decrypted handshake message, in the order TLS 1.3 fixes; True at Finished."""
        kind, body = message[0], message[4:]
        if not self._extensions_seen:
            if kind != _ENCRYPTED_EXTENSIONS:
                raise UnusualServerError("not EncryptedExtensions first")
            block, end = _vector(body, 0, 2)
            if end != len(body) or not {k for k, _ in _extensions(block)} <= _EE_ALLOWED:
                raise UnusualServerError("an EncryptedExtensions OpenSSL would refuse")
            self._extensions_seen = True
        elif self._chain is None:
            if kind != _CERTIFICATE:  # a CertificateRequest (13) too: left to OpenSSL
                raise UnusualServerError(f"handshake message {kind} instead of the Certificate")
            self._chain = self._certificates(body)
        elif not self._verified:
            if kind != _CERTIFICATE_VERIFY or len(body) < 4:
                raise UnusualServerError("no CertificateVerify")
            scheme = int.from_bytes(body[:2], "big")
            signature, end = _vector(body, 2, 2)
            t = template()
            if end != len(body) or t is None or scheme not in t.sigalgs:
                raise UnusualServerError("a CertificateVerify OpenSSL would refuse")
            content = b" " * 64 + b"TLS 1.3, server CertificateVerify\x00"
            _verify(self._chain[0], scheme, signature, content + self._transcript.digest())
            self._verified = True
        else:
            if kind != _FINISHED:
                raise UnusualServerError("no Finished")
            assert self._server is not None
            size = self._transcript.digest_size
            key = _expand_label(self._server.secret, b"finished", b"", size, self._hash)
            expected = hmac.digest(key, self._transcript.digest(), self._hash)
            if not hmac.compare_digest(expected, body):
                raise UnusualServerError("the server's Finished does not verify")
            self._transcript.update(message)
            self._finish()
            return True
        self._transcript.update(message)
        return False

    def _certificates(self, body: bytes) -> tuple[bytes, ...]:
        context, pos = _vector(body, 0, 1)
        block, end = _vector(body, pos, 3)
        if context or end != len(body):
            raise UnusualServerError("a Certificate OpenSSL would refuse")
        chain: list[bytes] = []
        pos = 0
        while pos < len(block):
            der, pos = _vector(block, pos, 3)
            extensions, pos = _vector(block, pos, 2)
            if not der or extensions or len(chain) >= _MAX_CERTS:
                raise UnusualServerError("a certificate entry left to OpenSSL")
            chain.append(der)
        if not chain:
            raise UnusualServerError("no certificate")
        return tuple(chain)

    def _finish(self) -> None:
        """The client's Finished, after the compatibility ChangeCipherSpec OpenSSL sends."""
        size = self._transcript.digest_size
        keys = _Keys(self._suite, self._client_secret)
        key = _expand_label(self._client_secret, b"finished", b"", size, self._hash)
        finished = b"\x14" + size.to_bytes(3, "big")
        finished += hmac.digest(key, self._transcript.digest(), self._hash)
        inner = finished + bytes([_HANDSHAKE])
        header = b"\x17\x03\x03" + struct.pack(">H", len(inner) + 16)
        self.reply = (
            b"\x14\x03\x03\x00\x01\x01" + header + keys.aead.encrypt(keys.nonce(), inner, header)
        )

    def _facts(self) -> TlsFacts:
        assert self._chain is not None
        return TlsFacts(
            version="TLSv1.3",
            cipher=_SUITES[self._suite][0],
            chain=self._chain,
            client_cert_requested=False,
            servername=self.servername,
        )


async def handshake_async(
    sock: socket.socket, servername: str | None, *, deadline: float, private_key: Any = None
) -> TlsFacts | None:
    """The capture on the running loop by hand; None when the server is not the plain
    TLS 1.3 case (the caller then runs the OpenSSL capture on a new connection).
    ``private_key``: the client's X25519 key (:class:`ClientKeys`), else a new one.

    Raises the OpenSSL capture's own :class:`~sslpoke.net.errors.NetError` when the
    server stays silent until the deadline, so a dead endpoint is not waited for twice.
    The caller closes ``sock`` at once when facts come back: the client's Finished is
    held for that close and leaves with its FIN, in one segment."""
    loop = asyncio.get_running_loop()
    try:
        shake = Handshake(servername, private_key=private_key)
    except Exception:  # a name left to the ssl module, or no template: OpenSSL's then
        return None
    try:
        async with asyncio.timeout(max(deadline - time.monotonic(), 0.0)):
            await aio.sendall(loop, sock, shake.hello)
            while True:
                data = await aio.recv(loop, sock, _READ)
                if not data:
                    return None
                facts = shake.feed(data)
                if facts is not None:
                    await aio.sendall(loop, sock, shake.reply, last=True)
                    return facts
    except TimeoutError:
        if shake.received == 0:
            raise handshake_timeout(b"", ()) from None
        return None
    except Exception:  # UnusualServerError, a reset, or a flaw here: OpenSSL's capture next
        return None


__all__ = [
    "ClientKeys",
    "Handshake",
    "UnusualServerError",
    "client_hello",
    "handshake_async",
    "template",
]
