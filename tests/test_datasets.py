"""mediphi.datasets.read_parquet: a stage's small inputs read in the driver, the same rows in the
same order as Ray Data's own read."""
from __future__ import annotations

import pyarrow as pa
import pytest
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


def test_resumable_map_sends_only_the_rows_an_earlier_attempt_did_not_write(ray_session, tmp_path):
    """What a crashed generation pass left (one finished file, one half-written) is kept and redone
    respectively: only the missing rows go through the function again."""
    import ray

    from mediphi.datasets import resumable_map

    folder = tmp_path / "pass"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist([{"row_id": i, "text": f"t{i}", "reply": "earlier"} for i in (0, 1, 2)]),
                   folder / "finished.parquet")
    pq.write_table(pa.Table.from_pylist([{"row_id": 3, "text": "t3", "reply": "lost"}]), folder / "cut.parquet")
    data = (folder / "cut.parquet").read_bytes()
    (folder / "cut.parquet").write_bytes(data[: len(data) // 2])  # the attempt died while writing it
    ds = ray.data.from_items([{"row_id": i, "text": f"t{i}"} for i in range(6)])

    def reply(d):
        return d.map(lambda r: {**r, "reply": f"new {r['row_id']}"})

    rows = sorted(resumable_map(ds, folder, reply).take_all(), key=lambda r: r["row_id"])
    assert [(r["row_id"], r["reply"]) for r in rows] == [(0, "earlier"), (1, "earlier"), (2, "earlier"),
                                                        (3, "new 3"), (4, "new 4"), (5, "new 5")]
    assert not (folder / "cut.parquet").exists()
    # Everything written: a third attempt sends nothing through the function.
    again = resumable_map(ds, folder, lambda d: pytest.fail("no row is left to redo"))
    assert sorted(r["row_id"] for r in again.take_all()) == list(range(6))
