"""What each Java offers as a TLS client by default, as data with sources.

Two profiles are measured on this machine's JVMs (``SSLContext.getDefault()``'s
protocols, suites in order, named groups, and ``jdk.tls.disabledAlgorithms``):
OpenJDK 17.0.15 (Debian) and Temurin 25.0.3. The others are derived from them by
the documented changes between releases, each with its source (release notes,
JDK bug ids, backport pull requests, captured ClientHellos in testssl.sh's
``etc/client-simulation.txt``); see ``notes/java-tls-facts.md`` §2.

A JVM found on this machine is judged by :func:`profile_of_jvm`: the reference
profile of its release line, with the ``jdk.tls.disabledAlgorithms`` and
``jdk.tls.client.protocols`` its own ``java.security`` and ``-D`` options set.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from sslpoke.audit import wire

# Measured: Debian OpenJDK 17.0.15, SSLContext.getDefault().getDefaultSSLParameters()
_SUITES_17 = [
    "TLS_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
]
_TLS13 = ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256")
_NO_TLS_RSA = tuple(s for s in _SUITES_17 if not s.startswith("TLS_RSA_"))
_NO_CHACHA = tuple(s for s in _SUITES_17 if "CHACHA20" not in s)
_GROUPS_17 = [
    "x25519",
    "secp256r1",
    "secp384r1",
    "secp521r1",
    "x448",
    "ffdhe2048",
    "ffdhe3072",
    "ffdhe4096",
    "ffdhe6144",
    "ffdhe8192",
]
_GROUPS_OLD = [
    "secp256r1",
    "secp384r1",
    "secp521r1",
    "sect283k1",
    "sect283r1",
    "sect409k1",
    "sect409r1",
    "sect571k1",
    "sect571r1",
    "secp256k1",
    "ffdhe2048",
    "ffdhe3072",
    "ffdhe4096",
    "ffdhe6144",
    "ffdhe8192",
]


class JavaProfile(NamedTuple):
    name: str  # "Java 17.0.x"
    protocols: tuple[int, ...]  # enabled for clients, highest first
    suites: tuple[str, ...]  # in the client's order (TLS 1.3 suites first)
    groups: tuple[str, ...]
    sha1_handshake_signatures: bool  # rsa_pkcs1_sha1 etc. allowed in a TLS 1.2 handshake
    min_dh_bits: int
    tls13_supported_but_off: bool  # 8u261-8u331: TLS 1.3 there, off for clients
    source: str
    measured: bool = False
    java_home: Path | None = None  # set for a JVM found on this machine
    jvm_options: tuple[str, ...] = ()  # a running JVM's TLS -D options, for --confirm

    @property
    def short(self) -> str:
        return self.name.removeprefix("Java ")


_V13_12 = (wire.TLS13, wire.TLS12)
_V12_11_10 = (wire.TLS12, wire.TLS11, wire.TLS10)

REFERENCE: tuple[JavaProfile, ...] = (
    JavaProfile(
        "Java 8u161",
        _V12_11_10,
        tuple(s for s in _NO_CHACHA if s not in _TLS13 and "DHE_DSS" not in s),
        tuple(_GROUPS_OLD),
        True,
        1024,
        False,
        "Java 8 has no TLS 1.3 before 8u261; TLS 1.0/1.1 on until 8u291; curves as captured in "
        "testssl.sh client-simulation.txt (secp*, sect*, secp256k1); no ChaCha20 in Java 8",
    ),
    JavaProfile(
        "Java 8u202",
        _V12_11_10,
        tuple(s for s in _NO_CHACHA if s not in _TLS13 and "DHE_DSS" not in s),
        tuple(_GROUPS_OLD),
        True,
        1024,
        False,
        "as 8u161 (no TLS 1.3 in 8u202; the last Oracle 8 update under the old licence)",
    ),
    JavaProfile(
        "Java 8u291+",
        (wire.TLS12,),
        tuple(s for s in _NO_CHACHA if s not in _TLS13),
        tuple(_GROUPS_17),
        True,
        1024,
        True,
        "TLS 1.0/1.1 disabled in 8u291 (OpenJDK 8u292); TLS 1.3 present since 8u261 but off for "
        "clients until 8u341 (JDK-8245485 release note, JDK-8248721)",
    ),
    JavaProfile(
        "Java 8u341+",
        _V13_12,
        _NO_CHACHA,
        tuple(_GROUPS_17),
        True,
        1024,
        False,
        "TLS 1.3 on for clients by default from 8u341 (Oracle: default-tls-versions); groups as "
        "captured for 8u442 (testssl.sh client-simulation.txt)",
    ),
    JavaProfile(
        "Java 11.0.2",
        (wire.TLS13, wire.TLS12, wire.TLS11, wire.TLS10),
        _NO_CHACHA,
        tuple(g for g in _GROUPS_OLD if g != "secp256k1"),
        True,
        1024,
        False,
        "TLS 1.3 since 11.0.0 (JEP 332); TLS 1.0/1.1 still on before 11.0.11; groups as captured "
        "for 11.0.2 (testssl.sh client-simulation.txt: no x25519); ChaCha20 came in JDK 12",
    ),
    JavaProfile(
        "Java 11.0.11+",
        _V13_12,
        _NO_CHACHA,
        tuple(_GROUPS_17),
        True,
        1024,
        False,
        "TLS 1.0/1.1 disabled in 11.0.11 (CSR JDK-8254713); otherwise as 17",
    ),
    JavaProfile(
        "Java 17.0.x",
        _V13_12,
        tuple(_SUITES_17),
        tuple(_GROUPS_17),
        True,
        1024,
        False,
        "measured on OpenJDK 17.0.15 (Debian): 37 suites incl. 6 TLS_RSA_*; later 17 updates "
        "(≈17.0.17+, jdk17u-dev#3775/#3895) disable TLS_RSA_* as 24 did",
        measured=True,
    ),
    JavaProfile(
        "Java 21.0.x",
        _V13_12,
        _NO_TLS_RSA,
        tuple(_GROUPS_17),
        False,
        1024,
        False,
        "current 21 updates: TLS_RSA_* disabled (parity with 21.0.9-oracle, jdk21u-dev#1995) and "
        "SHA-1 handshake signatures disabled (parity with 21.0.10-oracle, jdk21u-dev#2197)",
    ),
    JavaProfile(
        "Java 25",
        _V13_12,
        _NO_TLS_RSA,
        tuple(_GROUPS_17),
        False,
        1024,
        False,
        "measured on Temurin 25.0.3: 31 suites, no TLS_RSA_* (JDK-8245545, JDK 24); SHA-1 "
        "handshake signatures disabled (JDK-8340321)",
        measured=True,
    ),
)


def by_name(name: str) -> JavaProfile | None:
    wanted = name.lower().removeprefix("java").strip()
    for p in REFERENCE:
        if p.short.lower().rstrip("+") == wanted.rstrip("+") or p.short.lower() == wanted:
            return p
    return None


def reference_for(version: tuple[int, ...]) -> JavaProfile:
    """The reference profile of a release line (by the JVM's version)."""
    names = {p.short: p for p in REFERENCE}
    if version[:1] == (8,) or version[:2] == (1, 8):
        update = version[2] if len(version) > 2 else 0
        if update >= 341:
            return names["8u341+"]
        if update >= 261:
            return names["8u291+"]
        return names["8u202"] if update >= 191 else names["8u161"]
    major = version[0]
    if major < 17:
        update = version[2] if len(version) > 2 else 0
        return names["11.0.11+"] if (major > 11 or update >= 11) else names["11.0.2"]
    if major < 21:
        return names["17.0.x"]
    if major < 24:
        return names["21.0.x"]
    return names["25"]


TLS_OPTIONS = (
    "jdk.tls.client.protocols",
    "jdk.tls.client.cipherSuites",
    "jdk.tls.namedGroups",
    "java.security.properties",
    "jdk.tls.client.SignatureSchemes",
    "com.sun.net.ssl.checkRevocation",
    "com.sun.security.enableCRLDP",
)


def profile_of_jvm(
    java_home: Path,
    version: tuple[int, ...],
    version_text: str,
    props: Mapping[str, str] | None = None,
    *,
    label: str | None = None,
) -> JavaProfile:
    """A JVM on this machine: its release line's profile with its own java.security
    (and a ``-Djava.security.properties`` file) and, for a running JVM, the ``-D``
    options that change its handshake: ``jdk.tls.client.protocols``,
    ``jdk.tls.client.cipherSuites`` (its order), ``jdk.tls.namedGroups``."""
    from sslpoke.java.rules import entries, expand_includes, read_rules

    props = dict(props or {})
    base = reference_for(version)
    security = read_rules(java_home, props).security
    disabled = entries(expand_includes(security.get("jdk.tls.disabledAlgorithms", ""), security))
    suites = base.suites
    protocols = base.protocols
    groups = base.groups
    sha1 = base.sha1_handshake_signatures
    min_dh = base.min_dh_bits
    tls13_off = base.tls13_supported_but_off
    wanted_protocols = entries(props.get("jdk.tls.client.protocols", ""))
    if wanted_protocols:
        by_name = {n: v for v, n in wire.VERSION_NAMES.items()}
        known = [by_name[n] for n in wanted_protocols if n in by_name]
        protocols = tuple(sorted(known, reverse=True))
        if wire.TLS13 in protocols and tls13_off:
            tls13_off = False  # 8u261-8u331: turned on by the option
    wanted_suites = entries(props.get("jdk.tls.client.cipherSuites", ""))
    if wanted_suites:
        suites = tuple(wanted_suites)  # names Java does not know are ignored, as by Java
    wanted_groups = entries(props.get("jdk.tls.namedGroups", ""))
    if wanted_groups:
        groups = tuple(wanted_groups)
    if disabled:
        import fnmatch

        names = [d.split()[0] for d in disabled]
        suites = tuple(
            s for s in suites if not any(fnmatch.fnmatchcase(s, n) for n in names if "_" in n)
        )
        off = {n for n in names if n.startswith(("TLSv", "SSLv"))}
        protocols = tuple(p for p in protocols if wire.VERSION_NAMES[p] not in off)
        groups = tuple(g for g in groups if g not in names)
        sha1 = not any(
            d.startswith(("rsa_pkcs1_sha1", "ecdsa_sha1")) and "HandshakeSignature" in d
            for d in disabled
        )
        for d in disabled:
            if d.startswith("DH keySize <"):
                min_dh = int(d.split("<")[1].strip())
    used = [f"-D{k}={props[k]}" for k in TLS_OPTIONS if k in props]
    return base._replace(
        name=f"Java {version_text} {label or f'at {java_home}'}",
        protocols=protocols,
        suites=suites,
        groups=groups,
        sha1_handshake_signatures=sha1,
        min_dh_bits=min_dh,
        tls13_supported_but_off=tls13_off,
        source=f"{java_home}/…/java.security (jdk.tls.disabledAlgorithms)"
        + (f" and {' '.join(used)}" if used else "")
        + f" on the {base.name} profile",
        java_home=java_home,
        jvm_options=tuple(used),
    )
