"""The one outbound HTTP client: feeds, webhooks, the SMS gateway and federation all leave through ``fetch``.

What every outbound call gets, decided here once:

- **Schemes**: ``http`` and ``https`` only, on the first URL and on every redirect (a feed once followed a
  redirect to ``ftp:``).
- **Addresses**: every address the host resolves to must be allowed, and the connection goes to the address
  that was checked (a second DNS answer cannot swap in another). Public (globally routed) addresses are
  allowed; loopback, private (RFC 1918, IPv6 ULA), link-local, shared (CGNAT), multicast, reserved and
  unspecified ones are refused unless the administrator allows them in ``DUTYROOM_FEEDS_ALLOW``: a comma- or
  space-separated list of IP addresses and CIDR networks (``127.0.0.1``, ``10.20.0.0/16``, ``fd00::/8``), or
  ``*`` for any address (a closed government network where every peer is private). Without it, a feed URL or a
  webhook could make the server read its own API (a feed once stored the answer of ``/api/v1/audit/verify``)
  or probe the internal network.
- **Redirects**: at most ``max_redirects`` hops (none for the deliveries, which POST), each hop checked as
  above; a redirect to another host drops ``Authorization`` and ``Cookie``.
- **Time and size**: a connect and read timeout on every hop; the body is read up to ``max_bytes``.

Built on urllib3 (pinned in ``pyproject.toml``): well kept (the transport under ``requests`` and pip), and it
lets the caller name the address to connect to while TLS still verifies the host name, which the standard
library's ``urllib`` does not; httpx would need a custom transport for the same.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

REDIRECTS = (301, 302, 303, 307, 308)
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class HttpError(Exception):
    """A call that got no usable answer; ``status`` is a short word for the delivery log."""

    status = "error"


class HttpTimeout(HttpError):
    status = "timeout"


class AddressRefused(HttpError):
    """The scheme or an address of the host is not allowed (see the module's docstring)."""

    status = "refused"


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


def allowed_networks(setting: str | None = None) -> tuple[IPNetwork, ...] | None:
    """The networks ``DUTYROOM_FEEDS_ALLOW`` opens; None means every address (``*``)."""
    raw = str(getattr(settings, "DUTYROOM_FEEDS_ALLOW", "") if setting is None else setting)
    networks: list[IPNetwork] = []
    for entry in raw.replace(",", " ").split():
        if entry == "*":
            return None
        networks.append(ipaddress.ip_network(entry, strict=False))
    return tuple(networks)


def address_allowed(address: IPAddress, allowed: tuple[IPNetwork, ...] | None) -> bool:
    if allowed is None:
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed if network.version == address.version):
        return True
    return address.is_global and not address.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, all checked; refuses the host if any is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise HttpError(f"cannot resolve {host}: {error}") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    allowed = allowed_networks()
    refused = [a for a in addresses if not address_allowed(ipaddress.ip_address(a.split("%")[0]), allowed)]
    if refused or not addresses:
        raise AddressRefused(
            f"{host} resolves to {', '.join(refused) or 'nothing'}: loopback and private "
            "addresses are refused unless DUTYROOM_FEEDS_ALLOW allows them"
        )
    return addresses


def _target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; anything else is refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AddressRefused(f"not a valid URL: {error}") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"only http and https URLs are fetched, not {parts.scheme or 'this'}: {url[:100]}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def _once(
    method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float, max_bytes: int
) -> Response:
    scheme, host, port, path = _target(url)
    default_port = port == (443 if scheme == "https" else 80)
    sent = {"Host": host if default_port else f"{host}:{port}", **headers}
    last: Exception | None = None
    for address in _addresses(host, port):
        if scheme == "https":
            pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
                address,
                port,
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
                retries=False,
                server_hostname=host,
                assert_hostname=host,
                cert_reqs="CERT_REQUIRED",
                maxsize=1,
            )
        else:
            pool = urllib3.HTTPConnectionPool(
                address, port, timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False, maxsize=1
            )
        try:
            answer = pool.urlopen(
                method,
                path,
                body=body,
                headers=sent,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            data = answer.read(max_bytes + 1)
            answer.release_conn()
        except urllib3.exceptions.NewConnectionError as error:
            last = error  # the next address of the host, if any
            continue
        except urllib3.exceptions.TimeoutError as error:
            raise HttpTimeout(f"no answer from {host} within {timeout:g} s") from error
        except urllib3.exceptions.HTTPError as error:
            raise HttpError(f"{type(error).__name__}: {error}"[:500]) from error
        finally:
            pool.close()
        if len(data) > max_bytes:
            raise HttpError(f"the answer of {host} is over {max_bytes} bytes")
        return Response(answer.status, data, url, dict(answer.headers.items()))
    raise HttpError(f"cannot connect to {host}:{port}: {last}"[:500])


def fetch(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    max_redirects: int = 0,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Response:
    """Send one request under the policy above; any HTTP status comes back as a ``Response`` (a redirect
    beyond ``max_redirects`` too, when that is 0), a failure to get one raises ``HttpError``."""
    sent = dict(headers or {})
    for hop in range(max_redirects + 1):
        response = _once(method, url, body, sent, timeout, max_bytes)
        location = response.header("Location")
        if response.status not in REDIRECTS or not location or max_redirects == 0:
            return response
        if hop == max_redirects:
            raise HttpError(f"more than {max_redirects} redirects")
        following = urljoin(url, location)
        if urlsplit(following).hostname != urlsplit(url).hostname:
            sent = {k: v for k, v in sent.items() if k.lower() not in _CREDENTIALS}
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = "GET", None
            sent = {k: v for k, v in sent.items() if k.lower() not in ("content-type", "content-length")}
        url = following
    raise AssertionError("unreachable")  # the loop returns or raises on its last hop
