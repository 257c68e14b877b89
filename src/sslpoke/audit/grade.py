"""Findings about the server's TLS setup, a grade, and Mozilla's guidelines.

Severities follow testssl.sh (OK, LOW, MEDIUM, HIGH, CRITICAL). The grade is
the SSL Labs rating guide as testssl.sh implements it (``run_rating()``): 30 %
protocol, 30 % key exchange, 40 % cipher strength, each the mean of best and
worst; then the caps (F for SSLv2/SSLv3-best/export/<112-bit, C without TLS 1.2,
B for TLS 1.0/1.1, no forward secrecy or no AEAD, T for an untrusted chain, M
for a name mismatch), and A+ / A- from the warnings. Sources in
``notes/java-tls-facts.md`` §1.5-1.6.
"""

from __future__ import annotations

from typing import NamedTuple

from sslpoke.audit import wire
from sslpoke.audit.enumerate import Enumeration
from sslpoke.audit.suites import GROUP_NAMES, suites


class Finding(NamedTuple):
    id: str  # testssl.sh-like id
    severity: str  # INFO, OK, LOW, MEDIUM, HIGH, CRITICAL (testssl.sh's scale)
    finding: str
    fix: str = ""  # for the server
    client_fix: str = ""  # a stopgap on the Java side, where one exists
    cve: str = ""
    cwe: str = ""


class Grade(NamedTuple):
    grade: str
    score: int
    caps: tuple[str, ...]  # "B: TLS 1.0 offered", ...
    mozilla: str  # "modern", "intermediate" or "none"
    mozilla_gaps: tuple[str, ...]


_NGINX_PROTOCOLS = (
    "nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: SSLProtocol -all +TLSv1.2 +TLSv1.3"
)
_TOMCAT_PROTOCOLS = 'Tomcat server.xml <SSLHostConfig protocols="TLSv1.2+TLSv1.3">'


