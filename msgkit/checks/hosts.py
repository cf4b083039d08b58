"""A URL's host as browsers and resolvers read it: one canonical form, or a reason it is invalid.

``0177.0.0.1``, ``127.000.000.001``, ``0x7f.1``, ``2130706433`` and ``127.0.0.1`` written in
full-width digits are all ``127.0.0.1`` to a browser (the WHATWG URL standard's host parser)
and to the C resolver (``inet_aton``), while ``256.1.1.1`` or ``1.2.3.0400`` are no address at
all. Every check that looks at a host (the offline URL checks, the address policy, the fetcher)
first puts it through :func:`canonical_host`, so what the policy judges is what a connection
would reach.

The steps are the standard's: percent-decoding, UTS #46 mapping (full-width forms, ideographic
full stops, case) and Punycode, the forbidden code points, then the IPv4 parser for any host
whose last label is a number (decimal, ``0x`` hex or ``0``-prefixed octal parts; 1 to 4 parts,
the last filling the remaining bytes). IPv6 literals come back compressed.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes, urlsplit, urlunsplit

from ..errors import MsgkitError

__all__ = ["InvalidHostError", "canonical_host", "canonical_url", "host_problem"]

# The WHATWG URL standard's forbidden domain code points, besides C0 controls and DEL.
_FORBIDDEN = frozenset(" #%/:<>?@[\\]^|")


class InvalidHostError(MsgkitError, ValueError):
    """The host of a URL is not a valid host: no browser or resolver would go anywhere."""


def _number(part: str) -> int:
    """One part of an IPv4 host: decimal, ``0x`` hexadecimal or ``0``-prefixed octal."""
    radix = 10
    if part[:2] in ("0x", "0X"):
        part, radix = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        part, radix = part[1:], 8
    if not part:
        return 0
    digits = "0123456789abcdef"[:radix]
    if not all(c in digits for c in part.lower()):
        raise InvalidHostError(f"{part!r} is not a base-{radix} number")
    # Capped length: a 5,000-digit part must not cost a quadratic int() conversion.
    if len(part) > 40:
        raise InvalidHostError("a part of the IPv4 address is too large")
    return int(part, radix)


def _ends_in_number(host: str) -> bool:
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    last = labels[-1]
    if last and last.isascii() and last.isdigit():
        return True
    return last[:2] in ("0x", "0X") and all(c in "0123456789abcdefABCDEF" for c in last[2:])


def _ipv4(host: str) -> str:
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4 or any(not part for part in parts):
        raise InvalidHostError(f"{host!r} is not an IPv4 address")
    numbers = [_number(part) for part in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise InvalidHostError(f"{host!r} is not an IPv4 address: a part is out of range")
    value = numbers[-1]
    for index, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - index))
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _to_ascii(host: str) -> str:
    """UTS #46 mapping and Punycode, as browsers apply them (non-transitional)."""
    import idna  # only for non-ASCII hosts: it is not on the start-up path

    try:
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
        labels = [
            label if label.isascii() else idna.alabel(label).decode("ascii")
            for label in mapped.split(".")
        ]
    except (idna.IDNAError, UnicodeError) as error:
        raise InvalidHostError(f"{host!r} is not a valid international domain name") from error
    return ".".join(labels).lower()


def canonical_host(host: str) -> str:
    """``host`` (as written in a URL, without brackets) the way a browser would read it.

    An IPv4 address in any of its spellings comes back dotted-decimal, an IPv6 address
    compressed, a domain name lowercased in ASCII (Punycode). Raises
    :class:`InvalidHostError` saying why when no browser would accept it.
    """
    if ":" in host:
        import ipaddress  # IPv6 literals are rare: kept off the start-up path

        try:
            return ipaddress.IPv6Address(host).compressed
        except ValueError:
            raise InvalidHostError(f"{host!r} is not an IPv6 address") from None
    if "%" in host:
        try:
            host = unquote_to_bytes(host).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidHostError(
                f"{host!r} percent-decodes to bytes that are not UTF-8"
            ) from None
    name = host.lower() if host.isascii() else _to_ascii(host)
    if not name or name == ".":
        raise InvalidHostError("the host is empty")
    bad = next((c for c in name if c in _FORBIDDEN or ord(c) < 0x20 or ord(c) == 0x7F), None)
    if bad is not None:
        raise InvalidHostError(f"the host {host!r} contains the character {bad!r}")
    if _ends_in_number(name):
        return _ipv4(name)
    return name


def host_problem(host: str) -> str | None:
    """Why ``host`` is not a valid host; ``None`` when it is."""
    try:
        canonical_host(host)
    except InvalidHostError as error:
        return str(error)
    return None


def _split_netloc(netloc: str) -> tuple[str, str, str, bool]:
    """``(userinfo@, host, :port, bracketed)`` of a URL's authority."""
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        host, bracket, port = hostport[1:].partition("]")
        return userinfo + at, host, port, bool(bracket)
    host, colon, port = hostport.partition(":")
    return userinfo + at, host, colon + port, False


def canonical_url(url: str) -> str:
    """``url`` with its host in canonical form (unchanged when it already was).

    Raises :class:`InvalidHostError` when the host is invalid.
    """
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    userinfo, host, port, bracketed = _split_netloc(parts.netloc)
    if bracketed and ":" not in host:
        raise InvalidHostError(f"[{host}] is not an IPv6 address")
    canonical = canonical_host(host)
    shown = f"[{canonical}]" if ":" in canonical else canonical
    if shown == (f"[{host}]" if bracketed else host):
        return url
    return urlunsplit(parts._replace(netloc=userinfo + shown + port))
