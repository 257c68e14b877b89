"""Products that intercept TLS by re-signing server certificates with their own root.

Data only: one entry per product, each with the source that documents the names it
signs with. A chain is reported as intercepted when the subject or issuer of a
certificate in it contains one of ``match`` (case-insensitive) in its O, OU or CN.
Keep entries specific: a false alarm here sends an admin after the wrong culprit.

A typed Python table rather than JSON: mypy checks every field, and a probe parses
nothing at start-up (the json module alone is 2 ms of a 70 ms probe).
"""

from __future__ import annotations

from typing import NamedTuple


class Product(NamedTuple):
    product: str
    vendor: str
    kind: str  # antivirus, proxy, adware
    match: tuple[str, ...]
    how_to_stop: str
    source: str


PRODUCTS: tuple[Product, ...] = (
    Product(
        product="Avast Web/Mail Shield (HTTPS scanning)",
        vendor="Avast",
        kind="antivirus",
        match=("Avast Web/Mail Shield", "avast! Web/Mail Shield"),
        how_to_stop="Avast: Settings > Protection > Core Shields > Web Shield: turn off 'Enable HTTPS scanning' (or add an exception for this host).",
        source="https://blog.avast.com/2015/05/25/explaining-avasts-https-scanning-feature/",
    ),
    Product(
        product="AVG Web/Mail Shield (HTTPS scanning)",
        vendor="AVG",
        kind="antivirus",
        match=("AVG Web/Mail Shield", "AVG Technologies"),
        how_to_stop="AVG: Menu > Settings > Basic Protection > Web Shield: turn off HTTPS scanning, or add an exception.",
        source="https://jhalderm.com/pub/papers/interception-ndss17.pdf",
    ),
    Product(
        product="Kaspersky encrypted connections scan",
        vendor="Kaspersky",
        kind="antivirus",
        match=("Kaspersky Anti-Virus Personal Root", "Kaspersky Lab", "AO Kaspersky"),
        how_to_stop="Kaspersky: Settings > Network settings > Encrypted connections scanning: 'Do not scan encrypted connections', or exclude this host.",
        source="https://support.kaspersky.com/help/Kaspersky/Win21.7/en-US/157530.htm",
    ),
    Product(
        product="ESET SSL/TLS protocol filtering",
        vendor="ESET",
        kind="antivirus",
        match=("ESET SSL Filter CA", "ESET, spol. s r. o."),
        how_to_stop="ESET: Advanced setup > Web and email > SSL/TLS: disable SSL/TLS protocol filtering or exclude the application or certificate.",
        source="https://help.eset.com/essp/10/en-US/idh_config_epfw_ssl.htm",
    ),
    Product(
        product="Bitdefender encrypted web scan",
        vendor="Bitdefender",
        kind="antivirus",
        match=("Bitdefender Personal CA", "Bitdefender"),
        how_to_stop="Bitdefender: Protection > Online Threat Prevention > Settings: turn off 'Encrypted web scan', or add an exception.",
        source="https://jhalderm.com/pub/papers/interception-ndss17.pdf",
    ),
    Product(
        product="Zscaler Internet Access (SSL inspection)",
        vendor="Zscaler",
        kind="proxy",
        match=("Zscaler",),
        how_to_stop="Ask the Zscaler administrators to exempt this host from SSL inspection, or import the Zscaler root (from your IT department) into the application's truststore.",
        source="https://help.zscaler.com/unified/choosing-ca-certificate-ssl-inspection",
    ),
    Product(
        product="Netskope (SSL/TLS decryption)",
        vendor="Netskope",
        kind="proxy",
        match=("Netskope", "goskope.com"),
        how_to_stop="Ask the Netskope administrators for an SSL decryption exception for this host, or import your tenant's Netskope root into the truststore.",
        source="https://docs.netskope.com/en/certificates/",
    ),
    Product(
        product="FortiGate deep (full SSL) inspection",
        vendor="Fortinet",
        kind="proxy",
        match=("FortiGate CA", "Fortinet_CA_SSL", "Fortinet_CA_SSLProxy", "Fortinet"),
        how_to_stop="Exempt this host in the FortiGate SSL/SSH inspection profile, or import the FortiGate CA into the truststore.",
        source="https://docs.fortinet.com/document/fortigate/7.0.1/administration-guide/505842/certificate-inspection",
    ),
    Product(
        product="Palo Alto Networks SSL Forward Proxy",
        vendor="Palo Alto Networks",
        kind="proxy",
        match=("Palo Alto Networks",),
        how_to_stop="Add a no-decrypt rule for this host on the firewall, or import the Forward Trust CA into the truststore.",
        source="https://www.paloaltofirewalls.com/topics/features-subscriptions/ssl-forward-proxy.html",
    ),
    Product(
        product="Blue Coat / Symantec ProxySG SSL proxy",
        vendor="Blue Coat (Symantec, Broadcom)",
        kind="proxy",
        match=("Blue Coat", "ProxySG", "Bluecoat"),
        how_to_stop="Ask the proxy administrators to tunnel (not intercept) this host, or import the ProxySG issuer CA into the truststore.",
        source="https://docplayer.net/21490920-Ssl-proxy-deployment-guide.html",
    ),
    Product(
        product="Cisco Umbrella (HTTPS inspection, block pages)",
        vendor="Cisco",
        kind="proxy",
        match=("Cisco Umbrella",),
        how_to_stop="Add this host to the Umbrella selective decryption list, or import the Cisco Umbrella root CA into the truststore.",
        source="https://docs.umbrella.com/umbrella-user-guide/docs/add-customer-ca-signed-root-certificate",
    ),
    Product(
        product="Superfish Visual Discovery (adware, shared private key)",
        vendor="Superfish",
        kind="adware",
        match=("Superfish",),
        how_to_stop="Uninstall Superfish and remove its root from the OS and Java truststores: its private key is public, so anyone can impersonate any site to this machine.",
        source="https://www.eff.org/deeplinks/2015/11/superfish-20-now-dell-breaking-https",
    ),
    Product(
        product="eDellRoot (Dell Foundation Services, shared private key)",
        vendor="Dell",
        kind="adware",
        match=("eDellRoot", "DSDTestProvider"),
        how_to_stop="Remove eDellRoot and DSDTestProvider from the certificate stores (Dell published a removal tool): their private keys are public.",
        source="https://www.eff.org/deeplinks/2015/11/superfish-20-now-dell-breaking-https",
    ),
)