def findings(e: Enumeration) -> list[Finding]:
    out: list[Finding] = []
    v = e.versions
    offered = {k for k, r in v.items() if r.offered}
    if e.sslv2:
        out.append(
            Finding(
                "SSLv2",
                "CRITICAL",
                "SSLv2 is offered",
                _NGINX_PROTOCOLS,
                cve="CVE-2016-0800",
                cwe="CWE-327",
            )
        )
    if wire.SSL3 in offered:
        out.append(
            Finding(
                "SSLv3",
                "HIGH",
                "SSLv3 is offered (POODLE)",
                _NGINX_PROTOCOLS,
                cve="CVE-2014-3566",
                cwe="CWE-757",
            )
        )
    for ver, sev in ((wire.TLS10, "LOW"), (wire.TLS11, "LOW")):
        if ver in offered:
            out.append(
                Finding(
                    wire.VERSION_NAMES[ver],
                    sev,
                    f"{wire.VERSION_NAMES[ver]} is offered (deprecated, RFC 8996)",
                    f"{_NGINX_PROTOCOLS}; {_TOMCAT_PROTOCOLS}",
                    cwe="CWE-327",
                )
            )
    if wire.TLS12 not in offered and wire.TLS13 not in offered:
        out.append(
            Finding("TLS1_2", "HIGH", "neither TLS 1.2 nor TLS 1.3 is offered", _NGINX_PROTOCOLS)
        )
    if wire.TLS13 not in offered:
        out.append(Finding("TLS1_3", "LOW", "TLS 1.3 is not offered", _NGINX_PROTOCOLS))
    table = suites()
    all_suites = {c for r in v.values() for c in r.suites}
    bad = {
        "NULL": [c for c in all_suites if table[c].cipher is None and not table[c].tls13],
        "EXPORT": [c for c in all_suites if "EXPORT" in table[c].name],
        "anon": [c for c in all_suites if table[c].anonymous],
        "RC4": [c for c in all_suites if (table[c].cipher or "").startswith("RC4")],
        "3DES": [c for c in all_suites if table[c].cipher == "TRIPLE_DES_EDE"],
        "DES": [c for c in all_suites if table[c].cipher in ("DES", "DES40")],
    }
    severity = {
        "NULL": "CRITICAL",
        "EXPORT": "CRITICAL",
        "anon": "HIGH",
        "RC4": "HIGH",
        "3DES": "MEDIUM",
        "DES": "HIGH",
    }
    for kind, codes in bad.items():
        if codes:
            out.append(
                Finding(
                    f"cipherlist_{kind}",
                    severity[kind],
                    f"{kind} suites offered: " + ", ".join(table[c].name for c in codes[:5]),
                    "nginx: ssl_ciphers with only ECDHE+AESGCM/CHACHA20 (Mozilla intermediate)",
                    cwe="CWE-327",
                )
            )
    static_rsa = [c for c in all_suites if table[c].kex == "RSA"]
    if static_rsa:
        only = all(table[c].kex == "RSA" for c in all_suites if not table[c].tls13)
        out.append(
            Finding(
                "cipherlist_static_RSA",
                "MEDIUM" if only else "LOW",
                ("only " if only else "")
                + "static-RSA key exchange (TLS_RSA_*): no forward secrecy; Java 24+ disables these suites"
                + (" — Java 21.0.9+/25 cannot connect" if only else ""),
                'offer ECDHE suites: nginx: ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:...; Tomcat: ciphers="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:..."',
                client_fix="stopgap on Java 24+: remove TLS_RSA_* from jdk.tls.disabledAlgorithms in a -Djava.security.properties file",
            )
        )
    if e.dh_bits is not None and e.dh_bits < 2048:
        out.append(
            Finding(
                "DH_groups",
                "HIGH" if e.dh_bits < 1024 else "MEDIUM",
                f"DHE with a {e.dh_bits}-bit group",
                "nginx: ssl_dhparam with a 2048-bit ffdhe2048 file (RFC 7919), or drop DHE",
                client_fix="-Djdk.tls.ephemeralDHKeySize does not help a client; fix the server",
                cve="CVE-2015-4000" if e.dh_bits <= 1024 else "",
                cwe="CWE-326",
            )
        )
    if e.requires_sha1_signature:
        out.append(
            Finding(
                "sigalgs_sha1",
                "MEDIUM",
                "the server signs TLS 1.2 key exchanges only with SHA-1 (Java 25 refuses)",
                "use a certificate/key the TLS library can sign with SHA-256 (RSA-PSS or ECDSA)",
                client_fix="stopgap: remove rsa_pkcs1_sha1 usage HandshakeSignature from jdk.tls.disabledAlgorithms",
            )
        )
    if e.secure_renegotiation is False:
        out.append(
            Finding(
                "secure_renego",
                "MEDIUM",
                "no secure renegotiation (RFC 5746)",
                "upgrade the TLS library",
                cve="CVE-2009-3555",
            )
        )
    for ver, r in v.items():
        if r.offered and r.server_order is False and len(r.suites) > 1 and ver < wire.TLS13:
            out.append(
                Finding(
                    f"cipher_order-{wire.VERSION_NAMES[ver]}",
                    "LOW" if ver < wire.TLS13 else "OK",
                    f"{wire.VERSION_NAMES[ver]}: the client chooses the suite (no server order)",
                    'nginx: ssl_prefer_server_ciphers on; Tomcat: honorCipherOrder="true"',
                )
            )
    curves = [GROUP_NAMES.get(g, str(g)) for g in e.tls12_curves + e.tls13_groups]
    if curves and not any(
        c in ("x25519", "secp256r1", "secp384r1", "X25519MLKEM768") for c in curves
    ):
        out.append(
            Finding(
                "groups",
                "MEDIUM",
                f"no common modern group: {', '.join(curves)}",
                "nginx: ssl_ecdh_curve X25519:prime256v1:secp384r1",
            )
        )
    return out


def _cipher_points(bits: int) -> int:
    return 100 if bits >= 256 else 80 if bits >= 128 else 20 if bits > 0 else 0


