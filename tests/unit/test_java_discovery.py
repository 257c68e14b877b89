"""Which Java, which truststore: fake Java homes and process tables built here, then the real JDKs."""

from __future__ import annotations

from pathlib import Path

import pytest

from sslpoke.java import options
from sslpoke.java.discovery import find_javas, parse_setenv, read_app_dir, read_process
from sslpoke.java.truststore import default_store, java_home_of
from sslpoke.lab.scenarios import Lab
from sslpoke.stores import jks


def make_home(
    root: Path,
    name: str,
    lab: Lab,
    *,
    version: str = "17.0.9",
    vendor: str = "Test",
    jdk8: bool = False,
    jssecacerts: bool = False,
) -> Path:
    """A fake Java home: an executable bin/java, a release file, and a JKS cacerts."""
    top = root / name
    home = top / "jre" if jdk8 else top
    (top / "bin").mkdir(parents=True)
    java = top / "bin" / "java"
    java.write_text("#!/bin/sh\nexit 0\n")
    java.chmod(0o755)
    (top / "release").write_text(f'JAVA_VERSION="{version}"\nIMPLEMENTOR="{vendor}"\n')
    security = home / "lib" / "security"
    security.mkdir(parents=True)
    (security / "cacerts").write_bytes(
        jks.serialize(jks.JKS_MAGIC, [jks.cert_record("root", lab.root.der, 0)], "changeit")
    )
    if jssecacerts:
        records = [
            jks.cert_record("root", lab.root.der, 0),
            jks.cert_record("other", lab.other_root.der, 0),
        ]
        (security / "jssecacerts").write_bytes(jks.serialize(jks.JKS_MAGIC, records, "changeit"))
    return top


def test_java_home_follows_symlinks_and_jdk8_layout(tmp_path: Path, lab: Lab) -> None:
    jdk17 = make_home(tmp_path, "jdk17", lab)
    link = tmp_path / "bin-java"
    link.symlink_to(jdk17 / "bin" / "java")
    assert java_home_of(link) == jdk17.resolve()
    jdk8 = make_home(tmp_path, "jdk8", lab, version="1.8.0_392", jdk8=True)
    assert java_home_of(jdk8 / "bin" / "java") == (jdk8 / "jre").resolve()


def test_truststore_lookup_order(tmp_path: Path, lab: Lab) -> None:
    home = make_home(tmp_path, "jdk", lab)
    sec = home / "lib" / "security"
    assert default_store(home, options.TrustSettings()).path == sec / "cacerts"
    (sec / "jssecacerts").write_bytes((sec / "cacerts").read_bytes())
    assert default_store(home, options.TrustSettings()).path == sec / "jssecacerts"
    named = tmp_path / "app.jks"
    named.write_bytes((sec / "cacerts").read_bytes())
    chosen = default_store(home, options.TrustSettings(truststore=str(named)))
    assert chosen.path == named and chosen.fallback is None
    missing = default_store(home, options.TrustSettings(truststore=str(tmp_path / "typo.jks")))
    assert missing.path == sec / "cacerts"  # jssecacerts is skipped too, as the JDK does
    assert missing.fallback and "silently falls back" in missing.fallback


def test_option_precedence_and_masking() -> None:
    settings = options.resolve(
        ["-Djavax.net.ssl.trustStore=/cmd.jks", "-Xmx1g"],
        {
            "JAVA_TOOL_OPTIONS": "-Djavax.net.ssl.trustStore=/tool.jks -Djavax.net.ssl.trustStorePassword=s3cret",
            "_JAVA_OPTIONS": "-Djavax.net.ssl.trustStoreType=pkcs12",
        },
    )
    assert (
        settings.truststore == "/cmd.jks"
        and settings.password == "s3cret"
        and settings.storetype == "pkcs12"
    )
    assert settings.sources[options.TRUSTSTORE] == "command line"
    assert settings.sources[options.TRUSTSTORE_PASSWORD] == "JAVA_TOOL_OPTIONS"
    shown = "\n".join(settings.describe()) + repr(settings)
    assert "s3cret" not in shown and "********" in shown


