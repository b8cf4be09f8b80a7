"""The records of a dataset as pydantic models (pass one of loading: shape and types).

References between records (an actor's layer, a relation's ends, ...) are plain ids here; they are
resolved in pass two by :mod:`stackatlas.dataset.loader`, which knows the whole dataset.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "ACTOR_FIELDS",
    "FLAT_COLUMNS",
    "ISO_COUNTRIES",
    "PLACE_TYPES",
    "RELATION_ENDED",
    "RELATION_FIELDS",
    "RELATION_STATUSES",
    "SITE_CLOSED",
    "SITE_STATUSES",
    "SLUG",
    "UPCOMING_STATUSES",
    "Actor",
    "ActorKind",
    "ActorLayer",
    "ActorSite",
    "Amount",
    "Baseline",
    "Bloc",
    "Country",
    "Crosswalk",
    "DatasetMeta",
    "Indicator",
    "Layer",
    "Municipality",
    "Named",
    "Period",
    "PlaceType",
    "Position",
    "Province",
    "Recommendation",
    "Region",
    "Relation",
    "RelationStatus",
    "RelationType",
    "Site",
    "SiteStatus",
    "Source",
    "SourceRef",
    "Sublayer",
    "Synergy",
    "Taxonomy",
    "Text",
    "Tracking",
    "flat_columns",
    "parse_date",
    "record_field",
    "record_fields",
]

# --- domain rules: defined once here; the loader, store, analyses, importers, web and report read them ---

#: The status of a tie (absent where the source is silent). ``active``: a running partnership or membership.
RelationStatus = Literal["announced", "planned", "active", "completed", "ended"]
#: The status of an actor's site; a ``closed`` site no longer places the actor anywhere.
SiteStatus = Literal["active", "planned", "closed"]
#: The types of places, which are also the levels a profile is computed at (in this order on pages).
PlaceType = Literal["municipality", "region", "province", "country", "site"]

RELATION_STATUSES: tuple[str, ...] = get_args(RelationStatus)
SITE_STATUSES: tuple[str, ...] = get_args(SiteStatus)
PLACE_TYPES: tuple[str, ...] = get_args(PlaceType)
#: The statuses of a tie that has not happened yet (shown with its status wherever ties are listed).
UPCOMING_STATUSES: tuple[str, ...] = ("announced", "planned")
#: The status of a tie that is over: the analyses of live ties leave it out (a missing status counts as live).
RELATION_ENDED: RelationStatus = "ended"
#: The status of a site that no longer places its actor anywhere (``actor_places`` leaves it out).
SITE_CLOSED: SiteStatus = "closed"

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

# ISO 3166-1 alpha-2 (officially assigned codes).
ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
    BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET
    FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM
    IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD
    ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST
    SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS
    YE YT ZA ZM ZW""".split()
)


