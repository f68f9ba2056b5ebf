"""The DuckDB mirror as a source: laid out as `py-autotask sync` writes it (file `autotask.duckdb`, schema
`autotask`, dlt's snake_case names, a `picklist_values` table), it gives every report exactly the table the
Parquet export of the same tenant gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from py_autotask.analytics import open_source
from py_autotask.analytics.reports import REPORTS, run
from py_autotask.analytics.schema import snake_case
from py_autotask.analytics.source import SourceError

from .._clock import SANDBOX_NOW
from .conftest import Tenant

duckdb = pytest.importorskip("duckdb")


def _mirror(tenant: Tenant, path: Path) -> None:
    """The tenant's Parquet files copied into a mirror-shaped DuckDB file (label columns become picklists).

    Written with catalog.schema.table names, so it works whatever the file is called (a file named
    autotask.duckdb makes "autotask.x" ambiguous).
    """
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA autotask")
    picklists = []
    for file in sorted(tenant.directory.glob("*.parquet")):
        relation = f"read_parquet('{file}')"
        names = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
        plain = [n for n in names if not n.endswith("_label")]
        columns = ", ".join(f'"{n}" AS {snake_case(n)}' for n in plain)
        con.execute(f"CREATE TABLE {path.stem}.autotask.{snake_case(file.stem)} AS SELECT {columns} FROM {relation}")
        for name in names:
            if name.endswith("_label") and name[:-6] in plain:
                picklists.append(f"SELECT DISTINCT '{file.stem}' AS entity, '{name[:-6]}' AS field, "
                                 f"CAST(\"{name[:-6]}\" AS VARCHAR) AS value, \"{name}\" AS label, TRUE AS is_active, "
                                 f"CAST(NULL AS INTEGER) AS sort_order FROM {relation} WHERE \"{name[:-6]}\" IS NOT NULL")
    con.execute(f"CREATE TABLE {path.stem}.autotask.picklist_values AS " + " UNION ".join(picklists))
    con.close()


def test_every_report_is_the_same_from_the_mirror(tenant: Tenant, tmp_path: Path) -> None:
    mirror = tmp_path / "autotask_mirror.duckdb"
    _mirror(tenant, mirror)
    with open_source(mirror, now=SANDBOX_NOW) as from_mirror, \
            open_source(tenant.directory, now=SANDBOX_NOW) as from_parquet:
        assert from_mirror.kind == "duckdb" and from_parquet.kind == "parquet"
        assert from_mirror.calendar.zone_name == from_parquet.calendar.zone_name == "Australia/Sydney"
        compared = 0
        for name, report in REPORTS.items():
            for by in {report.default_by} | ({"month", "resource"} & set(report.dimensions)):
                expected = run(from_parquet, name, by=by)
                assert run(from_mirror, name, by=by).equals(expected), (name, by)
                compared += expected.num_rows
        assert compared > 200


def test_a_duckdb_file_that_is_no_mirror_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t AS SELECT 1 AS x").close()
    with pytest.raises(SourceError, match="no 'autotask' schema"):
        open_source(other)
