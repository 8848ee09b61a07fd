"""The kinds of place a connection can name (a local folder, DBFS, a Unity Catalog volume, S3, Azure,
PostgreSQL, a DuckDB file) and the shape each location must have, checked before anything is stored.

Object-store locations are those the workload's file layer reads (`lakerun.engines.locations`), so a
connection accepts exactly the URLs `lakerun profile` opens.

Secrets never sit in a location: a database URL carrying a password, or an object-store URL carrying
credentials, is refused; a whole URL may be given as an `env:NAME` reference the task resolves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lakerun.engines.locations import AZURE_SCHEMES, READABLE_SCHEMES, S3_SCHEMES, unreadable_scheme
from lakerun.errors import InvalidInputError

ENV_REFERENCE = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")
RESERVED_ENV = frozenset(
    {"LAKERUN_SERVER_KEY", "LAKERUN_ADMIN_TOKEN", "LAKERUN_API_TOKEN", "LAKERUN_DATABASE_URL"}
)
_S3 = re.compile(r"^[a-z0-9]+://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
_AZURE = re.compile(r"^[a-z]+://(?P<container>[^/@]*)(@(?P<host>[^/]*))?(/.*)?$")
_CONTAINER = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_AZURE_HOST = re.compile(r"^[a-z0-9]{3,24}\.(?P<endpoint>dfs|blob)\.core\.windows\.net$")
_AZURE_ENDPOINT = {"abfss": "dfs", "abfs": "dfs", "wasbs": "blob", "wasb": "blob"}
_VOLUMES = re.compile(r"^/Volumes/[^/]+/[^/]+/[^/]+(/.*)?$")
_POSTGRES = re.compile(r"^postgres(ql)?(\+psycopg)?://[^\s]+$")
_PASSWORD_IN_URL = re.compile(r"^[a-z0-9+]+://[^/@]*:[^/@]*@", re.IGNORECASE)
_PASSWORD_PARAMETER = re.compile(r"[?&](ssl)?password=", re.IGNORECASE)
_CREDENTIALS_IN_URL = re.compile(r"^[a-z0-9+]+://[^/@]*@", re.IGNORECASE)


class FieldError(InvalidInputError):
    """Bad input in one named field, so a form can show the message next to it and the API name it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SourceType:
    """One kind of place: the stored connection kind it maps to, a label and an example location."""

    key: str
    kind: str
    label: str
    example: str


SOURCE_TYPES = (
    SourceType("local", "files", "Local folder", "/srv/data/shop"),
    SourceType("dbfs", "files", "DBFS", "dbfs:/mnt/shop"),
    SourceType("volumes", "files", "Unity Catalog volume", "/Volumes/main/sales/landing/shop"),
    SourceType("s3", "files", "Amazon S3", "s3://my-bucket/shop"),
    SourceType("abfss", "files", "Azure Data Lake Storage", "abfss://landing@myaccount.dfs.core.windows.net/shop, az://landing/shop or wasbs://landing@myaccount.blob.core.windows.net/shop"),
    SourceType("postgresql", "postgresql", "PostgreSQL", "postgresql://reader@db.internal:5432/shop or env:SHOP_DB_URL"),
    SourceType("duckdb", "duckdb", "DuckDB file", "/srv/data/shop.duckdb"),
)  # fmt: skip
BY_KEY = {source.key: source for source in SOURCE_TYPES}


def source_type(key: str) -> SourceType:
    """The source type named `key`; a FieldError on `source` lists the known ones."""
    if key not in BY_KEY:
        raise FieldError("source", f"{key!r} is not one of {', '.join(BY_KEY)}")
    return BY_KEY[key]


def source_type_of(kind: str, location: str) -> SourceType:
    """The source type a stored connection is of, read back from its kind and location."""
    if kind != "files":
        return BY_KEY.get(kind, BY_KEY["local"])
    for prefix, key in (("dbfs:", "dbfs"), ("/Volumes/", "volumes")):
        if location.startswith(prefix):
            return BY_KEY[key]
    scheme = _scheme(location)
    if scheme in S3_SCHEMES:
        return BY_KEY["s3"]
    return BY_KEY["abfss"] if scheme in AZURE_SCHEMES else BY_KEY["local"]


def _scheme(location: str) -> str:
    """The lower-cased URL scheme of a location, '' for a path."""
    head, sep, _ = location.partition("://")
    return head.lower() if sep else ""


