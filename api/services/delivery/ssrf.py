"""Where a webhook may point: never at this host, its network or a cloud's metadata service.

A subscriber chooses the URL, and the worker sends to it from inside our network: without a
guard, a key could make the worker reach an internal service (server-side request forgery).
Only globally routable addresses are allowed, unless an administrator allows a network
(`webhook_allowed_networks`); HTTPS is required unless plain HTTP is allowed too.

`check_url` judges a URL when a subscription is made or changed. That alone is not enough: a
name may resolve to a public address then and to 127.0.0.1 when the worker connects (DNS
rebinding). So `guarded_transport` resolves and judges the host again at every connection, in an
httpcore network backend, and connects to the very address it judged. httpcore still speaks to
the URL's host name above that socket (TLS SNI and certificate check, the `Host` header), so
HTTPS is verified as usual. Redirects are never followed by the sender, so a receiver cannot
point the worker elsewhere after the check either.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

import httpcore
import httpx

from models.settings import Settings

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

# IPv6 prefixes that carry an IPv4 address a router would reach: judged as that address.
_NAT64 = IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class UrlPolicy:
    """What webhook URLs may reach: HTTPS to public addresses, plus what an administrator allows."""

    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> UrlPolicy:
        return cls(
            allow_http=settings.webhook_allow_http,
            allowed_networks=tuple(
                ip_network(n, strict=False) for n in settings.webhook_allowed_networks
            ),
        )


class UrlRefused(Exception):
    """A webhook URL the policy refuses; `reason` names the rule, `params` the details."""

    def __init__(self, reason: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


async def check_url(url: str, policy: UrlPolicy) -> None:
    """Raise `UrlRefused` for a URL whose scheme, form or any resolved address is not allowed."""
    parsed = _parse(url, policy)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    await _resolve_allowed(parsed.host, port, policy, url=url)


async def _resolve_allowed(host: str, port: int, policy: UrlPolicy, **context: str) -> list[str]:
    """Every address `host` resolves to, or `UrlRefused` if any of them is not allowed."""
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            answers = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError) as exc:
            raise UrlRefused(
                "unresolvable", f"{host} does not resolve: {exc}", host=host, **context
            ) from exc
        addresses = list(dict.fromkeys(ip_address(sockaddr[0]) for *_, sockaddr in answers))
        if not addresses:
            raise UrlRefused("unresolvable", f"{host} has no address", host=host, **context)
    for address in addresses:
        judged = _embedded_ipv4(address) or address
        if not _allowed(judged, policy):
            where = f"{judged} is" if host == str(judged) else f"{host} leads to {judged}, which is"
            raise UrlRefused(
                "address",
                f"{where} not a public address",
                host=host,
                address=str(judged),
                **context,
            )
    return [str(a) for a in addresses]


def guarded_transport(policy: UrlPolicy, *, timeout: float) -> httpx.AsyncBaseTransport:
    """An httpx transport that judges the address of every connection it opens (see the module).

    HTTPS trusts certifi's authorities, or `SSL_CERT_FILE` / `SSL_CERT_DIR` where an agency's
    receivers use a CA of their own.
    """
    return _GuardedTransport(
        httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            # The dispatcher bounds how many deliveries go at once (`delivery_concurrency`);
            # a second bound here would only make some wait for a slot, inside their deadline.
            max_connections=None,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(policy, timeout=timeout),
        )
    )


def _parse(url: str, policy: UrlPolicy) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UrlRefused("host", f"not a URL: {exc}", url=url) from exc
    if not parsed.is_absolute_url:
        raise UrlRefused("host", "not an absolute URL", url=url)
    allowed = ("https", "http") if policy.allow_http else ("https",)
    if parsed.scheme not in allowed:
        raise UrlRefused(
            "scheme",
            f"scheme {parsed.scheme!r} not allowed; use {' or '.join(allowed)}",
            url=url,
            scheme=parsed.scheme,
        )
    if parsed.userinfo:
        raise UrlRefused("credentials", "a webhook URL may not carry credentials", url=url)
    # A percent sign would be an escaped character or an IPv6 zone: neither names a public host.
    if not parsed.host or "%" in parsed.host:
        raise UrlRefused("host", "the URL names no valid host", url=url)
    return parsed


def _literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


def _allowed(address: IPAddress, policy: UrlPolicy) -> bool:
    if any(address in network for network in policy.allowed_networks):
        return True
    # `is_global` alone lets multicast through, and some reserved ranges on older Pythons.
    return address.is_global and not (address.is_multicast or address.is_reserved)


def _embedded_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 address reaches (mapped, NAT64 or 6to4), judged in its place."""
    if isinstance(address, IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves and judges each host at connection time, then connects to a judged address."""

    def __init__(self, policy: UrlPolicy, *, timeout: float) -> None:
        self._policy = policy
        self._timeout = timeout
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(self._timeout if timeout is None else timeout):
                addresses = await _resolve_allowed(host, port, self._policy)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # `_resolve_allowed` never answers an empty list
        raise failure

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# httpcore's exceptions as httpx's (as httpx's own transport maps them), so a caller of the
# client handles one family; anything else, `UrlRefused` included, passes through unchanged.
_HTTPX_EXCEPTIONS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
}


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        mapped = next(
            (_HTTPX_EXCEPTIONS[c] for c in type(exc).__mro__ if c in _HTTPX_EXCEPTIONS), None
        )
        if mapped is None:
            raise
        raise mapped(str(exc)) from exc


class _GuardedTransport(httpx.AsyncBaseTransport):
    """httpx over an httpcore pool whose every connection went through `_GuardedBackend`."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self._pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = await self._pool.handle_async_request(core_request)
        # An async pool answers with an async stream; the check narrows its declared union.
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        # httpcore's response streams release their connection in `aclose`.
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()
