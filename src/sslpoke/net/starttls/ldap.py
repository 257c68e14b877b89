"""LDAP StartTLS: the extended operation 1.3.6.1.4.1.1466.20037 (RFC 4511 4.14)."""

from __future__ import annotations

from sslpoke import asn1
from sslpoke.net.channel import Conversation
from sslpoke.net.errors import NetError
from sslpoke.net.starttls.base import Greeting, mismatch, refused, unsupported
from sslpoke.problems import Code

STARTTLS_OID = "1.3.6.1.4.1.1466.20037"
MAX_MESSAGE = 65536
_RESULT_NAMES = {
    2: "protocolError",
    52: "unavailable",
    53: "unwillingToPerform",
    1: "operationsError",
}


def request(message_id: int = 1) -> bytes:
    """LDAPMessage { messageID, extendedReq [APPLICATION 23] { requestName [0] OID } }."""
    name = asn1.encode(0x80, STARTTLS_OID.encode("ascii"))
    return asn1.seq(asn1.integer(message_id), asn1.encode(0x77, name))


def read_message(conv: Conversation) -> bytes:
    head = conv.read_exact(2)
    if head[0] != asn1.SEQUENCE:
        raise mismatch("LDAP", head.decode("latin-1"))
    if head[1] < 0x80:
        length, extra = head[1], b""
    else:
        n = head[1] & 0x7F
        if n == 0 or n > 3:
            raise mismatch("LDAP", "bad length")
        extra = conv.read_exact(n)
        length = int.from_bytes(extra, "big")
    if length > MAX_MESSAGE:
        raise NetError(Code.PROTOCOL_MISMATCH, f"LDAP: a reply of {length} bytes is too large")
    return head + extra + conv.read_exact(length)


def parse_result(message: bytes) -> tuple[int, str]:
    """(resultCode, diagnosticMessage) of an ExtendedResponse."""
    outer = asn1.read_tlv(message)
    parts = list(asn1.children(message, outer))
    if len(parts) < 2 or parts[1].tag != 0x78:
        raise asn1.DerError("not an ExtendedResponse")
    fields = list(asn1.children(message, parts[1]))
    code = asn1.decode_int(fields[0].value(message))
    text = fields[2].value(message).decode("utf-8", "replace") if len(fields) > 2 else ""
    return code, text


def before_tls(conv: Conversation, servername: str | None) -> Greeting:
    conv.send(request())
    conv.transcript.append("C: ExtendedRequest " + STARTTLS_OID)
    try:
        code, text = parse_result(read_message(conv))
    except (asn1.DerError, IndexError):
        raise mismatch("LDAP", "an unexpected reply to StartTLS") from None
    said = f"resultCode {code} ({_RESULT_NAMES.get(code, 'error')}) {text}".strip()
    if code == 2:
        raise unsupported("LDAP", said)
    if code != 0:
        raise refused("LDAP", said)
    return Greeting("")
