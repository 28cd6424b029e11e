"""The host name the app and the fakes are reached at, so a phone on the same network can
follow their links: `LENDBOOK_HOST` when set; else this machine's name when it resolves to an
address other than loopback; else this machine's first non-loopback address (`hostname -I`);
else 127.0.0.1."""
from __future__ import annotations

import ipaddress
import socket
import subprocess
from domain.kernel import settings


def _non_loopback(addresses: list[str]) -> list[str]:
    out = []
    for a in addresses:
        try:
            ip = ipaddress.ip_address(a.split("%")[0])
        except ValueError:
            continue
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified):
            out.append(a)
    return out


def resolves_beyond_loopback(name: str) -> bool:
    """Whether `name` resolves to at least one address that is not loopback."""
    try:
        infos = socket.getaddrinfo(name, None)
    except OSError:
        return False
    return bool(_non_loopback([i[4][0] for i in infos]))


def machine_addresses() -> list[str]:
    """This machine's non-loopback addresses, IPv4 first (`hostname -I`, else the resolver)."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5,
                             check=True).stdout.split()
    except (OSError, subprocess.SubprocessError):
        out = []
    if not out:
        try:
            out = [i[4][0] for i in socket.getaddrinfo(socket.gethostname(), None)]
        except OSError:
            out = []
    found = _non_loopback(out)
    return sorted(dict.fromkeys(found), key=lambda a: ":" in a)  # IPv4 before IPv6, stable


def public_host(environ=None) -> str:
    """The host name for URLs (see the module's docstring)."""
    chosen = (settings.load(environ).host or "").strip()
    if chosen:
        return chosen
    name = socket.gethostname()
    if name and resolves_beyond_loopback(name):
        return name
    addresses = machine_addresses()
    return addresses[0] if addresses else "127.0.0.1"


def url_host(host: str) -> str:
    """`host` as it goes in a URL (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
