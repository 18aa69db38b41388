"""Campaign definitions are shared: added, edited, renamed and removed on one workstation,
the same on the others; a later local edit is not overwritten by an older one pulled."""

from __future__ import annotations

import psycopg

from desktop.cache import Cache
from desktop.campaigns import store as campaigns
from desktop.sync.runner import Sync
from tests.sync.helpers import T0

DAY = 86_400_000


def names(path) -> dict:
    with Cache.open(path) as c:
        return {x.name: (x.hashtags, x.keywords, x.from_ms, x.to_ms) for x in campaigns.list_campaigns(c.conn)}


def test_campaigns_converge_with_edits_renames_and_removals(tmp_path, shared_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    with Cache.open(a) as c:
        campaigns.add(c, "부산경찰 아동학대 예방", hashtags=["busanpolice", "byhand"], from_ms=T0, to_ms=T0 + 7 * DAY,
                      by="kim")
        campaigns.add(c, "교통안전", keywords=["어린이 보호구역"], from_ms=T0, to_ms=T0 + DAY, by="kim")
    assert Sync(a, shared_url).once().pushed >= 2
    Sync(b, shared_url).once()
    assert names(b) == names(a) and len(names(b)) == 2
    assert Sync(a, shared_url).once().pushed == 0 and Sync(b, shared_url).once().pushed == 0  # no echo
    # B edits one and renames it; A removes the other.
    with Cache.open(b) as c:
        campaigns.update(c, "부산경찰 아동학대 예방", new_name="#busanpolice 2026", hashtags=["busanpolice", "kids"])
    with Cache.open(a) as c:
        campaigns.remove(c, "교통안전")
    Sync(b, shared_url).once()
    Sync(a, shared_url).once()
    Sync(b, shared_url).once()
    assert names(a) == names(b) == {"#busanpolice 2026": (("busanpolice", "kids"), (), T0, T0 + 7 * DAY)}
    with psycopg.connect(shared_url) as pg:
        live = pg.execute("SELECT name FROM campaigns WHERE NOT removed").fetchall()
    assert live == [("#busanpolice 2026",)]
    # Both edit the same campaign offline: the later edit wins everywhere.
    with Cache.open(a) as c:
        campaigns.update(c, "#busanpolice 2026", to_ms=T0 + 10 * DAY)
    with Cache.open(b) as c:
        campaigns.update(c, "#busanpolice 2026", to_ms=T0 + 14 * DAY)  # later
    Sync(b, shared_url).once()
    Sync(a, shared_url).once()  # A's older edit loses to the store's later one
    Sync(b, shared_url).once()
    assert names(a) == names(b)
    assert names(a)["#busanpolice 2026"][3] == T0 + 14 * DAY
