from __future__ import annotations

import pytest
from weasyprint import HTML

from kam.rendering.engine import STATIC_DIR
from kam.rendering.fetcher import ProjectAssetFetcher, RefusedURL


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1/x.png",
    "https://example.com/a.css",
    "data:text/plain,hello",
    "kam:asset/../../kam/rendering/fetcher.py",
    "kam:asset/missing.css",
    "kam:chart/unknown.svg",
])
def test_refuses_everything_but_project_assets(url):
    fetcher = ProjectAssetFetcher(STATIC_DIR)
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_serves_static_assets_and_registered_charts():
    fetcher = ProjectAssetFetcher(STATIC_DIR, {"a.svg": (b"<svg/>", "image/svg+xml")})
    css = fetcher.fetch("kam:asset/report.css")
    assert css.read() == (STATIC_DIR / "report.css").read_bytes()
    assert css.content_type == "text/css"
    chart = fetcher.fetch("kam:chart/a.svg")
    assert (chart.read(), chart.content_type) == (b"<svg/>", "image/svg+xml")


def test_weasyprint_never_reads_files_named_in_the_document():
    fetcher = ProjectAssetFetcher(STATIC_DIR)
    html = ('<img src="file:///etc/passwd"><link rel="stylesheet" href="/etc/hosts">'
            '<a rel="attachment" href="file:///etc/passwd">x</a>'
            '<link rel="attachment" href="file:///etc/shadow">')
    HTML(string=html, base_url="kam:asset/", url_fetcher=fetcher).write_pdf()
    assert fetcher.served == []
    assert "file:///etc/passwd" in fetcher.refused
