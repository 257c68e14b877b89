"""Turning facts (what the server sent, what the truststore holds, what validation
found) into problems in plain words, each with a concrete fix.

The validator says *what* is wrong with a path; these rules say *why* in the
user's terms (the truststore is out of date, an antivirus intercepts TLS, the
server forgot its intermediate) and *what to type* to fix it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from sslpoke.net.errors import NetError
from sslpoke.pki.certs import Cert
from sslpoke.pki.findings import Finding
from sslpoke.pki.signature import Sig, check_signature
from sslpoke.pki.validate import Validation
from sslpoke.problems import Code, Problem, Severity
from sslpoke.stores.model import EntryKind, StoreType, TrustStore, alias_for, slug

if TYPE_CHECKING:
    from sslpoke.diagnose.catalog import CodeInfo
    from sslpoke.diagnose.interception import Match
    from sslpoke.net.starttls.base import Greeting, MailAuth

DISABLED_PROTOCOLS = {"SSLv3", "TLSv1", "TLSv1.1"}


PASSWORD_ENV = "SSLPOKE_STOREPASS"  # sslpoke trust reads it; keytool with -storepass:env


class FixContext(NamedTuple):
    """What fixes must name: the store to change and how to reach the server again."""

    store_path: str | None
    store_type: StoreType | None
    keytool: str = "keytool"
    probe_args: str = ""  # e.g. "example.com 443", to build 'sslpoke trust ...' lines
    store_args: str = ""  # e.g. "--truststore /path", as given
    bundle: str | None = None  # "system" or "mozilla": managed by the OS or certifi, not edited
    #: The store opened with Java's public default password (changeit) or none; otherwise the
    #: commands take it from SSLPOKE_STOREPASS and never print it.
    default_password: bool = True


class Facts(NamedTuple):
    chain: Sequence[Cert]  # leaf first, as sent or given
    store: TrustStore
    validation: Validation | None
    fix: FixContext
    hostname: str | None = None
    net_error: NetError | None = None
    tls_version: str | None = None
    greeting: Greeting | None = None
    auth_after_tls: MailAuth | None = None
    reference: Callable[[], TrustStore | None] = lambda: None  # Mozilla's roots, loaded on demand
    extra: tuple[Problem, ...] = ()  # problems found before validation
    offline: bool = False  # sslpoke verify: certificates given, no server involved


def _label(chain: Sequence[Cert], cert: Cert) -> str:
    for i, sent in enumerate(chain):
        if sent == cert:
            return f"certificate [{i}] {cert.display_name!r}"
    return f"{cert.display_name!r}"


def _sent_index(chain: Sequence[Cert], cert: Cert) -> int | None:
    for i, sent in enumerate(chain):
        if sent == cert:
            return i
    return None


# --- commands -------------------------------------------------------------------------


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def info(code: Code) -> CodeInfo:
    """The catalog entry (imported on first use: a trusted probe never needs it)."""
    from sslpoke.diagnose.catalog import info as lookup

    return lookup(code)


def _import_commands(
    facts: Facts, cert: Cert | None, *, how: str, name: str | None = None
) -> tuple[str, ...]:
    """Commands that import one certificate: with ``sslpoke trust`` (``how``: ``sent`` - it is
    in the server's chain, ``mozilla`` - sslpoke takes Mozilla's copy, ``fetch`` - from the AIA
    URL, ``file`` - the user supplies it) and with the store's own tool."""
    fx = facts.fix
    alias = alias_for(cert) if cert is not None else slug(name or "root")
    index = _sent_index(facts.chain, cert) if cert is not None else None
    file = (
        f"{index}-{alias}.pem" if index is not None else f"{alias}.pem"
    )  # as --save-chain names it
    check = f"   # check: SHA-256 {cert.fingerprint}" if cert is not None else ""
    if fx.bundle == "mozilla":
        return ()  # certifi's copy is a reference, replaced on every upgrade: never a place to import
    if fx.bundle == "system":
        # update-ca-certificates regenerates the bundle: a line appended to it would be lost
        return (
            f"cp {file} /usr/local/share/ca-certificates/{alias}.crt && update-ca-certificates{check}",
        )
    out: list[str] = []
    if not fx.default_password and fx.store_type is not StoreType.PEM:
        # The password is never printed: both commands below read it from the environment.
        out.append(f"read -rs -p 'truststore password: ' {PASSWORD_ENV} && export {PASSWORD_ENV}")
    store_args = f" {fx.store_args}" if fx.store_args else ""
    if fx.probe_args and how in ("sent", "mozilla"):
        out.append(f"sslpoke trust {fx.probe_args}{store_args}")
    elif fx.probe_args and how == "fetch":
        out.append(f"sslpoke trust {fx.probe_args} --fetch-missing{store_args}")
    else:
        out.append(f"sslpoke trust --cert {file}{store_args}")
    if fx.store_path is None:
        return tuple(out)
    store = _quote(fx.store_path)
    if fx.store_type in (StoreType.JKS, StoreType.JCEKS, StoreType.PKCS12):
        storepass = (
            "-storepass changeit" if fx.default_password else f"-storepass:env {PASSWORD_ENV}"
        )
        out.append(
            f"{fx.keytool} -importcert -noprompt -alias {alias} -file {file} -keystore {store} {storepass}{check}"
        )
    elif fx.store_type is StoreType.PEM:
        out.append(f"cat {file} >> {store}{check}")
    elif fx.store_type is StoreType.DIRECTORY:
        out.append(f"cp {file} {store}/ && openssl rehash {store}")
    return tuple(out)


