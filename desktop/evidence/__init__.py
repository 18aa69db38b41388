"""Evidence packages: one zip holding what a filter selected, and how to check it later.

Owns :mod:`~desktop.evidence.package` (building a package from the cache, a filter and an
already rendered map image) and :mod:`~desktop.evidence.verify` (recomputing every hash).
Plain Python over the cache: imports ``desktop.core`` and ``desktop.cache`` only, never Qt;
the command line renders the map and hands the PNG in.
"""
