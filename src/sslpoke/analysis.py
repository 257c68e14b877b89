"""From captured facts to a report: validation, diagnosis, and the report's shape.

Kept apart from :mod:`sslpoke.api` so that the entry points can start the
network work before these heavier modules (and cryptography) are imported.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sslpoke.diagnose.rules import Facts, FixContext, diagnose
from sslpoke.net.errors import NetError
from sslpoke.pki.certs import Cert, CertificateParseError
from sslpoke.pki.checks import Context, KeyExchange, hostname_findings
from sslpoke.pki.policy import Profile
from sslpoke.pki.signature import Sig
from sslpoke.pki.validate import Validation, validate
from sslpoke.problems import Code, Problem, Severity
from sslpoke.report.model import CertInfo, PathStep, Report, Role, TlsInfo, TruststoreInfo
from sslpoke.stores import TrustStore, load_truststore
from sslpoke.stores.model import DEFAULT_PASSWORD, alias_for
from sslpoke.target import Target
from sslpoke.truststore_choice import ChosenStore, StoreRequest, choose

if TYPE_CHECKING:
    from sslpoke.net.capture import Capture
    from sslpoke.pki.revocation import CrlSet

Reference = str | Path | TrustStore | bool | None


class PreparedStore(NamedTuple):
    """A scan's truststore choice made on one machine, for workers on others (Ray):
    everything a report says of the store computed where the store was chosen, so a
    worker's reports and fix commands name the user's truststore (its path, type and
    keytool, the options that chose it), judge by that Java's rules and its stock
    roots, and carry its warnings — not those of a copy, nor of the worker's own Java.
    It pickles (certificates as DER); it holds no password."""

    chosen: ChosenStore  # its password removed
    policy: Profile  # the profile, with the rules of the Java diagnosed
    fix: FixContext
    info: TruststoreInfo
    several_javas: tuple[Problem, ...]  # the other Javas of the machine it was chosen on
    public_roots: frozenset[bytes]  # that Java's stock roots (SHA-256)


def prepare_store(truststore: Any, profile: Profile) -> PreparedStore:
    """:class:`PreparedStore` for ``truststore`` (what :func:`choose_store` takes)."""
    chosen = choose_store(truststore, None, None)
    home = chosen.java_home
    return PreparedStore(
        chosen=chosen._replace(password=None, jvm_properties=dict(chosen.jvm_properties)),
        policy=java_policy(profile, chosen),
        fix=_fix_context(chosen, None),
        info=_store_info(chosen),
        several_javas=tuple(_several_javas(chosen)) if chosen.from_java_defaults else (),
        public_roots=_jdk_cacerts_fingerprints(home) if home is not None else frozenset(),
    )


class ProbeCache:
    """What a scan computes once and reuses for every endpoint: the diagnosed Java's
    rules (read from its java.security once, not per endpoint), parsed certificates,
    validations (a wildcard certificate on 500 hosts is validated once: see
    :meth:`validation`), the path as reported, and the chain's description.
    Bounded: past ``limit`` entries a table stops growing (results stay correct)."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.validations: dict[tuple[object, ...], Validation] = {}
        self.chains_met: set[tuple[object, ...]] = set()
        self.steps: dict[int, tuple[Validation, tuple[PathStep, ...]]] = {}
        self.policies: dict[tuple[int, int], Profile] = {}
        self.certs: dict[bytes, Cert] = {}
        self.chain_infos: dict[tuple[object, ...], tuple[CertInfo, ...]] = {}
        self.stores: dict[int, tuple[ChosenStore, FixContext, TruststoreInfo]] = {}
        self.javas: dict[int, tuple[ChosenStore, list[Problem]]] = {}
        self.public_roots: dict[int, tuple[ChosenStore, frozenset[bytes]]] = {}

    def adopt(self, prepared: PreparedStore) -> None:
        """Take what ``prepared`` computed where its store was chosen (another machine)."""
        chosen = prepared.chosen
        self.stores[id(chosen)] = (chosen, prepared.fix, prepared.info)
        self.javas[id(chosen)] = (chosen, list(prepared.several_javas))
        self.public_roots[id(chosen)] = (chosen, prepared.public_roots)

    def public_anchor(self, chosen: ChosenStore) -> Callable[[Cert], bool]:
        """Whether an anchor is one of the diagnosed Java's stock roots."""
        found = self.public_roots.get(id(chosen))
        if found is None or found[0] is not chosen:
            return _jdk_root_judge(chosen)
        roots = found[1]
        return lambda cert: cert.sha256 in roots

    def policy(self, policy: Profile, chosen: ChosenStore) -> Profile:
        key = (id(policy), id(chosen))
        found = self.policies.get(key)
        if found is None:
            found = self.policies[key] = java_policy(policy, chosen)
        return found

    def parse(self, raw: Sequence[bytes]) -> tuple[list[Cert], list[Problem]]:
        if all(der in self.certs for der in raw):
            return [self.certs[der] for der in raw], []
        chain, problems = parse_chain(raw)
        if not problems and len(self.certs) < self.limit:
            for cert in chain:
                self.certs[cert.der] = cert
        return chain, problems

    def validation(
        self,
        chain: Sequence[Cert],
        chosen: ChosenStore,
        policy: Profile,
        kex: KeyExchange | None,
        at: datetime,
        name: str | None,
    ) -> Validation:
        """:func:`~sslpoke.pki.validate.validate` of ``chain`` for ``name``, made once per
        (chain, store, profile, key exchange, day) and name — and once for all names
        when it can be: a chain met again under another name (a wildcard or many-name
        certificate on many hosts) is validated once without a name, and each name is
        then checked alone against that path. That is exactly the validation with the
        name whenever the path validates and the name matches it: the search returns
        the first path that validates, a name check only adds findings (so no earlier
        path could validate with it), and it adds none to this one. Otherwise (a name
        that does not match, a chain that does not validate) the chain is validated
        with the name, as a probe does. A chain met once costs one validation, as before."""
        base = (tuple(c.der for c in chain), id(chosen.store), policy, kex, at.date())
        found = self.validations.get((base, name))
        if found is not None:
            return found
        ctx = Context(
            profile=policy,
            at=at,
            hostname=name,
            key_exchange=kex,
            public_anchor=self.public_anchor(chosen),
        )
        anchors = chosen.store.anchors
        if name and base in self.chains_met:
            free = self.validations.get((base, None))
            if free is None:
                free = validate(chain[0], chain[1:], anchors, ctx._replace(hostname=None))
                self._keep((base, None), free)
            if free.ok and not hostname_findings(free.best.path, free.best.anchor, ctx):
                self._keep((base, name), free)
                return free
        validation = validate(chain[0], chain[1:], anchors, ctx)
        self._keep((base, name), validation)
        if len(self.chains_met) < self.limit:
            self.chains_met.add(base)
        return validation

    def _keep(self, key: tuple[object, ...], validation: Validation) -> None:
        if len(self.validations) < self.limit:
            self.validations[key] = validation

    def path_steps(
        self, validation: Validation | None, chain: Sequence[Cert], store: TrustStore
    ) -> tuple[PathStep, ...]:
        """The path as reported, made once per validation (its chain and store are part
        of what it was made for; the object itself is kept, so no id is reused)."""
        if validation is None:
            return ()
        found = self.steps.get(id(validation))
        if found is None or found[0] is not validation:
            found = (validation, _path_steps(validation, chain, store))
            if len(self.steps) < self.limit:
                self.steps[id(validation)] = found
        return found[1]

    def store_parts(self, chosen: ChosenStore) -> tuple[FixContext, TruststoreInfo]:
        """What the fixes and the report say of the truststore: the same for every
        endpoint of a scan (the store is chosen once)."""
        found = self.stores.get(id(chosen))
        if found is None or found[0] is not chosen:  # the object itself is kept: no id reuse
            found = (chosen, _fix_context(chosen, None), _store_info(chosen))
            if len(self.stores) < 64:
                self.stores[id(chosen)] = found
        return found[1], found[2]

    def several_javas(self, chosen: ChosenStore) -> list[Problem]:
        """The warning that other Javas here use other truststores: it depends on the
        store only, and asking costs a walk of /proc and of every Java installed (made
        per failing endpoint, it held a scan with the default truststore to ~30/s)."""
        found = self.javas.get(id(chosen))
        if found is None or found[0] is not chosen:
            found = (chosen, _several_javas(chosen))
            if len(self.javas) < 64:
                self.javas[id(chosen)] = found
        return found[1]

    def chain_info(self, chain: Sequence[Cert], store: TrustStore) -> tuple[CertInfo, ...]:
        key = (tuple(c.der for c in chain), id(store))
        found = self.chain_infos.get(key)
        if found is None:
            found = _chain_info(chain, store)
            if len(self.chain_infos) < self.limit:
                self.chain_infos[key] = found
        return found


