"""Where scan targets come from: a running JVM's /proc entries (a fake /proc tree here;
the JVM test uses a real one) and an application folder's properties files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sslpoke.errors import UsageError
from sslpoke.scan.targets import _address, from_app_dir, from_java_process


def fake_process(tmp: Path, argv: list[str], *, sockets: dict[str, str] | None = None) -> Path:
    """/proc/4242 with a command line, a cwd, fds and a net/tcp table."""
    proc = tmp / "proc"
    base = proc / "4242"
    (base / "fd").mkdir(parents=True)
    (base / "net").mkdir()
    (base / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    cwd = tmp / "cwd"
    cwd.mkdir()
    (base / "cwd").symlink_to(cwd)
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    rows = []
    for i, (inode, line) in enumerate((sockets or {}).items()):
        (base / "fd" / str(10 + i)).symlink_to(f"socket:[{inode}]")
        rows.append(line)
    (base / "net" / "tcp").write_text(header + "".join(rows))
    (base / "net" / "tcp6").write_text(header)
    return proc


def row(local: str, remote: str, state: str, inode: str) -> str:
    return f"   0: {local} {remote} {state} 00000000:00000000 00:00000000 00000000  1000        0 {inode} 1\n"


def test_a_jvm_names_its_endpoints(tmp_path: Path) -> None:
    home = tmp_path / "jira-home"
    home.mkdir()
    (home / "dbconfig.xml").write_text("<url>jdbc:postgresql://db.corp:5433/jira</url>")
    install = tmp_path / "jira"
    classes = install / "atlassian-jira" / "WEB-INF" / "classes"
    classes.mkdir(parents=True)
    shared = tmp_path / "shared-home"
    shared.mkdir()
    (shared / "dbconfig.xml").write_text("<url>jdbc:mysql://mysql.corp/jira</url>")
    (classes / "jira-application.properties").write_text(f"jira.home = {shared}\n")
    sockets = {
        "111": row("0100007F:9C40", "0A00000A:01BB", "01", "111"),  # -> 10.0.0.10:443
        "222": row("0100007F:9C41", "0A00000B:0016", "01", "222"),  # ssh: not a service port
        "333": row("0100007F:9C42", "0A00000C:027C", "0A", "333"),  # listening, not established
    }
    proc = fake_process(
        tmp_path,
        [
            "/usr/lib/jvm/java-17/bin/java",
            f"-Djira.home={home}",
            f"-Dcatalina.home={install}",
            "-Dldap.url=ldaps://dc1.corp:636",
            "org.apache.catalina.startup.Bootstrap",
        ],
        sockets=sockets,
    )
    found = from_java_process(4242, proc)
    assert found == [
        "ldaps://dc1.corp:636",
        "postgres://db.corp:5433",
        "mysql://mysql.corp:3306",
        "10.0.0.10:443",
    ], found


def test_not_a_jvm_or_gone(tmp_path: Path) -> None:
    proc = fake_process(tmp_path, ["/usr/bin/python3", "-m", "http.server"])
    with pytest.raises(UsageError, match="not a Java process"):
        from_java_process(4242, proc)
    with pytest.raises(UsageError, match="cannot read its command line"):
        from_java_process(99999999, proc)


def test_proc_addresses() -> None:
    assert _address("0100007F:01BB", False) == ("127.0.0.1", 443)
    v6 = "00000000000000000000000001000000:0277"  # ::1 port 631
    assert _address(v6, True) == ("::1", 631)
    mapped = "0000000000000000FFFF00000100007F:0277"  # ::ffff:127.0.0.1
    assert _address(mapped, True) == ("127.0.0.1", 631)
    assert _address("zz:01", False) is None and _address("0100007F:01BB", True) is None


def test_properties_files_and_kafka(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "client.properties").write_text(
        "security.protocol=SSL\nbootstrap.servers=kafka1.corp:9093, kafka2.corp:9093\n"
    )
    (tmp_path / "plain.properties").write_text(
        "security.protocol=PLAINTEXT\nbootstrap.servers=kafka9:9092\nwebhook=https://hooks.corp/x\n"
    )
    assert from_app_dir(tmp_path) == [
        "https://hooks.corp/x",
        "kafka1.corp:9093",
        "kafka2.corp:9093",
    ]


def test_mail_and_ldap_settings(tmp_path: Path) -> None:
    (tmp_path / "mail.properties").write_text(
        "mail.smtp.host=mx.corp\nmail.smtp.port=25\n"
        "mail.imap.host=imap.corp\nmail.imap.ssl.enable=true\n"
        "mail.pop3.host=bad host\n"
    )
    (tmp_path / "atlassian-user.xml").write_text(
        "<ldap><host>dc1.corp</host><url>ldaps://dc1.corp:636</url></ldap>"
    )
    assert from_app_dir(tmp_path) == [
        "smtp://mx.corp:25",
        "imaps://imap.corp:993",
        "ldaps://dc1.corp:636",
    ]