def test_find_javas_in_fake_folders(tmp_path: Path, lab: Lab) -> None:
    jvm = tmp_path / "jvm"
    jvm.mkdir()
    make_home(jvm, "jdk-a", lab, version="17.0.9", vendor="Temurin")
    make_home(jvm, "jdk-b", lab, version="11.0.21", jssecacerts=True)
    opt = tmp_path / "opt"
    app = opt / "atlassian" / "jira"
    app.mkdir(parents=True)
    make_home(app, "jre", lab, version="17.0.8")
    roots = ((jvm, ("*/bin/java",), "fake jvm"), (opt, ("*/*/jre/bin/java",), "fake opt"))
    found = {j.home.name: j for j in find_javas({"PATH": ""}, roots=roots, alternatives=False)}
    assert set(found) == {"jdk-a", "jdk-b", "jre"}
    assert found["jdk-a"].version == "17.0.9" and found["jdk-a"].vendor == "Temurin"
    assert found["jdk-b"].store.path.name == "jssecacerts" and found["jdk-b"].store.entries == 2
    assert found["jre"].found_by == ("fake opt",)
    with_env = find_javas(
        {"PATH": "", "JAVA_HOME": str(jvm / "jdk-a")}, roots=roots, alternatives=False
    )
    assert "JAVA_HOME" in next(j for j in with_env if j.home.name == "jdk-a").found_by


