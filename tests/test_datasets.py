"""mediphi.datasets.read_parquet: a stage's small inputs read in the driver, the same rows in the
same order as Ray Data's own read."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq


def _write(tmp_path):
    root = tmp_path / "rows"
    (root / "sub").mkdir(parents=True)
    pq.write_table(pa.table({"id": [3, 4], "text": ["c", "d"]}), root / "b.parquet")
    pq.write_table(pa.table({"id": [1, 2], "text": ["a", "b"]}), root / "a.parquet")
    pq.write_table(pa.table({"id": [5], "text": ["e"]}), root / "sub" / "c.parquet")
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": [9], "text": ["z"]}), other)
    return root, other


def test_small_inputs_are_read_in_the_driver_as_ray_data_reads_them(ray_session, tmp_path):
    from mediphi.datasets import read_parquet

    root, other = _write(tmp_path)
    small = read_parquet([root, other], columns=["id"])
    # Arrow blocks already in the object store: no read tasks behind the dataset.
    assert "Read" not in str(small._logical_plan.dag)
    assert small.num_blocks() == 4  # one per file, as a Parquet read gives
    assert small.take_all() == [{"id": i} for i in (1, 2, 3, 4, 5, 9)]  # path order, then file order


def test_large_inputs_stream_through_ray_datas_read(ray_session, tmp_path):
    from mediphi.datasets import read_parquet

    root, _ = _write(tmp_path)
    ds = read_parquet(root, driver_max_bytes=0)
    assert "Read" in str(ds._logical_plan.dag)
    assert sorted(r["id"] for r in ds.take_all()) == [1, 2, 3, 4, 5]
