"""Which IP addresses a webhook may reach: public ones, judged by where the packets end up.

Several IPv6 forms carry an IPv4 address and deliver to it (IPv4-mapped and -compatible,
NAT64, 6to4, Teredo), so `::ffff:127.0.0.1` or `64:ff9b::7f00:1` is loopback in disguise;
those are judged by the IPv4 address inside.
"""

import ipaddress
import re
import socket
from ipaddress import IPv4Address, IPv6Address

IPAddress = IPv4Address | IPv6Address

# RFC 6052's well-known NAT64 prefix carries the IPv4 address in its last 32 bits.
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
# RFC 8215's local-use NAT64 prefix: each network chooses where the IPv4 address sits in it,
# so no address in it can be judged, and none is public anyway.
_NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
# RFC 4291's deprecated IPv4-compatible ::a.b.c.d (also holds :: and ::1, neither public).
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# What inet_aton reads as an IPv4 address besides dotted quads: 127.1, 0x7f000001, 2130706433.
_LEGACY_IPV4_RE = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host spells, in any form the resolver reads as a number; None for a name."""
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    if not _LEGACY_IPV4_RE.match(host):
        return None
    try:
        return IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def embedded_ipv4(ip: IPv6Address) -> tuple[IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address delivers to (a Teredo address names two)."""
    if ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped,)
    if ip.teredo is not None:
        return ip.teredo  # (server, client), the client's obfuscation undone
    if ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip in _NAT64_WELL_KNOWN or ip in _IPV4_COMPATIBLE:
        return (IPv4Address(int(ip) & 0xFFFF_FFFF),)
    return ()


def is_public_address(address: str | IPAddress) -> bool:
    ip = (
        address
        if isinstance(address, IPv4Address | IPv6Address)
        else ipaddress.ip_address(address.split("%")[0])
    )
    if isinstance(ip, IPv6Address):
        if ip in _NAT64_LOCAL_USE:
            return False
        carried = embedded_ipv4(ip)
        if carried:
            return all(_is_public(inner) for inner in carried)
    return _is_public(ip)


def _is_public(ip: IPAddress) -> bool:
    return ip.is_global and not ip.is_multicast
