"""The map page's HTML (desktop.page.shell): it loads nothing but Sitmap's own files, and
that check itself never fails a start by chance."""

from __future__ import annotations

import re

import pytest

from desktop.page import shell


def test_every_url_is_the_apps_own_and_the_policy_names_no_other_source():
    html = shell.build_shell()
    urls = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "default-src 'none'" in policy and re.search(r"https?://", policy) is None  # base64 has no ':'


def test_the_check_does_not_trip_on_the_policys_hashes():
    """The policy's script hashes change with folium's random element names; now and then
    their base64 spells "cdn", which a check of the whole page took for a CDN link (about
    one start in 500 failed). 1,500 builds, none refused."""
    for _ in range(1500):
        shell.build_shell()


@pytest.mark.parametrize("url", ["https://cdn.example.org/leaflet.js", "//unpkg.example.com/leaflet.js",
                                 "http://10.0.0.1/leaflet.js"])
def test_a_remote_script_is_refused(monkeypatch, url):
    monkeypatch.setattr(shell, "VENDOR_JS", [("leaflet", url)])
    with pytest.raises(RuntimeError, match="would load something remote"):
        shell.build_shell()
