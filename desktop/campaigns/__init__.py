"""Campaigns: hashtag drives such as #busanpolice #byhand #kids, defined once and measured
from the cache whenever they are looked at.

:mod:`store` keeps the definitions (the ``campaigns`` table, schema 6: name, hashtags,
keywords, period, optional areas: saved area names or built-in KOSTAT district codes) and
:mod:`figures` computes a campaign's figures from the items: posts over time, by district
(items with an uncertainty circle counted by :mod:`desktop.core.uncertainty`'s rule, the
circles that only reach a district as "possibly in"), unique, new and returning authors,
top posts by engagement where the source gave counts, languages, how posts were placed;
and compares two campaigns. Every figure is a plain value (JSON-ready dicts and lists).

May import: :mod:`desktop.cache`, :mod:`desktop.core`. No Qt.
"""

from desktop.campaigns.figures import Figures, compare, compute
from desktop.campaigns.store import Campaign, CampaignError, add, get, list_campaigns, remove, update

__all__ = ["Campaign", "CampaignError", "Figures", "add", "compare", "compute", "get", "list_campaigns", "remove",
           "update"]