def probe_report(
    target: Target,
    cap: Capture | None,
    error: NetError | None,
    chosen: ChosenStore,
    policy: Profile,
    *,
    check_hostname: bool,
    at: datetime,
    reference: Reference,
    save_chain: str | Path | None,
    seconds: float,
    cache: ProbeCache | None = None,
) -> Report:
    """``cache`` (a scan's): see :class:`ProbeCache`."""
    raw_chain = cap.tls.chain if cap is not None else error.chain if error is not None else ()
    chain, parse_problems = cache.parse(raw_chain) if cache else parse_chain(raw_chain)
    if save_chain is not None and chain:
        write_chain(chain, Path(save_chain))
    name = target.check_name if check_hostname else None
    policy = cache.policy(policy, chosen) if cache else java_policy(policy, chosen)
    validation = None
    if chain:
        kex = _key_exchange(cap) if cap else None
        if cache is not None:
            validation = cache.validation(chain, chosen, policy, kex, at, name)
        else:
            ctx = Context(
                profile=policy,
                at=at,
                hostname=name,
                key_exchange=kex,
                public_anchor=_jdk_root_judge(chosen),
            )
            validation = validate(chain[0], chain[1:], chosen.store.anchors, ctx)
    if cache is not None:
        store_fix, store_info = cache.store_parts(chosen)
        fix = store_fix._replace(probe_args=_probe_args(target))
    else:
        fix, store_info = _fix_context(chosen, target), _store_info(chosen)
    facts = Facts(
        chain=chain,
        store=chosen.store,
        validation=validation,
        fix=fix,
        hostname=name,
        net_error=error,
        tls_version=cap.tls.version if cap else error.tls_version if error else None,
        greeting=cap.greeting if cap else None,
        auth_after_tls=cap.auth_after_tls if cap else None,
        reference=_reference_loader(reference),
        extra=(*chosen.problems, *parse_problems),
    )
    problems = diagnose(facts)
    ok = validation is not None and validation.ok and not any(p.is_error for p in problems)
    if not ok and chosen.from_java_defaults and chain:
        problems += cache.several_javas(chosen) if cache is not None else _several_javas(chosen)
    return Report(
        kind="probe",
        ok=ok,
        profile=policy.name.value,
        java_rules=policy.java,
        checked_name=name,
        at=at,
        target=str(target),
        truststore=store_info,
        tls=_tls_info(cap, target),
        chain=cache.chain_info(chain, chosen.store) if cache else _chain_info(chain, chosen.store),
        path=(
            cache.path_steps(validation, chain, chosen.store)
            if cache
            else _path_steps(validation, chain, chosen.store)
        ),
        problems=tuple(problems),
        seconds=round(seconds, 3),
    )


