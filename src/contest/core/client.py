"""Where a request came from: the client's IP address and user agent, in one place.

``client_ip`` honours ``settings.TRUSTED_PROXIES`` (addresses or networks, e.g.
``["127.0.0.1", "10.0.0.0/8"]``). With none configured (the default), ``REMOTE_ADDR`` is the
answer and ``X-Forwarded-For`` is ignored: anybody can send that header. When ``REMOTE_ADDR`` is a
trusted proxy, the header is read from the right (the entry the proxy itself appended) and the
first address that is not a trusted proxy is the client; entries further left were written by the
client and prove nothing. django-axes counts sign-in failures by this same function
(``AXES_CLIENT_IP_CALLABLE``), and the audit trail records it.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_MAX = 300

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = (value or "").strip()
    if text.startswith("[") and "]" in text:  # [::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:5100
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, as far as the configured proxies vouch for it."""
    meta = getattr(request, "META", {}) or {}
    remote = _parse(meta.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    networks = trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _is_trusted(remote, networks):
        return str(remote)
    hops = [hop for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # garbage in the chain: stop at the last address a proxy vouched for
        if not _is_trusted(address, networks):
            return str(address)
        remote = address
    return str(remote)


def user_agent(request: HttpRequest) -> str:
    return str((getattr(request, "META", {}) or {}).get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX]


def origin(request: HttpRequest | None) -> dict[str, str | None]:
    """``{"ip": …, "user_agent": …}`` for an audit record's ``data``."""
    if request is None:
        return {"ip": None, "user_agent": ""}
    return {"ip": client_ip(request), "user_agent": user_agent(request)}