def _into(facts: Facts) -> str:
    if facts.fix.bundle == "mozilla":
        return "into the truststore your client uses (Mozilla's bundle, checked here, is only a reference)"
    if facts.fix.bundle == "system":
        return "into the OS's trusted certificates (the bundle itself is regenerated from them)"
    return "into that truststore"


def _save_hint(facts: Facts, cert: Cert) -> str:
    if facts.fix.probe_args and _sent_index(facts.chain, cert) is not None:
        return f" (save it with: sslpoke {facts.fix.probe_args} --save-chain .)"
    return ""


# --- the rules ------------------------------------------------------------------------


def diagnose(facts: Facts) -> list[Problem]:
    problems: list[Problem] = list(facts.extra)
    if facts.net_error is not None:
        problems.append(_connection_problem(facts.net_error))
    if facts.tls_version in DISABLED_PROTOCOLS:
        problems.append(
            Problem(
                Code.PROTOCOL_DISABLED,
                Severity.ERROR,
                f"The server only negotiated {facts.tls_version}, which Java (jdk.tls.disabledAlgorithms, "
                "since 8u291/11.0.11) and current browsers refuse: Java cannot complete the handshake, "
                "so whether the certificate is trusted does not come into it yet.",
                info(Code.PROTOCOL_DISABLED).fix,
            )
        )
    if facts.validation is not None and facts.chain and not facts.store.entries:
        problems.append(_empty_store(facts))
    elif facts.validation is not None and facts.chain:
        trust = _trust_problems(facts)
        if _is_keystore(facts.store) and not facts.validation.ok:
            # Importing a CA into the server's own keystore would be the wrong fix.
            trust = [p._replace(commands=()) for p in trust] + [_keystore_notice(facts)]
        problems += trust
        order = _chain_order(facts)
        if order is not None:
            problems.append(order)
    problems += _mail_auth(facts)
    problems.sort(key=lambda p: (p.severity is not Severity.ERROR, p.code in _SECONDARY))
    return problems


def _is_keystore(store: TrustStore) -> bool:
    return bool(store.entries) and all(e.kind is EntryKind.KEY for e in store.entries)