def test_process_table(tmp_path: Path, lab: Lab) -> None:
    home = make_home(tmp_path, "jdk", lab)
    proc = tmp_path / "proc"
    entry = proc / "4242"
    entry.mkdir(parents=True)
    (entry / "exe").symlink_to(home / "bin" / "java")
    (entry / "cwd").symlink_to(tmp_path)
    (tmp_path / "relative.jks").write_bytes((home / "lib/security/cacerts").read_bytes())
    argv = [
        str(home / "bin" / "java"),
        "-Xmx2g",
        "-Djavax.net.ssl.trustStore=relative.jks",
        "-cp",
        "app.jar",
        "com.example.Main",
    ]
    (entry / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (entry / "environ").write_bytes(
        b"PATH=/bin\0JAVA_TOOL_OPTIONS=-Djavax.net.ssl.trustStorePassword=changeit\0"
    )
    (proc / "77").mkdir()
    (proc / "77" / "exe").symlink_to("/bin/sh")
    (proc / "77" / "cmdline").write_bytes(b"/bin/sh\0")
    process = read_process(4242, proc)
    assert process is not None and process.command == "com.example.Main"
    assert process.settings.truststore == str(
        tmp_path / "relative.jks"
    )  # relative to the JVM's cwd
    assert process.settings.password == "changeit" and process.store.entries == 1
    assert read_process(77, proc) is None


def test_app_dir_setenv(tmp_path: Path, lab: Lab) -> None:
    app = tmp_path / "confluence"
    (app / "bin").mkdir(parents=True)
    make_home(app, "jre", lab)
    (app / "bin" / "setenv.sh").write_text(
        "#!/bin/sh\n"
        'JVM_SUPPORT_RECOMMENDED_ARGS="-Djavax.net.ssl.trustStore=/var/atlassian/truststore.jks"\n'
        'CATALINA_OPTS="-Xms1g ${CATALINA_OPTS}"\n'
        'CATALINA_OPTS="${CATALINA_OPTS} -Dcom.sun.net.ssl.checkRevocation=true"\n'
        'CATALINA_OPTS="${CATALINA_OPTS} -Djavax.net.ssl.trustStorePassword=secret"  # comment\n'
        "export CATALINA_OPTS\n"
    )
    values = parse_setenv((app / "bin" / "setenv.sh").read_text())
    assert values["CATALINA_OPTS"].endswith("-Djavax.net.ssl.trustStorePassword=secret")
    config = read_app_dir(app)
    assert config.home == app / "jre" and "bundled" in config.home_from
    assert config.settings.truststore == "/var/atlassian/truststore.jks"
    assert (
        config.store is not None and config.store.fallback
    )  # that file does not exist here: Java falls back
    # the other TLS options travel with the request: the JVM is judged as it starts
    from sslpoke.java.discovery import resolve_app_dir

    request = resolve_app_dir(app, java_args=[], password=None)
    assert "-Dcom.sun.net.ssl.checkRevocation=true" in request.java_args
    assert [a for a in request.java_args if "secret" in a] == [
        "-Djavax.net.ssl.trustStorePassword=secret"
    ]  # the password once, as the trust setting (never printed; stdin for --confirm)


def test_report_says_whether_the_java_matters(tmp_path: Path, lab: Lab) -> None:
    """Two JDKs sharing one cacerts (Debian's symlinks) need no warning; different stores do."""
    from sslpoke.report.java import _shared_store_summary
    from sslpoke.report.text import plain

    jvm = tmp_path / "jvm"
    jvm.mkdir()
    shared = tmp_path / "shared-cacerts"
    for name in ("jdk-a", "jdk-b"):
        cacerts = make_home(jvm, name, lab) / "lib" / "security" / "cacerts"
        shared.write_bytes(cacerts.read_bytes())
        cacerts.unlink()
        cacerts.symlink_to(shared)
    roots = ((jvm, ("*/bin/java",), "fake jvm"),)
    javas = find_javas({"PATH": ""}, roots=roots, alternatives=False)
    text = plain(_shared_store_summary(javas))
    assert "uses the same truststore" in text and str(shared) in text
    make_home(jvm, "jdk-c", lab)
    javas = find_javas({"PATH": ""}, roots=roots, alternatives=False)
    text = plain(_shared_store_summary(javas))
    assert "3 Java installations use 2 different truststores" in text


def test_store_request_never_shows_passwords() -> None:
    from sslpoke.truststore_choice import StoreRequest

    request = StoreRequest(
        path="app.jks",
        password="s3cret",
        java_args=["-Djavax.net.ssl.trustStorePassword=hunter2", "-Xmx1g"],
        env={"JAVA_TOOL_OPTIONS": "-Djavax.net.ssl.trustStorePassword=tool-pass"},
    )
    shown = repr(request) + str(request)
    assert "s3cret" not in shown and "hunter2" not in shown and "tool-pass" not in shown
    assert "app.jks" in shown and "-Xmx1g" in shown and "JAVA_TOOL_OPTIONS" in shown
    assert options.masked("-Djavax.net.ssl.keyStorePassword=x") == (
        "-Djavax.net.ssl.keyStorePassword=********"
    )


def test_trust_writes_with_the_password_the_jvm_was_given(tmp_path: Path, lab: Lab) -> None:
    """The store sslpoke would change is opened with the password from JAVA_TOOL_OPTIONS,
    as the JVM opens it; and with no Java at all, the OS bundle is never a write target."""
    import pytest

    from sslpoke.errors import UsageError
    from sslpoke.fix import _target_store
    from sslpoke.truststore_choice import StoreRequest

    home = make_home(tmp_path, "jdk", lab)
    cacerts = home / "lib" / "security" / "cacerts"
    cacerts.write_bytes(
        jks.serialize(jks.JKS_MAGIC, [jks.cert_record("root", lab.root.der, 0)], "s3cret")
    )
    env = {"JAVA_TOOL_OPTIONS": "-Djavax.net.ssl.trustStorePassword=s3cret", "PATH": ""}
    path, password, store = _target_store(StoreRequest(java_home=home, env=env))
    assert path == cacerts and password == "s3cret" and store.password_checked
    with pytest.raises(UsageError, match="does not write the OS bundle"):
        _target_store(StoreRequest(env={"PATH": ""}))


def test_shared_store_summary_counts_running_jvms(tmp_path: Path) -> None:
    """Two installations on one cacerts, and a running JVM on its own store: not 'the same'."""
    from sslpoke.java.discovery import JavaInstall, JavaProcess, StoreSummary
    from sslpoke.java.options import TrustSettings
    from sslpoke.report import java as java_report

    shared = StoreSummary(tmp_path / "cacerts", None, "default", "JKS", 1, None, None)
    own = StoreSummary(tmp_path / "app.jks", None, "-D", "JKS", 1, None, None)
    javas = [
        JavaInstall(tmp_path / f"j{i}", tmp_path / "java", "17", None, (), shared) for i in (1, 2)
    ]
    process = JavaProcess(
        42, tmp_path / "java", tmp_path / "j1", "Bootstrap", TrustSettings(), own, None
    )
    lines = java_report._shared_store_summary(javas, [process], [])
    text = "".join(seg for line in lines for seg, _ in line)
    assert "running JVMs or applications use others" in text and "--java PID" in text


def test_app_dir_reads_systemd_units_and_options_files(tmp_path: Path) -> None:
    """Kafka in a systemd unit (Environment= and EnvironmentFile=), Jenkins' /etc/default file,
    Elasticsearch's config/jvm.options: each names the JVM's truststore its own way."""
    from sslpoke.java.discovery import read_app_dir

    env = tmp_path / "kafka.env"
    env.write_text('KAFKA_OPTS="-Djavax.net.ssl.trustStore=/etc/kafka/trust.jks"\n')
    unit = tmp_path / "kafka.service"
    unit.write_text(
        "[Service]\n"
        'Environment="JAVA_HOME=/usr/lib/jvm/kafka-java" "KAFKA_HEAP_OPTS=-Xmx1g"\n'
        f"EnvironmentFile=-{env}\n"
        "ExecStart=/opt/kafka/bin/kafka-server-start.sh\n"
    )
    kafka = read_app_dir(unit)
    assert kafka.settings.truststore == "/etc/kafka/trust.jks"
    assert kafka.home == Path("/usr/lib/jvm/kafka-java") and env in kafka.files

    jenkins = tmp_path / "jenkins"
    jenkins.write_text(
        'JAVA_ARGS="-Djava.awt.headless=true -Djavax.net.ssl.trustStore=/var/lib/jenkins/cacerts '
        '-Djavax.net.ssl.trustStorePassword=s3cret"\n'
    )
    config = read_app_dir(jenkins)
    assert config.settings.truststore == "/var/lib/jenkins/cacerts"
    assert config.settings.password == "s3cret"

    es = tmp_path / "elasticsearch"
    (es / "config" / "jvm.options.d").mkdir(parents=True)
    (es / "config" / "jvm.options").write_text(
        "-Xms1g\n17-:-Djavax.net.ssl.trustStore=/etc/es/truststore.p12\n"
    )
    (es / "config" / "jvm.options.d" / "tls.options").write_text(
        "-Djavax.net.ssl.trustStoreType=PKCS12\n"
    )
    elastic = read_app_dir(es)
    assert elastic.settings.truststore == "/etc/es/truststore.p12"
    assert elastic.settings.storetype == "PKCS12"


def test_properties_files_read_as_java_reads_them() -> None:
    from sslpoke.java.discovery import parse_properties

    text = (
        "# comment\n! also a comment\n"
        "a=1\nb : 2\nc 3\n  d=   spaced  \n"
        "long=first,\\\n    second\n"
        "path=C:\\\\kafka\\\\trust.jks\n"
        "esc\\=key=v\\u0041\n"
        "empty\n"
        "even=ends with two \\\\\\\\\nnext=x\n"
    )
    assert parse_properties(text) == {
        "a": "1",
        "b": "2",
        "c": "3",
        "d": "spaced  ",
        "long": "first,second",
        "path": "C:\\kafka\\trust.jks",
        "esc=key": "vA",
        "empty": "",
        "even": "ends with two \\\\",
        "next": "x",
    }
    assert len(parse_properties("".join(f"k{i}=v\n" for i in range(50)), max_entries=10)) == 10


def test_kafka_properties_name_the_truststore(tmp_path: Path) -> None:
    """Kafka reads ssl.truststore.* from its own properties, not from -D options."""
    from sslpoke.java.discovery import read_app_dir

    kafka = tmp_path / "kafka"
    (kafka / "config").mkdir(parents=True)
    (kafka / "config" / "server.properties").write_text("broker.id=0\n")  # no truststore
    (kafka / "config" / "client.properties").write_text(
        "security.protocol=SSL\n"
        "ssl.truststore.location=/etc/kafka/client.truststore.p12\n"
        "ssl.truststore.type=PKCS12\n"
        "ssl.truststore.password=k4fka\n"
    )
    config = read_app_dir(kafka)
    assert config.files == (kafka / "config" / "client.properties",)
    assert config.settings.truststore == "/etc/kafka/client.truststore.p12"
    assert (config.settings.storetype, config.settings.password) == ("PKCS12", "k4fka")

    pem = tmp_path / "consumer.properties"  # a file named directly; PEM stores have no type
    pem.write_text("ssl.truststore.type=PEM\nssl.truststore.location=/etc/kafka/ca.pem\n")
    named = read_app_dir(pem)
    assert (named.settings.truststore, named.settings.storetype) == ("/etc/kafka/ca.pem", None)


def test_unreadable_path_folder_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`su user` keeps root's PATH: a folder the user cannot read must not stop the search."""
    from sslpoke.java.truststore import java_on_path

    good = tmp_path / "bin"
    good.mkdir()
    (good / "java").write_text("#!/bin/sh\n")
    (good / "java").chmod(0o755)
    locked = tmp_path / "locked"
    real_is_file = Path.is_file

    def is_file(self: Path) -> bool:
        if self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert java_on_path({"PATH": f"{locked}:{good}"}) == good / "java"


def test_the_tls_options_a_mirrored_jvm_keeps() -> None:
    """What sslpoke keeps of a JVM's -D options when it mirrors it: those that change TLS
    or validation; not the truststore ones (they travel apart), no password, nothing else."""
    from sslpoke.java.options import tls_options

    kept = tls_options(
        {
            "com.sun.net.ssl.checkRevocation": "true",
            "java.security.properties": "/etc/x.security",
            "jdk.tls.client.protocols": "TLSv1.2",
            "javax.net.ssl.trustStore": "/s.jks",
            "javax.net.ssl.keyStorePassword": "secret",
            "catalina.home": "/opt/tomcat",
            "ocsp.enable": "true",
        }
    )
    assert kept == [
        "-Dcom.sun.net.ssl.checkRevocation=true",
        "-Djava.security.properties=/etc/x.security",
        "-Djdk.tls.client.protocols=TLSv1.2",
        "-Docsp.enable=true",
    ]
