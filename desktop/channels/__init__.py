"""The public channel: posting appeals for help to an agency's own accounts and collecting
what people answer.

- :mod:`http` — the one HTTP layer: timeouts, retries with backoff on timeouts and 5xx
  (never for a POST that may have reached the service), rate-limit headers honoured
  (``x-rate-limit-remaining``/``x-rate-limit-reset`` on X, ``x-app-usage`` on Graph),
  errors as one clear message (:class:`ChannelError`).
- :mod:`x` — X API v2: ``POST /2/tweets``, ``POST /2/media/upload``, ``GET /2/users/me``,
  ``GET /2/users/{id}/tweets``, ``GET /2/tweets/search/recent`` (``conversation_id:``).
- :mod:`facebook` — Graph API: ``POST /{page-id}/feed``, ``POST /{page-id}/photos``,
  ``GET /{page-id}/posts``, ``GET /{post-id}/comments`` (cursor paging).
- :mod:`accounts` — the configured accounts (``channels.json`` in the data folder: channel,
  Page or user id, base URL) and their tokens in the system keyring, never in the cache.
- :mod:`appeals` — the appeals table: draft → queued → sending → sent / failed, publishing
  exactly once, and collecting replies into items linked to the appeal.

Base URLs are configurable (``SITMAP_X_API_BASE``, ``SITMAP_GRAPH_API_BASE`` or per
account) so an agency can point Sitmap at a test account or a stand-in first. Nothing
here runs unless the user asked for it: no request leaves without a configured account.

May import: :mod:`desktop.importers`, :mod:`desktop.geoparse`, :mod:`desktop.cache`,
:mod:`desktop.audit`, :mod:`desktop.core`. No Qt.
"""