def holds_secret(location: str) -> bool:
    """True when a location carries a password, so it must never be shown back."""
    return bool(_PASSWORD_IN_URL.match(location) or _PASSWORD_PARAMETER.search(location))


def check_reference(location: str) -> None:
    """An `env:NAME` reference must name a variable, and never one holding the control plane's own secrets."""
    if not ENV_REFERENCE.match(location):
        raise FieldError("location", "a reference must look like env:NAME (letters, digits, underscores)")
    if location.removeprefix("env:") in RESERVED_ENV:
        raise FieldError("location", f"{location} names the control plane's own secret; it is never used")


def check_location(source: SourceType, location: str) -> None:
    """Raises a FieldError on `location` unless it has the shape `source` needs and carries no secret."""
    if not location.strip() or location != location.strip():
        raise FieldError("location", "give a location with no leading or trailing spaces")
    if holds_secret(location):
        raise FieldError("location", "the URL holds a password; give the whole URL as env:NAME instead")
    if location.startswith("env:"):
        if source.kind == "files":
            raise FieldError("location", "a folder or bucket path is not a secret: give it in clear")
        check_reference(location)
        return
    problem = _SHAPE_CHECKS[source.key](location)
    if problem:
        raise FieldError("location", f"{problem} (for example {source.example})")


def _readable(location: str) -> str | None:
    """What is wrong with a URL whose scheme the file layer cannot read, None otherwise."""
    scheme = unreadable_scheme(location)
    if scheme is None:
        return None
    return f"{scheme}:// is not a location lakerun reads; object stores are {', '.join(READABLE_SCHEMES)}"


def _local(location: str) -> str | None:
    if "://" in location and (problem := _readable(location)):
        return problem
    if "://" in location or location.startswith(("dbfs:", "/Volumes/")):
        return "a local folder is a plain absolute path; pick the matching source for URLs and volumes"
    return None if location.startswith("/") else "a local folder must be an absolute path"


def _dbfs(location: str) -> str | None:
    ok = location.startswith("dbfs:/") and len(location.rstrip("/")) > len("dbfs:")
    return None if ok else "a DBFS location starts with dbfs:/ and names a folder"


def _volumes(location: str) -> str | None:
    ok = _VOLUMES.match(location)
    return None if ok else "a volume path is /Volumes/<catalog>/<schema>/<volume>[/folder]"


def _s3(location: str) -> str | None:
    if _scheme(location) not in S3_SCHEMES:
        return (
            _readable(location) or f"an S3 location starts with {' or '.join(f'{s}://' for s in S3_SCHEMES)}"
        )
    if _CREDENTIALS_IN_URL.match(location):
        return "credentials do not belong in the URL; the workspace's own S3 credentials are used"
    return (
        None if _S3.match(location) else "an S3 location is s3://<bucket>[/prefix] with a valid bucket name"
    )


def _abfss(location: str) -> str | None:
    scheme = _scheme(location)
    if scheme not in AZURE_SCHEMES:
        schemes = ", ".join(f"{s}://" for s in AZURE_SCHEMES)
        return _readable(location) or f"an Azure location starts with one of {schemes}"
    found = _AZURE.match(location)
    host = found.group("host") if found else None
    if scheme == "az" and host is not None:
        return "an az:// location is az://<container>[/path]; the account comes from the workspace"
    if host is not None:
        endpoint = _AZURE_HOST.match(host)
        wanted = _AZURE_ENDPOINT[scheme]
        if not endpoint or endpoint.group("endpoint") != wanted:
            return f"{scheme}:// names the account as {scheme}://<container>@<account>.{wanted}.core.windows.net[/path]"
    if not found or not _CONTAINER.match(found.group("container")):
        return "an Azure container name is 3 to 63 lower-case letters, digits and single hyphens"
    return None


def _postgresql(location: str) -> str | None:
    ok = _POSTGRES.match(location)
    return None if ok else "a PostgreSQL location is postgresql://user@host[:port]/database or env:NAME"


def _duckdb(location: str) -> str | None:
    path = location.removeprefix("duckdb:///")
    return None if path.startswith("/") else "a DuckDB file is an absolute path (or duckdb:///absolute/path)"


_SHAPE_CHECKS = {
    "local": _local,
    "dbfs": _dbfs,
    "volumes": _volumes,
    "s3": _s3,
    "abfss": _abfss,
    "postgresql": _postgresql,
    "duckdb": _duckdb,
}