def grade(
    e: Enumeration,
    *,
    trusted: bool | None,
    name_ok: bool | None,
    key_bits: int | None,
    hsts_ok: bool | None = None,
    trust_codes: tuple[str, ...] = (),
    starttls: bool = False,
    revoked: bool = False,
) -> Grade:
    """The SSL Labs guide as testssl.sh's ``run_rating`` implements it: the score, then
    the caps. ``trust_codes`` tell an incomplete chain (cap B) from other trust
    failures (cap T); a STARTTLS scan is capped at T as testssl.sh does ("STARTTLS is
    prone to MITM downgrade attacks"); a revoked certificate is capped at T."""
    v = e.versions
    offered = [k for k, r in v.items() if r.offered] + ([0x0002] if e.sslv2 else [])
    if not offered:
        return Grade("-", 0, ("no TLS",), "none", ("no TLS",))
    proto_pts = {
        0x0002: 0,
        wire.SSL3: 80,
        wire.TLS10: 90,
        wire.TLS11: 95,
        wire.TLS12: 100,
        wire.TLS13: 100,
    }
    pts = [proto_pts[p] for p in offered]
    protocol = (max(pts) + min(pts)) / 2
    kex_bits = [b for b in (e.dh_bits, key_bits) if b]
    kex_score = 100
    if kex_bits:
        weakest = min(kex_bits)
        kex_score = (
            100
            if weakest >= 4096
            else 90
            if weakest >= 2048
            else 80
            if weakest >= 1024
            else 40
            if weakest >= 512
            else 20
        )
    table = suites()
    bits = [table[c].bits for r in v.values() for c in r.suites]
    cipher = (_cipher_points(max(bits)) + _cipher_points(min(bits))) / 2 if bits else 0
    score = round(0.3 * protocol + 0.3 * kex_score + 0.4 * cipher)
    if min(protocol, kex_score, cipher) == 0:
        score = 0
    letter = (
        "A"
        if score >= 80
        else "B"
        if score >= 65
        else "C"
        if score >= 50
        else "D"
        if score >= 35
        else "E"
        if score >= 20
        else "F"
    )
    caps: list[str] = []
    all_codes = [c for r in v.values() for c in r.suites]
    if e.sslv2 or (max(offered) == wire.SSL3):
        caps.append("F: SSLv2, or SSLv3 as the best protocol")
    if any("EXPORT" in table[c].name for c in all_codes) or any(
        0 < table[c].bits < 112 for c in all_codes
    ):
        caps.append("F: export or <112-bit suites")
    if wire.TLS12 not in offered:
        caps.append("C: TLS 1.2 not offered")
    if wire.TLS10 in offered or wire.TLS11 in offered or wire.SSL3 in offered:
        caps.append("B: TLS 1.0/1.1 offered")
    legacy = [c for c in all_codes if not table[c].tls13]
    if legacy and not any(table[c].forward_secret for c in legacy) and wire.TLS13 not in offered:
        caps.append("B: no forward secrecy")
    if all_codes and not any(table[c].aead for c in all_codes):
        caps.append("B: no AEAD suite")
    if any((table[c].cipher or "").startswith("RC4") for c in all_codes):
        caps.append("B: RC4 offered")
    if key_bits is not None and key_bits < 2048:
        caps.append("B: weak key")
    if trusted is False:
        if set(trust_codes) == {"incomplete-chain"}:
            caps.append("B: the chain is incomplete")
        else:
            caps.append("T: the chain is not trusted")
    if revoked:
        caps.append("T: the certificate is revoked")
    if starttls:
        caps.append("T: STARTTLS (testssl.sh caps every STARTTLS scan: MITM downgrade)")
    if name_ok is False:
        caps.append("M: the certificate does not match the name")
    order = "ABCDEF"
    for cap in caps:
        c = cap[0]
        if c in ("T", "M"):
            letter = c
            break
        if order.index(c) > order.index(letter[0]):
            letter = c
    warnings = (wire.TLS13 not in offered) or e.secure_renegotiation is False or hsts_ok is False
    if letter == "A":
        letter = "A-" if warnings else "A+"
    mozilla, gaps = _mozilla(e)
    return Grade(letter, score, tuple(caps), mozilla, gaps)


_INTERMEDIATE_12 = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}


def _mozilla(e: Enumeration) -> tuple[str, tuple[str, ...]]:
    """Mozilla server-side TLS 6.0: modern (TLS 1.3 only) or intermediate (1.2 + 1.3,
    six ECDHE AEAD suites for 1.2)."""
    table = suites()
    offered = {k for k, r in e.versions.items() if r.offered} | ({0x0002} if e.sslv2 else set())
    gaps: list[str] = []
    extra = offered - {wire.TLS12, wire.TLS13}
    if extra:
        gaps.append("offers " + ", ".join(wire.VERSION_NAMES[x] for x in sorted(extra)))
    if wire.TLS13 not in offered:
        gaps.append("no TLS 1.3")
    t12 = e.versions.get(wire.TLS12)
    outside = [
        table[c].name
        for c in (t12.suites if t12 and t12.offered else ())
        if table[c].name not in _INTERMEDIATE_12
    ]
    if outside:
        gaps.append(
            "TLS 1.2 suites outside the intermediate list: "
            + ", ".join(outside[:4])
            + ("…" if len(outside) > 4 else "")
        )
    if not gaps and offered == {wire.TLS13}:
        return "modern", ()
    if not gaps:
        return "intermediate", ()
    return "none", tuple(gaps)