def _keystore_notice(facts: Facts) -> Problem:
    store = facts.store
    aliases = ", ".join(repr(e.alias) for e in store.entries if e.alias)
    return Problem(
        Code.KEYSTORE_AS_TRUSTSTORE,
        Severity.WARNING,
        f"{store.location} is a keystore: it holds a private key entry ({aliases}) and no trusted "
        "certificate. Java then trusts only that entry's own certificate. The application "
        "probably meant it as javax.net.ssl.keyStore (or Tomcat's server keystore), not as its "
        "truststore.",
        "Point javax.net.ssl.trustStore at the truststore (often the JRE's cacerts, or a copy of it "
        "with your CA), and keep this file as the keystore; do not import CAs into it.",
    )


def _empty_store(facts: Facts) -> Problem:
    """No trusted certificate at all: Java cannot even start the handshake's checks."""
    store = facts.store
    why = f" ({store.notes[0]})" if store.notes else ""
    path = facts.validation.best.path if facts.validation else facts.chain
    top = path[-1]
    self_signed = top.self_issued
    commands = (
        _import_commands(facts, top, how="sent")
        if self_signed
        else _import_commands(facts, None, how="file", name=top.issuer_display_name)
    )
    if store.type is StoreType.PKCS12 and any(
        "trusted-certificate attribute" in n for n in store.notes
    ):
        # openssl pkcs12 -nokeys: the certificates are there, only Java's attribute is missing.
        store_args = f" {facts.fix.store_args}" if facts.fix.store_args else ""
        commands = (f"sslpoke trust --mark-trusted{store_args}", *commands)
    what = (
        f"its root {top.display_name!r} (sent by the server: check its fingerprint)"
        if self_signed
        else f"the CA {top.issuer_display_name!r} that issued {top.display_name!r}"
    )
    return Problem(
        Code.EMPTY_TRUSTSTORE,
        Severity.ERROR,
        f"The {store.type.value.upper()} truststore {store.location} holds no trusted certificate"
        f"{why}. Java fails every TLS connection with it before looking at the server's chain.",
        f"Import {what} into this truststore; sslpoke trust adds to an empty store.",
        None,
        commands,
    )


_SECONDARY = {Code.EXPIRING_SOON, Code.CHAIN_ORDER, Code.WEAK_SIGNATURE, Code.WEAK_KEY}


def _connection_problem(err: NetError) -> Problem:
    said = f' The server said: "{err.said}"' if err.said else ""
    return Problem(
        err.code,
        Severity.ERROR,
        err.message[:1].upper() + err.message[1:] + "." + said,
        info(err.code).fix,
    )


def _trust_problems(facts: Facts) -> list[Problem]:
    assert facts.validation is not None
    best = facts.validation.best
    path = best.path
    out: list[Problem] = []
    from sslpoke.diagnose import interception

    intercepted = interception.find(list(facts.chain))
    for finding in best.findings:
        problem = _finding_problem(facts, finding, path, intercepted)
        if problem is not None:
            out.append(problem)
    if intercepted is not None and facts.validation.ok:
        p = intercepted.product
        out.append(
            Problem(
                Code.INTERCEPTED,
                Severity.WARNING,
                f"The connection is trusted, but TLS is intercepted by {p.product} ({p.vendor}): "
                f"{_label(facts.chain, intercepted.cert)} names {intercepted.name!r}. "
                "Its root is in the truststore, so this application's traffic is inspected.",
                p.how_to_stop,
            )
        )
    if facts.validation.exhausted and not facts.validation.ok:
        out.append(
            Problem(
                Code.CHAIN_TOO_LONG,
                Severity.ERROR,
                "Path building gave up: the certificates sent allow too many combinations "
                "(a possible denial-of-service chain).",
                info(Code.CHAIN_TOO_LONG).fix,
            )
        )
    return out


