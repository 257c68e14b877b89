"""Can this Java talk to this server? The handshake JSSE would make, computed.

JSSE sends one ClientHello (its highest enabled version, its suites in order,
its groups) and never falls back: the server picks the highest common version,
then a suite of that version (its own order, or the client's), then a group.
Each step that finds nothing common is the reason, with a code.
"""

from __future__ import annotations

from typing import NamedTuple

from sslpoke.audit import wire
from sslpoke.audit.enumerate import Enumeration
from sslpoke.audit.profiles import JavaProfile
from sslpoke.audit.suites import GROUP_NAMES, by_name, suites


class JavaCompat(NamedTuple):
    java: str
    ok: bool
    code: str  # "ok" or java-no-common-protocol, java-no-common-suite, ...
    reason: str
    protocol: str | None = None
    suite: str | None = None
    group: str | None = None
    source: str = ""
    confirmed: str | None = None  # what a real handshake by this JVM said (--confirm)


def _names(codes: tuple[int, ...]) -> list[str]:
    table = suites()
    return [table[c].name for c in codes if c in table]


def judge(profile: JavaProfile, e: Enumeration) -> JavaCompat:
    server_versions = [v for v in sorted(e.versions, reverse=True) if e.versions[v].offered]
    names = {v: wire.VERSION_NAMES[v] for v in server_versions}
    common = [v for v in profile.protocols if v in server_versions]

    def fail(code: str, reason: str, version: int | None = None) -> JavaCompat:
        return JavaCompat(
            profile.name,
            False,
            code,
            reason,
            wire.VERSION_NAMES.get(version) if version else None,
            source=profile.source,
        )

    if not common:
        offered = ", ".join(names.values()) or "no SSL/TLS version sslpoke knows"
        mine = ", ".join(wire.VERSION_NAMES[v] for v in profile.protocols)
        if profile.tls13_supported_but_off and server_versions == [wire.TLS13]:
            return fail(
                "java-tls13-off-by-default",
                f"the server speaks only TLSv1.3; this Java has TLS 1.3 but turns it off for "
                f"clients ({mine} only): Received fatal alert: protocol_version",
            )
        return fail(
            "java-no-common-protocol",
            f"the server offers {offered}; this Java enables {mine}: "
            "Received fatal alert: protocol_version / No appropriate protocol",
        )
    version = common[0]
    server_suites = _names(e.versions[version].suites)
    table = by_name()
    if version == wire.TLS13:
        client = [s for s in profile.suites if s in table and table[s].tls13]
    else:
        client = [
            s
            for s in profile.suites
            if s in table
            and not table[s].tls13
            and (version >= wire.TLS12 or table[s].since in ("SSL3", "TLS1"))
        ]
    both = (
        [s for s in server_suites if s in client]
        if e.versions[version].server_order
        else [s for s in client if s in server_suites]
    )
    if not both:
        return fail(
            "java-no-common-suite",
            f"at {wire.VERSION_NAMES[version]} the server accepts {', '.join(server_suites) or 'none'}; "
            f"this Java offers none of them: Received fatal alert: handshake_failure",
            version,
        )
    client_groups = set(profile.groups)
    if version == wire.TLS13:
        server_groups = [GROUP_NAMES.get(g, str(g)) for g in e.tls13_groups]
        shared = [g for g in server_groups if g in client_groups]
        if server_groups and not shared:
            return fail(
                "java-no-common-group",
                f"the server's TLS 1.3 groups are {', '.join(server_groups)}; this Java offers "
                f"{', '.join(profile.groups)}: Received fatal alert: handshake_failure",
                version,
            )
        return JavaCompat(
            profile.name, True, "ok", "connects", "TLSv1.3", both[0],
            shared[0] if shared else None, profile.source,
        )  # fmt: skip
    curves = [GROUP_NAMES.get(g, str(g)) for g in e.tls12_curves]
    shared_curves = [c for c in curves if c in client_groups]
    dropped: dict[str, int] = {}
    usable = []
    for s in both:
        kex = table[s].kex or ""
        if kex == "ECDHE" and curves and not shared_curves:
            dropped["java-no-common-group"] = dropped.get("java-no-common-group", 0) + 1
            continue
        if kex == "DHE" and e.dh_bits is not None and e.dh_bits < profile.min_dh_bits:
            dropped["java-dh-too-small"] = dropped.get("java-dh-too-small", 0) + 1
            continue
        signed = kex in ("ECDHE", "DHE")
        if signed and e.requires_sha1_signature and not profile.sha1_handshake_signatures:
            dropped["java-sha1-handshake-signature"] = (
                dropped.get("java-sha1-handshake-signature", 0) + 1
            )
            continue
        usable.append(s)
    if not usable:
        code = max(dropped, key=lambda k: dropped[k]) if dropped else "java-no-common-suite"
        reasons = {
            "java-no-common-group": f"the server's curves are {', '.join(curves)}; this Java "
            f"offers {', '.join(profile.groups)}",
            "java-dh-too-small": f"the server's DH group has {e.dh_bits} bits; this Java refuses "
            f"fewer than {profile.min_dh_bits} (jdk.tls.disabledAlgorithms: DH keySize < "
            f"{profile.min_dh_bits})",
            "java-sha1-handshake-signature": "the server signs its key exchange only with SHA-1; "
            "this Java disables rsa_pkcs1_sha1/ecdsa_sha1 for handshake signatures (JDK-8340321)",
        }
        return fail(code, reasons.get(code, "no usable suite") + ": handshake_failure", version)
    chosen = usable[0]
    group = shared_curves[0] if (table[chosen].kex or "") == "ECDHE" and shared_curves else None
    return JavaCompat(
        profile.name, True, "ok", "connects", wire.VERSION_NAMES[version], chosen, group,
        profile.source,
    )  # fmt: skip