def verify_report(
    certificates: Sequence[Cert],
    intermediates: Sequence[Cert],
    chosen: ChosenStore,
    policy: Profile,
    *,
    host: str | None,
    at: datetime,
    crls: CrlSet | None,
    max_depth: int | None,
    reference: Reference,
) -> Report:
    chain = list(certificates)
    policy = java_policy(policy, chosen)
    ctx = Context(
        profile=policy, at=at, hostname=host, crls=crls, public_anchor=_jdk_root_judge(chosen)
    )
    validation = validate(
        chain[0], [*chain[1:], *intermediates], chosen.store.anchors, ctx, max_depth=max_depth
    )
    facts = Facts(
        chain=chain,
        store=chosen.store,
        validation=validation,
        fix=_fix_context(chosen, None),
        hostname=host,
        reference=_reference_loader(reference),
        extra=tuple(chosen.problems),
        offline=True,
    )
    problems = diagnose(facts)
    ok = validation.ok and not any(p.is_error for p in problems)
    return Report(
        kind="verify",
        ok=ok,
        profile=policy.name.value,
        java_rules=policy.java,
        checked_name=host,
        at=at,
        truststore=_store_info(chosen),
        chain=_chain_info(chain, chosen.store),
        path=_path_steps(validation, chain, chosen.store),
        problems=tuple(problems),
    )