def _finding_problem(
    facts: Facts, f: Finding, path: Sequence[Cert], intercepted: Match | None
) -> Problem | None:
    cert = path[f.position] if f.position is not None else None
    sent_index = _sent_index(facts.chain, cert) if cert is not None else None
    if f.code in (Code.SELF_SIGNED, Code.UNKNOWN_CA, Code.INCOMPLETE_CHAIN):
        assert cert is not None
        return _untrusted(facts, f, cert, path, intercepted)
    if f.code is Code.CERTIFICATE_RENEWED and cert is not None:
        return _renewed(facts, f, cert, sent_index)
    who = _label(facts.chain, cert) if cert is not None else "the chain"
    if cert is not None and sent_index is None and f.position == len(path) - 1:
        alias = facts.store.alias_of(cert)
        who = f"the truststore's {cert.display_name!r}" + (f" (alias {alias})" if alias else "")
    message = f"{who[0].upper() + who[1:]} {f.detail.rstrip('.')}."
    fix = _fix_for(facts, f, cert)
    return Problem(f.code, f.severity, message, fix, sent_index)


def _renewed(facts: Facts, f: Finding, cert: Cert, sent_index: int | None) -> Problem:
    """The store trusts an older certificate of the same name: name it, import the new one."""
    stale = [
        e
        for e in facts.store.entries
        if e.cert.raw.subject == cert.raw.issuer and e.cert.raw.spki != cert.raw.spki
    ]
    aliases = ", ".join(repr(e.alias) for e in stale if e.alias) or "(no alias)"
    top_is_sent_root = cert.self_issued
    commands = _import_commands(
        facts, cert, how="sent" if top_is_sent_root else "file", name=cert.issuer_display_name
    )
    commands = tuple(
        c + " --replace" if c.startswith("sslpoke trust") and top_is_sent_root else c
        for c in commands
    )
    what = (
        "the server's new certificate"
        if top_is_sent_root
        else (f"the new certificate of {cert.issuer_display_name!r} (from its owner)")
    )
    return Problem(
        Code.CERTIFICATE_RENEWED,
        Severity.ERROR,
        f"{_label(facts.chain, cert)[0].upper() + _label(facts.chain, cert)[1:]} {f.detail}. "
        f"Stale truststore entry: {aliases}.",
        f"Import {what} after checking its fingerprint; --replace also removes the stale entry "
        "(Java keeps trusting both otherwise).",
        sent_index,
        commands,
    )


def _fix_for(facts: Facts, f: Finding, cert: Cert | None) -> str:
    code = f.code
    if code is Code.HOSTNAME_MISMATCH and cert is not None:
        names = (
            ", ".join([*cert.san_dns, *cert.san_ips][:5]) or ", ".join(cert.common_names) or "none"
        )
        return (
            f"Connect with a name the certificate lists ({names}), or reissue it with "
            f"{facts.hostname} in subjectAltName. Java clients that skip the check (old SSLPoke) "
            "would connect; HTTPS clients will not."
        )
    if code is Code.EXPIRED and cert is not None and cert.is_ca:
        return "Replace the expired intermediate the server sends with its current version (from your CA)."
    if code is Code.WEAK_SIGNATURE and f.severity is Severity.WARNING:
        return "Reissue the certificate signed with SHA-256: browsers, Go, Python and Java with jdkCA roots refuse SHA-1."
    if code is Code.WEAK_KEY and f.severity is Severity.WARNING:
        return "Reissue the certificate with an RSA 2048+ or EC P-256 key before clients tighten their rules."
    return info(code).fix


def _in_reference(facts: Facts, cert: Cert, issuer_of: bool) -> Cert | None:
    """The Mozilla root that *is* ``cert`` (or that issued it, with ``issuer_of``)."""
    reference = facts.reference()
    if reference is None:
        return None
    anchors = reference.anchors
    if not issuer_of:
        found = anchors.match(cert, same_key_counts=True)
        return found.cert if found else None
    for anchor in anchors.issuers_of(cert):
        if check_signature(cert, anchor.cert) is Sig.OK:
            return anchor.cert
    return None


