"""The demo incident: a deterministic afternoon of posts and field updates for trying
Sitmap without real data, and for measuring how fast the cache takes items in.

May import: :mod:`desktop.cache`, :mod:`desktop.core`. No Qt.
"""

from desktop.demo.generator import DemoStats, generate, write_demo

__all__ = ["DemoStats", "generate", "write_demo"]
