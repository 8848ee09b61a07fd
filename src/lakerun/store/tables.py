"""The table registry: importing it puts every table of the control plane on one `metadata`.

Migrations, schema comparisons and database opening read `metadata` from here, so a table module
only has to be listed once and no table module needs to import another.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from lakerun.store import flows, intents, models, profiling, repair_refusals, secret_deletions
from lakerun.store import metadata as ingest
from lakerun.store.base import Base

TABLE_MODULES = (models, flows, intents, ingest, profiling, repair_refusals, secret_deletions)
metadata: MetaData = Base.metadata