def _untrusted(
    facts: Facts,
    f: Finding,
    top: Cert,
    path: Sequence[Cert],
    intercepted: Match | None,
) -> Problem:
    store = facts.store
    where = f"{store.type.value.upper()} truststore {store.location}"
    top_index = _sent_index(facts.chain, top)
    self_signed = facts.validation is not None and facts.validation.top_self_signed

    if intercepted is not None:
        p = intercepted.product
        return Problem(
            Code.INTERCEPTED,
            Severity.ERROR,
            f"TLS is being intercepted by {p.product} ({p.vendor}, {p.kind}): "
            f"{_label(facts.chain, intercepted.cert)} names {intercepted.name!r}, and that root is not in the {where}. "
            "The server's real certificate never reaches this machine.",
            p.how_to_stop + f" (source: {p.source})",
            _sent_index(facts.chain, intercepted.cert),
            _import_commands(facts, top, how="sent") if self_signed else (),
        )

    # Is the root Mozilla trusts today simply missing from this store?
    root = (
        _in_reference(facts, top, issuer_of=False)
        if self_signed
        else _in_reference(facts, top, issuer_of=True)
    )
    if root is not None:
        return Problem(
            Code.OUTDATED_TRUSTSTORE,
            Severity.ERROR,
            f"The chain ends at {root.display_name!r} (SHA-256 {root.fingerprint}), a root in Mozilla's "
            f"current root program, but the {where} does not have it: the truststore is out of date.",
            "Upgrade Java (a newer JDK ships the root in its cacerts) or the OS ca-certificates package "
            "(Debian/Ubuntu: apt-get install --only-upgrade ca-certificates ca-certificates-java); "
            "or import this one root.",
            top_index if self_signed else None,
            _import_commands(facts, root, how="mozilla"),
        )

    if self_signed and len(path) == 1:
        return Problem(
            Code.SELF_SIGNED,
            Severity.ERROR,
            f"The server's certificate {top.display_name!r} is self-signed (SHA-256 {top.fingerprint}) "
            f"and not in the {where}.",
            f"If you trust this server, import its certificate {_into(facts)}"
            + _save_hint(facts, top)
            + "; better, give the server a certificate from your CA.",
            top_index,
            _import_commands(facts, top, how="sent"),
        )
    if self_signed:
        return Problem(
            Code.UNKNOWN_CA,
            Severity.ERROR,
            f"The chain ends at the root {top.display_name!r} (SHA-256 {top.fingerprint}), which the "
            f"server sent but the {where} does not trust.",
            f"If this is your organisation's CA, import this root {_into(facts)}"
            + _save_hint(facts, top)
            + ". Check the fingerprint with the CA's owner first.",
            top_index,
            _import_commands(facts, top, how="sent"),
        )

    missing = top.issuer_display_name
    aki = f" (key id {top.aki_key_id.hex(':')})" if top.aki_key_id else ""
    urls = top.ca_issuers_urls
    aia = (
        f" It can be downloaded from {urls[0]} (the certificate's AIA caIssuers URL)."
        if urls
        else ""
    )
    if f.code is Code.INCOMPLETE_CHAIN:
        given = (
            f"Only the certificate itself was given; its issuer {missing!r}{aki} was not given "
            "(--intermediates) and is"
            if facts.offline
            else f"The server sent only its own certificate; its issuer {missing!r}{aki} was not "
            "sent and is"
        )
        return Problem(
            Code.INCOMPLETE_CHAIN,
            Severity.ERROR,
            f"{given} not in the {where}.{aia} If {missing!r} is an intermediate CA, the server "
            "must send it; if it is your private root, import it.",
            "Configure the server to send its intermediate certificate(s) after its own "
            "(nginx: ssl_certificate with the full chain; Apache: SSLCertificateFile with the chain; "
            "Tomcat/Java: import the chain with the key). For Java clients only, "
            "-Dcom.sun.security.enableAIAcaIssuers=true makes the JVM download it from the AIA URL; "
            "or import the intermediate into the truststore ('sslpoke trust ... --fetch-missing').",
            0,
            _import_commands(facts, None, how="fetch", name=missing) if urls else (),
        )
    return Problem(
        Code.UNKNOWN_CA,
        Severity.ERROR,
        f"{_label(facts.chain, top)[0].upper() + _label(facts.chain, top)[1:]} was issued by {missing!r}{aki}, "
        f"which the server did not send and the {where} does not contain.{aia} "
        f"If {missing!r} is a root CA, it must be imported into the truststore; if it is an "
        "intermediate, the server should send it.",
        f"Get the certificate of {missing!r} from its owner (your PKI team or the CA), check its "
        "fingerprint, and import it into the truststore the application uses.",
        top_index,
        _import_commands(facts, None, how="fetch" if urls else "file", name=missing),
    )


