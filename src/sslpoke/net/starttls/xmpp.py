"""XMPP STARTTLS (RFC 6120 section 5)."""

from __future__ import annotations

from sslpoke.net.channel import Conversation
from sslpoke.net.starttls.base import Greeting, mismatch, refused, unsupported

TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"


def before_tls(conv: Conversation, servername: str | None) -> Greeting:
    domain = servername or "localhost"
    conv.send(
        (
            "<?xml version='1.0'?><stream:stream to='" + domain + "' xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        ).encode()
    )
    conv.transcript.append("C: <stream:stream>")
    features = conv.read_until(
        (b"</stream:features>", b"</stream:stream>", b"<stream:error")
    ).decode("utf-8", "replace")
    if "<stream:stream" not in features and "<stream" not in features:
        raise mismatch("XMPP", features)
    if "<stream:error" in features or "</stream:features>" not in features:
        raise refused("XMPP", features)
    if "<starttls" not in features or TLS_NS not in features:
        raise unsupported("XMPP", features)
    conv.send(f"<starttls xmlns='{TLS_NS}'/>".encode())
    answer = conv.read_until((b"/>", b"</proceed>", b"</failure>")).decode("utf-8", "replace")
    if "<proceed" not in answer:
        raise refused("XMPP", answer)
    return Greeting("")