def java_policy(policy: Profile, chosen: ChosenStore) -> Profile:
    """The java profile with the rules of the Java being diagnosed.

    That Java is the one whose truststore was chosen (``--java``, a PID, the
    ``java`` on PATH); with ``--truststore FILE`` it is still the ``java`` on
    PATH. A Profile given explicitly (not the stock ``java``) is used as it is.
    """
    from sslpoke.pki.policy import JAVA

    if policy is not JAVA:
        return policy
    from sslpoke.java.rules import profile_for, read_rules

    home = chosen.java_home
    if home is None and chosen.bundle is None:
        from sslpoke.java.truststore import java_home_of, java_on_path

        java = java_on_path()
        home = java_home_of(java) if java is not None else None
    return profile_for(read_rules(home, chosen.jvm_properties))


def _several_javas(chosen: ChosenStore) -> list[Problem]:
    """Warn when other Javas here trust other stores: the application may run one of them.

    Running JVMs come first: one that uses another truststore than the default sslpoke
    checked is named with its PID and command (likely the application itself).
    """
    from sslpoke.java.discovery import find_javas, java_processes

    used_path = Path(chosen.real_path or chosen.store.location)
    running = []
    for process in java_processes():
        theirs = process.store.real_path or process.store.path
        with contextlib.suppress(OSError):
            if theirs.resolve() != used_path.resolve():
                running.append(process)
    if running:
        names = "; ".join(
            f"PID {p.pid} ({p.command}) uses {p.store.real_path or p.store.path}"
            for p in running[:5]
        )
        return [
            Problem(
                Code.SEVERAL_JAVAS,
                Severity.WARNING,
                f"sslpoke checked the default truststore {used_path}, but running JVMs here use "
                f"others: {names}.",
                f"If one of them is the application, check with its truststore: sslpoke HOST PORT "
                f"--java {running[0].pid}",
            )
        ]
    javas = find_javas()
    stores = {j.store.real_path or j.store.path for j in javas}
    if len(stores) < 2:
        return []
    used = chosen.real_path or chosen.store.location
    others = ", ".join(str(j.home) for j in javas if j.home != chosen.java_home)
    return [
        Problem(
            Code.SEVERAL_JAVAS,
            Severity.WARNING,
            f"{len(javas)} Java installations here use {len(stores)} different truststores; sslpoke checked "
            f"{used}, the one of {chosen.java_home}. Others: {others}.",
            "If the application runs another Java, check with: sslpoke HOST PORT --java PATH|PID "
            "(sslpoke java lists every Java and running JVM).",
        )
    ]