def _own_chain(chain: Sequence[Cert]) -> list[Cert]:
    """The leaf and its issuers among the sent certificates, walked by name (bounded)."""
    walk = [chain[0]]
    while len(walk) <= len(chain):
        top = walk[-1]
        if top.self_issued:
            break
        nxt = next((c for c in chain if c.subject_key == top.issuer_key and c not in walk), None)
        if nxt is None:
            break
        walk.append(nxt)
    return walk


def _chain_order(facts: Facts) -> Problem | None:
    """Warn only about certificates that really are out of order or unrelated.

    A certificate is part of the server's chain when it is on the path, is one of
    the leaf's issuers by name (also when the path stops early at a trusted leaf or
    intermediate), or has a path certificate's name and key (a cross-signed copy of
    a trusted root): following advice to drop any of those would break other clients.
    """
    chain = list(facts.chain)
    if len(chain) < 2 or facts.validation is None:
        return None
    path = facts.validation.best.path
    own = _own_chain(chain)
    same_key = {(c.raw.subject, c.raw.spki) for c in path}
    related = {c.sha256 for c in (*path, *own)} | {
        c.sha256 for c in chain if (c.raw.subject, c.raw.spki) in same_key
    }
    unused = [i for i, c in enumerate(chain) if c.sha256 not in related]
    rank = {c.sha256: n for n, c in enumerate(own)}
    misordered, highest = [], -1
    for i, cert in enumerate(chain):  # sent after one of its own issuers
        if cert.sha256 in rank:
            if rank[cert.sha256] < highest:
                misordered.append(i)
            highest = max(highest, rank[cert.sha256])
    if not unused and not misordered:
        return None
    parts = []
    if misordered:
        sent = ", ".join(f"[{i}] {c.display_name!r}" for i, c in enumerate(chain))
        parts.append(
            f"The server sends its chain out of order ({sent}): each certificate should be followed by its issuer."
        )
    if unused:
        extra = ", ".join(f"[{i}] {chain[i].display_name!r}" for i in unused)
        parts.append(f"The server sends certificates that are not part of the path: {extra}.")
    return Problem(
        Code.CHAIN_ORDER,
        Severity.WARNING,
        " ".join(parts),
        info(Code.CHAIN_ORDER).fix,
        misordered[0] if misordered else unused[0],
    )


def _mail_auth(facts: Facts) -> list[Problem]:
    out: list[Problem] = []
    before = facts.greeting.auth if facts.greeting else None
    after = facts.auth_after_tls
    if before is not None and before.plaintext_ok:
        how = ", ".join(before.mechanisms) or "the protocol's own login command"
        out.append(
            Problem(
                Code.PLAINTEXT_AUTH_BEFORE_TLS,
                Severity.WARNING,
                f"Before STARTTLS the server already accepts plain-text credentials ({how}): "
                "a client that skips STARTTLS sends its password in clear.",
                info(Code.PLAINTEXT_AUTH_BEFORE_TLS).fix,
            )
        )
    if after is not None and not after.plaintext_ok:
        offered = ", ".join(after.mechanisms) or "none"
        out.append(
            Problem(
                Code.NO_PLAINTEXT_AUTH,
                Severity.WARNING,
                f"Over TLS the server offers no PLAIN or LOGIN authentication (offered: {offered}). "
                "Java mail clients (JavaMail, Jira/Confluence mail handlers) need one of them.",
                "Allow plain-text authentication over TLS on the mail server (Exchange: enable Basic "
                "authentication on the receive connector or IMAP/POP settings; dovecot: auth_mechanisms = plain login).",
            )
        )
    return out
