"""A deny-by-default URL fetcher: WeasyPrint may load the project's own assets, nothing else.

Templates name their resources with the `kam:` scheme: `kam:asset/<file>` is a file of
report_templates/static/, `kam:chart/<name>` a chart generated for the document being
rendered. Every other URL (file:, http:, data:, attachments, relative paths) is refused and
recorded, so a hostile value that slipped into the HTML can never read the disk or the
network.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSET_PREFIX = "kam:asset/"
CHART_PREFIX = "kam:chart/"


class RefusedURL(ValueError):
    """WeasyPrint asked for a URL outside the project's own assets."""


class ProjectAssetFetcher(URLFetcher):
    """Serve static assets from one folder and charts from memory; refuse everything else."""

    def __init__(self, static_dir: Path, charts: Mapping[str, tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols=["kam"], allow_redirects=False)
        self._static_dir = static_dir.resolve()
        self._charts = dict(charts or {})
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url, headers=None):
        body, mime_type = self._lookup(url)
        self.served.append(url)
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})

    def _lookup(self, url: str) -> tuple[bytes, str]:
        if url.startswith(CHART_PREFIX) and url[len(CHART_PREFIX):] in self._charts:
            return self._charts[url[len(CHART_PREFIX):]]
        if url.startswith(ASSET_PREFIX):
            name = url[len(ASSET_PREFIX):]
            path = (self._static_dir / name).resolve()
            if path.parent == self._static_dir and path.is_file():
                mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return path.read_bytes(), mime_type
        self.refused.append(url)
        raise RefusedURL(f"refused to fetch {url!r}: only the report's own assets are served")