def choose_store(
    truststore: str | Path | StoreRequest | TrustStore | None,
    storepass: str | None,
    storetype: str | None,
) -> ChosenStore:
    if isinstance(truststore, TrustStore):
        return ChosenStore(truststore)
    if isinstance(truststore, StoreRequest):
        return choose(truststore)
    return choose(StoreRequest(path=truststore, password=storepass, storetype=storetype))


def _chain_info(chain: Sequence[Cert], store: TrustStore) -> tuple[CertInfo, ...]:
    return tuple(CertInfo.of(c, sent_index=i, alias=store.alias_of(c)) for i, c in enumerate(chain))


def parse_chain(raw: Sequence[bytes]) -> tuple[list[Cert], list[Problem]]:
    chain: list[Cert] = []
    problems: list[Problem] = []
    for i, der in enumerate(raw):
        try:
            chain.append(Cert(der))
        except CertificateParseError as exc:
            problems.append(
                Problem(
                    Code.INVALID_CERTIFICATE,
                    Severity.ERROR,
                    f"Certificate [{i}] sent by the server cannot be parsed: {exc}.",
                    "The server sends a corrupt certificate; reinstall its certificate files.",
                    i,
                )
            )
            if i == 0:
                return [], problems
    return chain, problems


def write_chain(chain: Sequence[Cert], directory: Path) -> list[Path]:
    """Save each certificate as ``<index>-<alias>.pem`` (the names fix commands use).

    Each file is written to a temporary name and renamed into place, so a symlink
    planted in the folder is replaced, never written through.
    """
    from sslpoke.errors import InputError, WriteError
    from sslpoke.stores.safe_write import write_new_file

    if directory.exists() and not directory.is_dir():
        raise InputError(f"--save-chain {directory}: is a file, not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--save-chain {directory}: cannot create it ({exc.strerror})") from None
    written = []
    for i, cert in enumerate(chain):
        path = directory / f"{i}-{alias_for(cert)}.pem"
        try:
            write_new_file(path, cert.pem.encode("ascii"))
        except WriteError as exc:
            raise InputError(f"--save-chain: {exc}") from None
        written.append(path)
    return written


def _key_exchange(cap: Capture) -> KeyExchange:
    cipher = cap.tls.cipher.upper()
    if cap.tls.version == "TLSv1.3" or "DHE" in cipher:
        return KeyExchange.SIGNATURE
    if cipher.startswith(("ECDH-", "DH-")):
        return KeyExchange.AGREEMENT
    return KeyExchange.ENCIPHERMENT


@lru_cache(maxsize=4)
def _jdk_cacerts_fingerprints(java_home: Path) -> frozenset[bytes]:
    from sslpoke.java.truststore import security_dir

    try:
        store = load_truststore(security_dir(java_home) / "cacerts", origin="jdk cacerts")
    except Exception:
        return frozenset()
    return frozenset(e.cert.sha256 for e in store.entries)


def _jdk_root_judge(chosen: ChosenStore) -> Callable[[Cert], bool]:
    home = chosen.java_home

    def judge(cert: Cert) -> bool:
        return home is not None and cert.sha256 in _jdk_cacerts_fingerprints(home)

    return judge


def _reference_loader(reference: Reference) -> Callable[[], TrustStore | None]:
    """Load the up-to-date root bundle only if a diagnosis needs it."""
    cache: list[TrustStore | None] = []

    def load() -> TrustStore | None:
        if not cache:
            if reference is False:
                cache.append(None)
            elif isinstance(reference, TrustStore):
                cache.append(reference)
            else:
                from sslpoke.stores import load_mozilla

                try:
                    if reference is None or reference is True:
                        cache.append(load_mozilla())
                    else:
                        cache.append(load_truststore(reference, origin="reference"))
                except Exception:  # a reference is a hint; its absence must not fail a diagnosis
                    cache.append(None)
        return cache[0]

    return load


_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_")


