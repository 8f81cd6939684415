"""The booking pages' URLs are mounted first after the health check (config/urls.py,
``RESOLVED_FIRST``; docs/performance.md, "Issue 19, eleventh session (helper h1)"): every path
resolves as in the order the apps were mounted before, and every name reverses as before."""

from __future__ import annotations

import uuid
from importlib.util import find_spec

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, include, path

from madoguchi.config import urls as config_urls

SAMPLES = {
    "orgslug": "minato",
    "slug": "rush-city",
    "int": "12",
    "uuid": str(uuid.UUID(int=7)),
    "str": "x",
    "path": "x/y",
}


def _old_order() -> list:
    """The root URL configuration as it was mounted before (the fixed entries, then the apps)."""
    new = config_urls.urlpatterns
    apps = set(_app_modules().values())
    fixed = [p for p in new if getattr(getattr(p, "urlconf_name", None), "__name__", None) not in apps]
    assert len(new) - len(fixed) == len([m for m in apps if find_spec(m) is not None])
    old = list(fixed)
    for app, prefix in config_urls.APP_PREFIXES.items():
        module = _app_modules()[app]
        if find_spec(module) is not None:
            old.append(path(prefix, include(module)))
    return old


def _app_modules() -> dict[str, str]:
    return {
        app: f"madoguchi.{app}" if app.endswith("urls") else f"madoguchi.{app}.urls"
        for app in config_urls.APP_PREFIXES
    }


def _old_conf() -> type:
    """The old order as a URL configuration, made at test time from the module as it is now (a
    test that reloads config/urls.py makes new pattern objects: accounts/tests/test_issue11_attacks.py)."""

    class OldOrder:
        urlpatterns = _old_order()

    return OldOrder


def _routes(patterns, prefix: str = "") -> list[str]:
    """Every route of the tree with sample values in its converters."""
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        for name, value in SAMPLES.items():
            while f"<{name}:" in route:
                start = route.index(f"<{name}:")
                route = route[:start] + value + route[route.index(">", start) + 1 :]
        if isinstance(pattern, URLResolver):
            routes += [route, route + "zz/"] + _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def _answer(resolver, path_info: str):
    try:
        match = resolver.resolve(path_info)
    except Resolver404:
        return None
    return (match.func, match.args, match.kwargs, match.url_name, match.namespaces, match.route)


def test_the_booking_pages_are_mounted_right_after_the_health_check():
    first, second = config_urls.urlpatterns[:2]
    assert str(first.pattern) == "healthz"
    assert isinstance(second, URLResolver) and str(second.pattern) == "reservations/"


@pytest.mark.parametrize("extra", ["", "reservations", "reservations/zz", "healthz/", "api/v1/x"])
def test_every_path_resolves_as_in_the_old_order(extra):
    new, old = get_resolver(config_urls), get_resolver(_old_conf())
    paths = ["/" + route for route in _routes(config_urls.urlpatterns) if "^" not in route] + ["/" + extra]
    assert len(paths) > 200
    for path_info in paths:
        assert _answer(new, path_info) == _answer(old, path_info), path_info


def test_every_name_reverses_as_in_the_old_order():
    """What ``reverse`` reads: each root name's possibilities in their order, and each
    namespace's prefix (the apps' own URL configurations are the same modules)."""
    new, old = get_resolver(config_urls), get_resolver(_old_conf())
    names = {name for name in new.reverse_dict if isinstance(name, str)}
    assert names == {name for name in old.reverse_dict if isinstance(name, str)}
    for name in names:
        assert [p[0] for p in new.reverse_dict.getlist(name)] == [
            p[0] for p in old.reverse_dict.getlist(name)
        ]
    prefixes = {namespace: prefix for namespace, (prefix, _sub) in new.namespace_dict.items()}
    assert prefixes == {namespace: prefix for namespace, (prefix, _sub) in old.namespace_dict.items()}
    assert len(prefixes) > 10
