"""GeoPackage: one layer ``items`` of points in EPSG:4326, written through pyogrio a
chunk at a time (the first chunk creates the layer, the others append), so memory is
bounded by the chunk. Lists are joined as in CSV; an item without a position has no
geometry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from desktop.exports.fields import FIELDS, NUMBER_FIELDS, flat

LAYER = "items"
CHUNK = 50_000


def _frame(rows: list[dict]):
    import geopandas as gpd
    import pandas as pd
    import shapely

    cols = {}
    for f in FIELDS:
        values = [r[f] for r in rows]
        if f == "id":
            cols[f] = pd.array(values, dtype="int64")
        elif f in NUMBER_FIELDS:
            cols[f] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        else:
            cols[f] = pd.Series(values, dtype=object)
    lat, lon = cols["lat"], cols["lon"]
    ok = ~(np.isnan(lat) | np.isnan(lon))
    geom = np.full(len(rows), None, dtype=object)
    if ok.any():
        geom[ok] = shapely.points(lon[ok], lat[ok])
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(geom, crs="EPSG:4326"), crs="EPSG:4326")


def write(records: Iterable[dict], path: Path, *, title: str = "") -> int:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

    from desktop.exports.errors import ExportError

    n = 0
    chunk: list[dict] = []
    first = True

    def flush() -> None:
        nonlocal first
        try:
            pyogrio.write_dataframe(_frame(chunk), path, layer=LAYER, driver="GPKG", append=not first,
                                    geometry_type="Point", promote_to_multi=False)
        except (DataLayerError, DataSourceError, FieldError, GeometryError) as exc:
            raise ExportError(f"{path.name}: the GeoPackage could not be written ({exc})") from None
        first = False

    for rec in records:
        chunk.append(flat(rec))
        n += 1
        if len(chunk) >= CHUNK:
            flush()
            chunk = []
    if chunk or first:
        flush()
    return n