def shell_quote(text: str) -> str:
    """As shlex.quote (without importing shlex on the probe path)."""
    if text and _SAFE.issuperset(text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _fix_context(chosen: ChosenStore, target: Target | None) -> FixContext:
    """How printed fixes reach the same store and server: the options that chose the store
    (``--java PID``, ``--truststore``, the -D flags; never a password) and the probe's own
    options that change what is checked (``--servername``, ``--starttls``)."""
    store = chosen.store
    probe_args = _probe_args(target)
    if chosen.origin_args:
        store_args = " ".join(shell_quote(a) for a in chosen.origin_args)
    else:
        store_args = f"--truststore {shell_quote(str(store.path))}" if store.path else ""
    return FixContext(
        store_path=str(store.path) if store.path is not None else None,
        store_type=store.type,
        keytool=chosen.keytool,
        probe_args=probe_args,
        store_args=store_args,
        bundle=chosen.bundle,
        default_password=chosen.password in (None, DEFAULT_PASSWORD),
    )


def _probe_args(target: Target | None) -> str:
    """The probe's arguments that reach the same server the same way (for fix lines)."""
    if target is None:
        return ""
    host = f"[{target.host}]" if ":" in target.host else target.host
    probe_args = f"{host} {target.port}"
    if target.servername and target.servername != target.host:
        probe_args += f" --servername {shell_quote(target.servername)}"
    if target.starttls is not None:
        probe_args += f" --starttls {target.starttls.value}"
    return probe_args


def _store_info(chosen: ChosenStore) -> TruststoreInfo:
    store = chosen.store
    return TruststoreInfo(
        type=store.type.value,
        location=store.location,
        entries=len(store.entries),
        origin=store.origin,
        resolved=chosen.real_path,
        notes=store.notes,
    )


def _tls_info(cap: Capture | None, target: Target) -> TlsInfo | None:
    if cap is None:
        return None
    greeting = cap.greeting
    return TlsInfo(
        peer=cap.peer,
        version=cap.tls.version,
        cipher=cap.tls.cipher,
        servername=cap.tls.servername,
        client_cert_requested=cap.tls.client_cert_requested,
        starttls=target.starttls.value if target.starttls else None,
        greeting=greeting.banner if greeting else None,
        auth_before_tls=greeting.auth.mechanisms if greeting and greeting.auth else None,
        auth_after_tls=cap.auth_after_tls.mechanisms if cap.auth_after_tls else None,
    )


def _path_steps(
    validation: Validation | None, chain: Sequence[Cert], store: TrustStore
) -> tuple[PathStep, ...]:
    if validation is None:
        return ()
    best = validation.best
    steps: list[PathStep] = []
    n = len(best.path)
    for i, cert in enumerate(best.path):
        sent = next((j for j, c in enumerate(chain) if c == cert), None)
        is_anchor = best.anchor is not None and i == n - 1
        role = Role.ANCHOR if is_anchor else Role.LEAF if i == 0 else Role.INTERMEDIATE
        broken = i < len(best.links) and best.links[i] is not Sig.OK
        note = ""
        if is_anchor:
            alias = best.anchor.alias if best.anchor else None
            note = "in the truststore" + (f" as {alias!r}" if alias else "")
        elif sent is None:
            note = "not sent by the server"
        steps.append(
            PathStep(
                role,
                CertInfo.of(cert, sent_index=sent, alias=store.alias_of(cert)),
                broken=broken,
                note=note,
            )
        )
    if best.anchor is None:
        top = best.path[-1]
        if validation.top_self_signed:
            role = Role.ROOT if len(steps) > 1 else Role.LEAF  # a self-signed server certificate
            steps[-1] = steps[-1]._replace(
                role=role, broken=True, note="self-signed, not in the truststore"
            )
        else:
            steps[-1] = steps[-1]._replace(broken=True)
            steps.append(
                PathStep(
                    Role.MISSING,
                    None,
                    note=f"{top.issuer_text}: not sent by the server, not in the truststore",
                )
            )
    return tuple(steps)