def parse_date(value: str) -> tuple[int, int, int]:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into (year, month, day), filling 1 for the unknown.

    >>> parse_date("2025-12")
    (2025, 12, 1)
    """
    m = _DATE.match(value)
    if not m:
        raise ValueError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    import datetime as _dt

    try:
        _dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid date: {exc}") from None
    return year, month, day


def _check_slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(f"{value!r} is not a valid id (lower-case letters, digits and '-')")
    return value


Slug = Annotated[str, Field(min_length=1, max_length=120)]
DateStr = Annotated[str, Field(min_length=4, max_length=10)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)


class Text(_Model):
    """A text in Dutch and English; at least one of the two."""

    nl: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Text:
        if not (self.nl or self.en):
            raise ValueError("give the text in at least one language (nl or en)")
        return self

    def get(self, lang: str) -> str:
        """The text in ``lang``, falling back to the other language."""
        first, second = (self.nl, self.en) if lang == "nl" else (self.en, self.nl)
        return first or second or ""


class SourceRef(_Model):
    source: Slug
    locator: Annotated[str, Field(min_length=1)]
    confidence: Literal["high", "medium", "low"] = "high"


class _Sourced(_Model):
    sources: list[SourceRef] = Field(default_factory=list)


class _Ided(_Model):
    id: Slug

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        return _check_slug(v)


def _dates_ok(v: str | None) -> str | None:
    if v is not None:
        parse_date(v)
    return v


def _check_order(start: str | None, end: str | None, first: str, second: str) -> None:
    """``end`` may not lie before ``start`` (partial dates compare by their first day)."""
    if start is not None and end is not None and parse_date(end) < parse_date(start):
        raise ValueError(f"{second} ({end}) lies before {first} ({start})")


# --- dataset.yaml -------------------------------------------------------------------------------------


class DatasetMeta(_Ided):
    title: Text
    version: str
    licence: str
    publisher: str
    description: Text | None = None
    taxonomy: str = "builtin:digital-stack"
    compare: Annotated[list[Slug], Field(min_length=2, max_length=2)]
    baseline: Slug

    @field_validator("version", mode="before")
    @classmethod
    def _str_version(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) else v


# --- taxonomy -----------------------------------------------------------------------------------------


class Named(_Ided):
    name: Text
    definition: Text | None = None


class Sublayer(Named):
    pass


class Layer(Named):
    sublayers: list[Sublayer] = Field(default_factory=list)


class ActorKind(Named):
    helix: Slug


class RelationType(Named):
    directed: bool = True
    family: Literal["capital", "control", "lineage", "collaboration", "trade"]


class Bloc(Named):
    countries: list[str] = Field(default_factory=list)


class Crosswalk(_Model):
    to: Slug
    map: dict[str, list[Slug]]


class Taxonomy(_Ided):
    name: Text
    version: str = "1"
    description: Text | None = None
    layers: Annotated[list[Layer], Field(min_length=1)]
    domains: list[Named] = Field(default_factory=list)
    helix: list[Named] = Field(default_factory=list)
    actor_kinds: Annotated[list[ActorKind], Field(min_length=1)]
    relation_types: list[RelationType] = Field(default_factory=list)
    blocs: list[Bloc] = Field(default_factory=list)
    crosswalk: Crosswalk | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _str_version(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) else v


# --- places -------------------------------------------------------------------------------------------


class _Place(_Ided, _Sourced):
    name: Text
    description: Text | None = None


class _Point(_Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Country(_Place):
    code: str

    @field_validator("code")
    @classmethod
    def _iso(cls, v: str) -> str:
        if v not in ISO_COUNTRIES:
            raise ValueError(f"{v!r} is not an ISO 3166-1 alpha-2 country code")
        return v


class Province(_Place):
    country: Slug
    code: str | None = None


class Municipality(_Place, _Point):
    cbs: Annotated[str, Field(pattern=r"^GM\d{4}$")] | None = None
    province: Slug | None = None
    country: Slug | None = None

    @model_validator(mode="after")
    def _where(self) -> Municipality:
        if not (self.province or self.country):
            raise ValueError("a municipality needs a province or a country")
        return self


class Region(_Place):
    """A region: its municipalities, its countries and (a *drawn* region) every municipality whose centre
    is within ``radius_km`` of the place ``around`` (a municipality or site), across borders."""

    kind: str | None = None
    municipalities: list[Slug] = Field(default_factory=list)
    countries: list[Slug] = Field(default_factory=list)
    around: Slug | None = None
    radius_km: float | None = Field(default=None, gt=0, le=2500)

    @model_validator(mode="after")
    def _drawn(self) -> Region:
        if (self.around is None) != (self.radius_km is None):
            raise ValueError("a drawn region needs both 'around' (a place) and 'radius_km'")
        return self


class Site(_Place, _Point):
    kind: Literal["campus", "science-park", "business-park", "airport", "media-park", "port", "other"]
    municipality: Slug


# --- sources ------------------------------------------------------------------------------------------


class Source(_Ided):
    title: str
    author: str | None = None
    publisher: str | None = None
    date: DateStr | None = None
    url: str | None = None
    type: Literal[
        "report", "article", "web", "website", "dataset", "policy", "law", "book", "news", "press-release",
        "paper", "other",
    ]
    licence: str | None = None
    note: str | None = None

    _d = field_validator("date")(classmethod(lambda cls, v: _dates_ok(v)))

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://\S+$", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v


# --- actors -------------------------------------------------------------------------------------------


class ActorLayer(_Model):
    layer: Slug
    sublayer: Slug | None = None
    offering: str | None = None
    role: Literal["core", "secondary"] = "core"


class ActorSite(_Model):
    """A location of an actor; ``since``/``until`` date it (an undated site counts as there throughout)."""

    place: Slug
    function: str | None = None
    status: SiteStatus = "active"
    since: DateStr | None = None
    until: DateStr | None = None

    _d = field_validator("since", "until")(classmethod(lambda cls, v: _dates_ok(v)))

    @field_validator("since", "until", mode="before")
    @classmethod
    def _year(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _order(self) -> ActorSite:
        _check_order(self.since, self.until, "since", "until")
        return self


class Actor(_Ided, _Sourced):
    name: Annotated[str, Field(min_length=1)]
    aliases: list[str] = Field(default_factory=list)
    kind: Slug
    #: the head office (a municipality, site or country); absent when the source gives no location at all
    #: (an import with ``location_fallback: unknown``): place-based analyses leave such an actor out
    hq: Slug | None = None
    sites: list[ActorSite] = Field(default_factory=list)
    layers: Annotated[list[ActorLayer], Field(min_length=1)]
    domains: list[Slug] = Field(default_factory=list)
    control_country: str | None = None
    parent: Slug | None = None
    founded: DateStr | None = None
    dissolved: DateStr | None = None
    website: str | None = None
    wikidata: Annotated[str, Field(pattern=r"^Q\d+$")] | None = None
    description: Text | None = None
    tags: list[Slug] = Field(default_factory=list)

    _d = field_validator("founded", "dissolved")(classmethod(lambda cls, v: _dates_ok(v)))

    @field_validator("founded", "dissolved", mode="before")
    @classmethod
    def _year(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _order(self) -> Actor:
        _check_order(self.founded, self.dissolved, "founded", "dissolved")
        return self

    @field_validator("sites", mode="before")
    @classmethod
    def _sites(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"place": s} if isinstance(s, str) else s for s in v]
        return v

    @field_validator("control_country")
    @classmethod
    def _iso(cls, v: str | None) -> str | None:
        if v is not None and v not in ISO_COUNTRIES:
            raise ValueError(f"{v!r} is not an ISO 3166-1 alpha-2 country code")
        return v

    @field_validator("website")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://\S+$", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v


# --- relations ----------------------------------------------------------------------------------------


class Amount(_Model):
    value: float = Field(ge=0)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Relation(_Ided, _Sourced):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)

    type: Slug
    from_: Slug = Field(alias="from")
    to: Slug
    date: DateStr | None = None
    ended: DateStr | None = None
    status: RelationStatus | None = None
    amount: Amount | None = None
    stake_pct: float | None = Field(default=None, ge=0, le=100)
    stake_min: float | None = Field(default=None, ge=0, le=100)
    stake_max: float | None = Field(default=None, ge=0, le=100)
    role: str | None = None
    description: Text | None = None

    _d = field_validator("date", "ended")(classmethod(lambda cls, v: _dates_ok(v)))

    @field_validator("date", "ended", mode="before")
    @classmethod
    def _year(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _stakes(self) -> Relation:
        _check_order(self.date, self.ended, "date", "ended")
        if self.ended is not None and self.status not in (None, RELATION_ENDED):
            raise ValueError(f"a tie with an end date (ended) cannot have status {self.status!r}; "
                             f"leave the status out or write {RELATION_ENDED!r}")
        if self.ended is not None:
            self.status = RELATION_ENDED  # an end date implies the status
        if self.stake_min is not None and self.stake_max is not None and self.stake_min > self.stake_max:
            raise ValueError("stake_min is larger than stake_max")
        if self.from_ == self.to:
            raise ValueError("a relation needs two different actors")
        return self


# --- indicators ---------------------------------------------------------------------------------------


class Baseline(_Model):
    value: float | None = None
    subject: Slug | None = None
    label: Text | None = None


class Period(_Model):
    start: DateStr
    end: DateStr

    _d = field_validator("start", "end")(classmethod(lambda cls, v: _dates_ok(v)))

    @field_validator("start", "end", mode="before")
    @classmethod
    def _year(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class Indicator(_Ided, _Sourced):
    subject: Slug
    metric: Slug
    label: Text | None = None
    value: float
    value_min: float | None = None
    value_max: float | None = None
    unit: Annotated[str, Field(min_length=1)]
    date: DateStr | None = None
    period: Period | None = None
    baseline: Baseline | None = None
    layer: Slug | None = None
    note: Text | None = None

    _d = field_validator("date")(classmethod(lambda cls, v: _dates_ok(v)))

    @field_validator("date", mode="before")
    @classmethod
    def _year(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _when(self) -> Indicator:
        if self.date is not None and self.period is not None:
            raise ValueError("give a date or a period, not both")
        if self.baseline is not None and self.baseline.value is None and self.baseline.label is None:
            raise ValueError("a baseline needs a value or a label")
        if self.value_min is not None and self.value_max is not None and self.value_min > self.value_max:
            raise ValueError("value_min is larger than value_max")
        return self


# --- positions, synergies, recommendations ------------------------------------------------------------


class Position(_Sourced):
    layer: Slug
    bloc: Slug
    standing: Literal["leader", "strong", "challenger", "weak", "dependent"]
    actors: list[Slug] = Field(default_factory=list)
    note: Text | None = None

    @property
    def id(self) -> str:
        return f"{self.layer}-{self.bloc}"


class Synergy(_Sourced):
    id: Annotated[str, Field(pattern=r"^([A-Z]{1,3}|[a-z0-9][a-z0-9-]*)$")]
    name: Text
    layers: Annotated[list[Slug], Field(min_length=1)]
    domains: list[Slug] = Field(default_factory=list)
    actors: list[Slug] = Field(default_factory=list)
    examples: list[Text] = Field(default_factory=list)
    places: list[Slug] = Field(default_factory=list)
    relations: list[Slug] = Field(default_factory=list)
    description: Text | None = None


class Tracking(_Model):
    """How a recommendation is followed up (the yearly monitor): the indicator ``metrics`` that measure it,
    the actor ``tags`` of the organisations that realise it (e.g. ``frontier-lab``) and the
    ``relation_types`` of the ties across the corridor that do (e.g. partnerships, memberships)."""

    metrics: list[Slug] = Field(default_factory=list)
    tags: list[Slug] = Field(default_factory=list)
    relation_types: list[Slug] = Field(default_factory=list)


class Recommendation(_Sourced):
    id: Annotated[str, Field(pattern=r"^r\d+$")]
    number: int = Field(ge=1)
    title: Text
    description: Text | None = None
    synergies: list[str] = Field(default_factory=list)
    places: list[Slug] = Field(default_factory=list)
    actors: list[Slug] = Field(default_factory=list)
    track: Tracking | None = None


# --- record fields: listed once, here; the CSV tables, the database, the atlas and the importers read them ----

#: The flat columns (CSV table and database) of a record field that is a mapping in YAML. Every other field
#: is one column of its own name: a list is a ``;``-separated CSV cell (and rows of a table of its own in the
#: database, e.g. ``actor_sites``); ``from`` is ``from_actor`` and ``to`` is ``to_actor`` in the database.
FLAT_COLUMNS: dict[str, tuple[str, ...]] = {
    "description": ("description_nl", "description_en"),
    "amount": ("amount_value", "amount_currency"),
}


def record_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a record as its YAML keys (``from`` for ``Relation.from_``), in the order of the model
    with ``sources`` last: the key order of the records the importers write.

    >>> record_fields(Relation)  # doctest: +NORMALIZE_WHITESPACE
    ('id', 'type', 'from', 'to', 'date', 'ended', 'status', 'amount', 'stake_pct', 'stake_min', 'stake_max', 'role',
     'description', 'sources')
    """
    names = [info.alias or name for name, info in model.model_fields.items()]
    return (*(n for n in names if n != "sources"), *(["sources"] if "sources" in names else []))


def record_field(model: type[BaseModel], key: str) -> Any:
    """The pydantic ``FieldInfo`` of the field with YAML key ``key`` (an alias or a name)."""
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    raise KeyError(f"{model.__name__} has no field {key!r}")


def flat_columns(fields: tuple[str, ...]) -> tuple[str, ...]:
    """``fields`` with each mapping field replaced by its flat columns (:data:`FLAT_COLUMNS`).

    >>> flat_columns(("id", "amount", "sources"))
    ('id', 'amount_value', 'amount_currency', 'sources')
    """
    return tuple(c for f in fields for c in FLAT_COLUMNS.get(f, (f,)))


#: The fields of an actor and of a relation (YAML keys, model order, ``sources`` last).
ACTOR_FIELDS = record_fields(Actor)
RELATION_FIELDS = record_fields(Relation)
