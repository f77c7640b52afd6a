"""Every route of the URL configuration, found by walking the resolver."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    key: str  # the route's name, with its namespace (``inventory:device-detail``)
    pattern: str  # the whole pattern, from the root (``inventory/<str:code>/``)


def _walk(resolver: URLResolver, prefix: str, namespace: str):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            whole = prefix + str(pattern.pattern)
            if pattern.name:
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                key = whole
            yield Route(key=key, pattern=whole)


def all_routes() -> list[Route]:
    """Every route, in the order the URL configuration declares them."""
    return list(_walk(get_resolver(), "", ""))
