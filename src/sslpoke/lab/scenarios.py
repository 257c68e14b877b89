"""The lab's scenarios: one server setup per failure (and per tricky success).

Each scenario says what the server sends, what the truststore holds, the name
to connect with, and what sslpoke should conclude. The demo runs a few; the
tests run all of them, with the real JVM as the judge of the ``java`` profile.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from sslpoke.lab.pki import Issued, corrupt_signature, issue
from sslpoke.problems import Code

HOST = "localhost"


@dataclass
class Scenario:
    name: str
    summary: str
    send: list[Issued]  # the chain the server sends, leaf first
    trust: list[Issued]  # what the truststore holds
    expect: Code | None  # the main problem sslpoke must report (None: trusted)
    servername: str = HOST
    key: Issued | None = None  # the server's key, when not the first sent certificate's
    reference: list[Issued] = field(default_factory=list)  # an "up-to-date" root bundle
    warning: Code | None = None  # a warning expected on top
    server_options: dict[str, object] = field(default_factory=dict)
    webpki_expect: Code | str | None = "same"  # when the webpki verdict differs


class Lab:
    """Builds each scenario's certificates lazily, sharing one root where it can."""

    def __init__(self) -> None:
        self.root = issue(
            "sslpoke Lab Root CA", org="sslpoke lab", ca=True, key="rsa2048", days=3650
        )
        self.inter = issue(
            "sslpoke Lab Intermediate CA", self.root, org="sslpoke lab", ca=True, days=1825
        )
        self.other_root = issue("Some Other Root CA", org="Elsewhere", ca=True, days=3650)

    def leaf(self, issuer: Issued | None = None, **kw: object) -> Issued:
        kw.setdefault("sans", [HOST, "127.0.0.1"])
        return issue(HOST, issuer or self.inter, **kw)  # type: ignore[arg-type]

    def scenarios(self) -> dict[str, Callable[[], Scenario]]:
        return {
            name[3:].replace("_", "-"): getattr(self, name)
            for name in dir(self)
            if name.startswith("sc_")
        }

    # --- the scenarios ------------------------------------------------------------

    def sc_trusted(self) -> Scenario:
        return Scenario(
            "trusted",
            "a correct chain to a trusted root",
            [self.leaf(), self.inter],
            [self.root],
            None,
        )

    def sc_missing_intermediate(self) -> Scenario:
        return Scenario(
            "missing-intermediate",
            "the server forgets to send its intermediate",
            [self.leaf(aia_url="http://127.0.0.1:9/lab-intermediate.der")],
            [self.root],
            Code.INCOMPLETE_CHAIN,
        )

    def sc_unknown_root(self) -> Scenario:
        return Scenario(
            "unknown-root",
            "the chain ends at a root the truststore lacks",
            [self.leaf(), self.inter],
            [self.other_root],
            Code.UNKNOWN_CA,
        )

    def sc_root_sent_untrusted(self) -> Scenario:
        return Scenario(
            "root-sent-untrusted",
            "the server sends its private root, which is not trusted",
            [self.leaf(), self.inter, self.root],
            [self.other_root],
            Code.UNKNOWN_CA,
        )

    def sc_expired(self) -> Scenario:
        start = datetime.now(UTC) - timedelta(days=400)
        return Scenario(
            "expired",
            "the server's certificate expired",
            [self.leaf(not_before=start, days=365), self.inter],
            [self.root],
            Code.EXPIRED,
        )

    def sc_not_yet_valid(self) -> Scenario:
        start = datetime.now(UTC) + timedelta(days=10)
        return Scenario(
            "not-yet-valid",
            "the certificate starts in the future",
            [self.leaf(not_before=start), self.inter],
            [self.root],
            Code.NOT_YET_VALID,
        )

    def sc_wrong_host(self) -> Scenario:
        return Scenario(
            "wrong-host",
            "the certificate is for another name",
            [self.leaf(sans=["other.example"]), self.inter],
            [self.root],
            Code.HOSTNAME_MISMATCH,
        )

    def sc_self_signed(self) -> Scenario:
        return Scenario(
            "self-signed",
            "a self-signed server certificate",
            [issue(HOST, sans=[HOST, "127.0.0.1"])],
            [self.root],
            Code.SELF_SIGNED,
        )

    def sc_self_signed_trusted(self) -> Scenario:
        leaf = issue(HOST, sans=[HOST, "127.0.0.1"])
        return Scenario(
            "self-signed-trusted",
            "a self-signed certificate that is in the truststore",
            [leaf],
            [leaf],
            None,
        )

    def sc_intermediate_in_store(self) -> Scenario:
        return Scenario(
            "intermediate-in-store",
            "the intermediate is in the truststore but not sent (Java trusts it)",
            [self.leaf()],
            [self.inter],
            None,
        )

    def sc_wrong_order(self) -> Scenario:
        upper = issue("sslpoke Lab Policy CA", self.root, ca=True)
        lower = issue("sslpoke Lab Issuing CA", upper, ca=True)
        return Scenario(
            "wrong-order",
            "the server sends its intermediates in the wrong order",
            [self.leaf(lower), upper, lower],
            [self.root],
            None,
            warning=Code.CHAIN_ORDER,
        )

    def sc_cross_signed_expired(self) -> Scenario:
        # The Let's Encrypt case of 2021: an expired cross-signature of a root that is trusted on its own.
        now = datetime.now(UTC)
        old_root = issue(
            "DST Root CA X3 (lab)",
            ca=True,
            key="rsa2048",
            not_before=now - timedelta(days=3000),
            days=2900,
        )
        new_root = issue("ISRG Root X1 (lab)", ca=True, key="rsa2048", days=3650)
        cross = issue(
            "ISRG Root X1 (lab)",
            old_root,
            key=new_root.key,
            ca=True,
            not_before=now - timedelta(days=1200),
            days=1190,
        )
        r3 = issue("R3 (lab)", new_root, ca=True, path_length=0)
        return Scenario(
            "cross-signed-expired",
            "an expired cross-signed root is sent along a chain to a trusted new root",
            [self.leaf(r3), r3, cross],
            [new_root, old_root],
            None,
        )

    def sc_sha1_leaf(self) -> Scenario:
        return Scenario(
            "sha1-leaf",
            "a SHA-1-signed certificate under a private root (Java accepts it)",
            [self.leaf(self.root, hash_name="sha1")],
            [self.root],
            None,
            warning=Code.WEAK_SIGNATURE,
            webpki_expect=Code.WEAK_SIGNATURE,
        )

    def sc_md5_leaf(self) -> Scenario:
        return Scenario(
            "md5-leaf",
            "an MD5-signed certificate",
            [self.leaf(self.root, hash_name="md5")],
            [self.root],
            Code.WEAK_SIGNATURE,
        )

    def sc_weak_key(self) -> Scenario:
        weak = issue("sslpoke Lab Weak CA", self.root, ca=True, key="rsa768")
        return Scenario(
            "weak-key",
            "an intermediate with a 768-bit RSA key",
            [self.leaf(weak), weak],
            [self.root],
            Code.WEAK_KEY,
        )

    def sc_not_a_ca(self) -> Scenario:
        fake = issue("sslpoke Lab Not A CA", self.root, ca=False, key_usage=None, eku=None)
        return Scenario(
            "not-a-ca",
            "the issuer is not a CA certificate",
            [self.leaf(fake), fake],
            [self.root],
            Code.NOT_A_CA,
        )

    def sc_path_length(self) -> Scenario:
        top = issue("sslpoke Lab Constrained CA", self.root, ca=True, path_length=0)
        below = issue("sslpoke Lab Sub CA", top, ca=True)
        return Scenario(
            "path-length",
            "a CA below one whose pathLen is 0",
            [self.leaf(below), below, top],
            [self.root],
            Code.PATH_LENGTH_EXCEEDED,
        )

    def sc_name_constraints(self) -> Scenario:
        nc = x509.NameConstraints(
            permitted_subtrees=[x509.DNSName("example.org")], excluded_subtrees=None
        )
        ca = issue("sslpoke Lab example.org CA", self.root, ca=True, name_constraints=nc)
        return Scenario(
            "name-constraints",
            "a CA restricted to example.org issued for localhost",
            [self.leaf(ca, sans=[HOST]), ca],
            [self.root],
            Code.NAME_CONSTRAINTS,
        )

    def sc_bad_key_usage(self) -> Scenario:
        usage = x509.KeyUsage(False, False, True, False, False, False, False, False, False)
        return Scenario(
            "bad-key-usage",
            "the server certificate may only encipher keys, not sign handshakes",
            [self.leaf(key_usage=usage), self.inter],
            [self.root],
            Code.BAD_KEY_USAGE,
        )

    def sc_bad_eku(self) -> Scenario:
        return Scenario(
            "bad-eku",
            "a client certificate used as a server certificate",
            [self.leaf(eku=[ExtendedKeyUsageOID.CLIENT_AUTH]), self.inter],
            [self.root],
            Code.BAD_EKU,
        )

    def sc_bad_signature(self) -> Scenario:
        good = self.leaf()
        return Scenario(
            "bad-signature",
            "the certificate's signature is corrupt",
            [corrupt_signature(good), self.inter],
            [self.root],
            Code.BAD_SIGNATURE,
        )

    def sc_outdated_truststore(self) -> Scenario:
        return Scenario(
            "outdated-truststore",
            "the root is in the up-to-date bundle but not in this truststore",
            [self.leaf(), self.inter],
            [self.other_root],
            Code.OUTDATED_TRUSTSTORE,
            reference=[self.root, self.other_root],
        )

    def sc_intercepted(self) -> Scenario:
        avast = issue("Avast Web/Mail Shield Root", org="Avast Web/Mail Shield", ca=True)
        return Scenario(
            "intercepted",
            "an antivirus re-signs the connection",
            [self.leaf(avast)],
            [self.root],
            Code.INTERCEPTED,
        )

    def sc_expiring_soon(self) -> Scenario:
        start = datetime.now(UTC) - timedelta(days=80)
        return Scenario(
            "expiring-soon",
            "trusted, but expiring in 10 days",
            [self.leaf(not_before=start, days=90), self.inter],
            [self.root],
            None,
            warning=Code.EXPIRING_SOON,
        )

    def sc_client_cert_required(self) -> Scenario:
        return Scenario(
            "client-cert-required",
            "the server demands a client certificate",
            [self.leaf(), self.inter],
            [self.root],
            Code.CLIENT_CERT_REQUIRED,
            server_options={"require_client_cert": True},
        )

    def sc_tls10_only(self) -> Scenario:
        return Scenario(
            "tls10-only",
            "the server only speaks TLS 1.0",
            [self.leaf(), self.inter],
            [self.root],
            Code.PROTOCOL_DISABLED,
            server_options={
                "max_version": ssl.TLSVersion.TLSv1,
                "min_version": ssl.TLSVersion.TLSv1,
            },
        )

    def sc_cn_only(self) -> Scenario:
        return Scenario(
            "cn-only",
            "a certificate with the name only in its CN, no subjectAltName (Java falls back to the CN)",
            [self.leaf(sans=[]), self.inter],
            [self.root],
            None,
            webpki_expect=Code.MISSING_SAN,
        )

    def sc_expired_root_trusted(self) -> Scenario:
        now = datetime.now(UTC)
        old = issue("sslpoke Lab Old Root", ca=True, not_before=now - timedelta(days=800), days=700)
        return Scenario(
            "expired-root-trusted",
            "the trusted root itself has expired (Java does not check a trust anchor's dates)",
            [self.leaf(old)],
            [old],
            None,
            webpki_expect=Code.EXPIRED,
        )

    def sc_expired_pinned_leaf(self) -> Scenario:
        start = datetime.now(UTC) - timedelta(days=400)
        leaf = issue(HOST, sans=[HOST, "127.0.0.1"], not_before=start, days=365)
        return Scenario(
            "expired-pinned-leaf",
            "an expired self-signed certificate that is itself in the truststore",
            [leaf],
            [leaf],
            None,
            webpki_expect=Code.EXPIRED,
        )

    def sc_root_name_constraints(self) -> Scenario:
        nc = x509.NameConstraints(
            permitted_subtrees=[x509.DNSName("example.org")], excluded_subtrees=None
        )
        root = issue("sslpoke Lab Constrained Root", ca=True, name_constraints=nc)
        return Scenario(
            "root-name-constraints",
            "the trusted root's name constraints exclude the server's name (Java ignores an anchor's constraints)",
            [self.leaf(root, sans=[HOST])],
            [root],
            None,
            webpki_expect=Code.NAME_CONSTRAINTS,
        )


#: The scenarios ``sslpoke demo`` shows, in order.
DEMO = ("trusted", "missing-intermediate", "unknown-root", "expired", "wrong-host", "self-signed")
