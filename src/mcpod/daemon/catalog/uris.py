"""Which server owns a resource URI: listed URIs first, then URI templates.

Resources are not renamed (URIs are global), so a read is routed by matching the URI.
"""

from __future__ import annotations

import re
from typing import Any

_EXPRESSION = re.compile(r"\{([^}]*)\}")


def template_pattern(template: str) -> re.Pattern[str]:
    """An RFC 6570 level-1/2 template as a regex: `{x}` one path segment, `{+x}`/`{/x*}` more."""
    out, pos = [], 0
    for match in _EXPRESSION.finditer(template):
        out.append(re.escape(template[pos : match.start()]))
        expr = match.group(1)
        out.append(".*" if expr[:1] in "+#/?&" or expr.endswith("*") else "[^/]*")
        pos = match.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out))


class UriRoutes:
    """URIs and templates per server, derived from their lists."""

    def __init__(self, lists_by_server: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
        self._uris = {
            name: {str(r.get("uri")) for r in lists["resources"]}
            for name, lists in lists_by_server.items()
        }
        self._templates = {
            name: [
                template_pattern(str(t.get("uriTemplate", ""))) for t in lists["resourceTemplates"]
            ]
            for name, lists in lists_by_server.items()
        }

    def owner(self, uri: str, servers: frozenset[str]) -> str | None:
        """The first server (by name) among `servers` listing `uri` or a template matching it."""
        for name in sorted(servers):
            if uri in self._uris.get(name, ()):
                return name
            if any(pattern.fullmatch(uri) for pattern in self._templates.get(name, ())):
                return name
        return None
