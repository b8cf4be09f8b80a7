"""Distances on the Earth's surface, for regions drawn as a radius around a place."""

from __future__ import annotations

import numpy as np

__all__ = ["EARTH_RADIUS_KM", "haversine_km"]

#: The mean Earth radius (IUGG), in km.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """Great-circle distance in km from (``lat0``, ``lon0``) to each point, by the haversine formula

    d = 2 R asin( sqrt( sin²(Δφ/2) + cos φ0 cos φ sin²(Δλ/2) ) ).

    Eindhoven to Leuven:

    >>> round(float(haversine_km(np.array([50.8798]), np.array([4.7005]), 51.4416, 5.4697)[0]))
    82
    """
    p0, p = np.radians(lat0), np.radians(np.asarray(lat, dtype=float))
    dphi, dlmb = p - p0, np.radians(np.asarray(lon, dtype=float) - lon0)
    h = np.sin(dphi / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))
