"""Places of both eras: codes valid by period, the official list, own units and lineage.

Facts checked here come from the pinned official list (vietnamadminunits 1.0.4) and
from `shared/spec/places.md`: 07615 is Thị trấn An Châu until 30/06/2025 and Xã Sơn
Động from 01/07/2025; new Lạng Sơn has 65 communes; old Chi Lăng had 20.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from data_access import db, migrations, places
from data_access.__main__ import main
from data_access.intake import apply_import, prepare_import
from data_access.models import DataValue, OrgUnit, OrgUnitMerger
from data_access.seed import seed_sample
from data_access.targets import load_plan
from tests.conftest import REPO

PLAN = load_plan(REPO / "targets.yaml")
HEADER = "commune_code,commune_name,year,period,data_element,value"


def _file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_migration_0004_keeps_every_figure_and_lets_a_code_name_two_units(backend, db_factory):
    url = db_factory.new(backend)
    engine = db.get_engine(url)
    migrations.upgrade(engine, "0003")
    seed_sample(engine)
    with engine.connect() as conn:
        before = conn.execute(select(func.count(), func.sum(DataValue.value), func.sum(DataValue.org_unit_id))).one()
    migrations.upgrade(engine, "0004")
    assert migrations.current_revision(engine) == "0004"
    with engine.connect() as conn:
        after = conn.execute(select(func.count(), func.sum(DataValue.value), func.sum(DataValue.org_unit_id))).one()
    assert after == before  # same figures on the same units
    places.load_official(engine, ["Bắc Ninh"])
    with engine.connect() as conn:
        rows = conn.execute(
            select(OrgUnit.full_name, OrgUnit.valid_from, OrgUnit.valid_to).where(OrgUnit.code == "07615")
        ).all()
        assert conn.execute(select(func.count(), func.sum(DataValue.value))).one()[0] == before[0]
    names = {r.full_name: (r.valid_from, r.valid_to) for r in rows}
    assert names["Thị trấn An Châu"][1] == date(2025, 6, 30)
    assert names["Xã Sơn Động"] == (date(2025, 7, 1), None)
    # The same code may not start twice on the same day.
    with pytest.raises(Exception), engine.begin() as conn:  # noqa: B017 - IntegrityError of either driver
        conn.execute(
            text(
                "INSERT INTO org_unit (code, name, full_name, type, level, path, depth, valid_from) "
                "VALUES ('07615', 'X', 'Xã X', 'xã', 'commune', '/24/07615/', 1, '2025-07-01')"
            )
        )


def test_load_official_lang_son_gives_65_new_communes_and_keeps_chi_lang_20(seeded_url):
    engine = db.get_engine(seeded_url)
    result, _listing = places.load_official(engine, ["Lạng Sơn"])
    assert result.ok and result.lineage_added > 0
    new_tree = places.tree_on(engine, date(2026, 6, 30), "Lạng Sơn")
    assert sum(1 for r in new_tree if r["level"] == "commune") == 65
    assert all(r["parent_code"] == "20" for r in new_tree if r["level"] == "commune")
    old_tree = places.tree_on(engine, date(2024, 12, 31), "Chi Lăng")
    assert sum(1 for r in old_tree if r["level"] == "commune") == 20
    assert places.tree_on(engine, date(2026, 6, 30), "Chi Lăng") is None or all(
        r["level"] == "commune" for r in places.tree_on(engine, date(2026, 6, 30), "Chi Lăng")
    )
    # Every old Chi Lăng commune went somewhere, its shares summing to 1.
    with engine.connect() as conn:
        old_ids = (
            conn.execute(select(OrgUnit.id).where(OrgUnit.path.like("/20/187/%"), OrgUnit.level == "commune"))
            .scalars()
            .all()
        )
        shares = conn.execute(
            select(OrgUnitMerger.old_unit_id, func.sum(OrgUnitMerger.share))
            .where(OrgUnitMerger.old_unit_id.in_(old_ids))
            .group_by(OrgUnitMerger.old_unit_id)
        ).all()
    assert len(shares) == 20 and all(abs(s - 1) < 1e-6 for _, s in shares)
    again, _ = places.load_official(engine, ["Lạng Sơn"])
    assert (again.added, again.changed, again.lineage_added) == (0, 0, 0)
    assert again.unchanged == result.added + result.changed + result.unchanged


def test_code_07615_lands_on_the_unit_of_the_file_period_and_neither_overwrites(seeded_url):
    engine = db.get_engine(seeded_url)
    places.load_official(engine, ["Bắc Ninh"])
    old = prepare_import(engine, PLAN, _file("07615,An Châu,2024,FY,children_total,1111"), "2024.csv")
    assert old.ok, [i.message() for i in old.issues]
    apply_import(engine, old, "tester")
    new = prepare_import(engine, PLAN, _file("07615,Sơn Động,2026,H1,children_total,9999"), "2026.csv")
    assert new.ok, [i.message() for i in new.issues]
    apply_import(engine, new, "tester")
    with engine.connect() as conn:
        stored = {
            (y, name): v
            for y, name, v in conn.execute(
                select(DataValue.year, OrgUnit.full_name, DataValue.value)
                .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
                .where(OrgUnit.code == "07615", DataValue.data_element_id == "children_total")
                .where(
                    ((DataValue.year == 2024) & (DataValue.period == "FY"))
                    | ((DataValue.year == 2026) & (DataValue.period == "H1"))
                )
            )
        }
    assert stored == {(2024, "Thị trấn An Châu"): 1111.0, (2026, "Xã Sơn Động"): 9999.0}


def test_a_name_of_the_other_era_says_which_era_the_period_belongs_to(seeded_url):
    engine = db.get_engine(seeded_url)
    places.load_official(engine, ["Bắc Ninh"])
    preview = prepare_import(engine, PLAN, _file("07615,Thị trấn An Châu,2025,FY,children_total,5"), "x.csv")
    assert not preview.ok
    text_vi = preview.issues[0].message("vi")
    assert "31/12/2025" in text_vi and "Xã Sơn Động" in text_vi and "dòng 2" in text_vi.lower()
    # 2025 H1 still belongs to the old commune.
    h1 = prepare_import(engine, PLAN, _file("07615,Thị trấn An Châu,2025,H1,children_total,5"), "y.csv")
    assert not [
        i for i in h1.issues if i.key.startswith(("intake_error_name", "intake_error_commune", "intake_error_code"))
    ]
    both = prepare_import(
        engine,
        PLAN,
        _file("07615,,2024,FY,children_total,5", "07615,,2026,H1,children_total,6"),
        "z.csv",
    )
    assert not both.ok and any("07615" in issue.message("vi") and issue.row == 3 for issue in both.issues)


def test_places_import_and_lineage_are_all_or_nothing_with_rows(seeded_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    engine = db.get_engine(seeded_url)
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,type,parent_code,valid_from,valid_to\n"
        "99001,Hợp Nhất,xã,220,01/01/2026,\n"
        "99002,Bản Mới,thôn,99001,2026-01-01,\n"
        "99003,,xã,220,01/01/2026,\n"
        "99004,Sai Ngày,xã,220,32/01/2026,\n",
        encoding="utf-8",
    )
    assert main(["places", "import", str(units)]) == 1
    err = capsys.readouterr().err
    assert "dòng 4" in err.lower() and "dòng 5" in err.lower() and "Traceback" not in err
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(OrgUnit.code.like("9900%"))).scalar() == 0
    units.write_text(
        "code,name,type,parent_code,valid_from,valid_to\n"
        "99002,Bản Mới,thôn,99001,2026-01-01,\n"
        "99001,Hợp Nhất,xã,220,01/01/2026,\n",
        encoding="utf-8",
    )
    assert main(["places", "import", str(units)]) == 0
    assert "thêm 2" in capsys.readouterr().out
    with engine.connect() as conn:
        levels = dict(conn.execute(select(OrgUnit.code, OrgUnit.level).where(OrgUnit.code.like("9900%"))).all())
    assert levels == {"99001": "commune", "99002": "village"}
    lineage = tmp_path / "lineage.csv"
    lineage.write_text(
        "old_code,new_code,share,effective_date\n07654,99001,1,01/01/2026\n07663,99001,0.5,01/01/2026\n",
        encoding="utf-8",
    )
    assert main(["places", "lineage", str(lineage)]) == 1
    assert "07663" in capsys.readouterr().err
    lineage.write_text(
        "old_code,new_code,share,effective_date\n07654,99001,1,01/01/2026\n07663,99001,1,01/01/2026\n",
        encoding="utf-8",
    )
    assert main(["places", "lineage", str(lineage)]) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(OrgUnitMerger)).scalar() == 2


def test_places_cli_load_official_list_and_unknown_province(seeded_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    assert main(["places", "load-official", "--province", "Hà Tĩnh Mới"]) == 1
    assert "Hà Tĩnh Mới" in capsys.readouterr().err
    assert main(["places", "load-official", "--province", "Lạng Sơn"]) == 0
    out = capsys.readouterr().out
    assert "vietnamadminunits 1.0.4" in out and "MIT" in out
    assert main(["places", "list", "--area", "Lạng Sơn", "--on", "01/01/2026", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "code,name,type,level,parent_code,valid_from,valid_to"
    assert len(lines) == 1 + 1 + 65


def test_boundaries_attach_by_code_and_list_the_rest(seeded_url):
    engine = db.get_engine(seeded_url)
    places.load_official(engine, ["Bắc Ninh"])
    geo = REPO.parent / "shared" / "geo" / "post-2025" / "bac_ninh_2025.geojson"
    if not geo.is_file():
        pytest.skip("shared/geo not beside the repository")
    result = places.attach_boundaries(engine, geo, "2025")
    assert result.ok and result.boundaries == 99 and result.unmatched == [] and result.without_boundary == []
    with engine.connect() as conn:
        row = conn.execute(
            select(OrgUnit.boundary, OrgUnit.centroid_lat)
            .where(OrgUnit.code == "07615", OrgUnit.valid_from.is_not(None))
            .where(OrgUnit.valid_from >= date(2025, 7, 1))
        ).one()
    assert row.boundary and '"Polygon"' in row.boundary and 21 < row.centroid_lat < 21.6


def test_a_lang_son_plan_of_2025_fy_compares_new_communes_with_their_2024_predecessors(seeded_url):
    import dataclasses

    from data_access.progress import compute_progress

    engine = db.get_engine(seeded_url)
    places.load_official(engine, ["Lạng Sơn"])
    plan = dataclasses.replace(PLAN, area="Lạng Sơn")
    progress = compute_progress(engine, plan, 2025, "FY")
    assert progress.area.full_name == "Tỉnh Lạng Sơn" and len(progress.communes) == 65
    first = plan.indicators[0].id
    assert len(progress.commune_rows_of(first)) == 65
    # A new commune made only of old Chi Lăng communes: its 2024 figure is their sum.
    with engine.connect() as conn:
        lineage = conn.execute(
            text(
                "SELECT n.code, o.code, o.path, m.share FROM org_unit_merger m "
                "JOIN org_unit o ON o.id = m.old_unit_id JOIN org_unit n ON n.id = m.new_unit_id "
                "WHERE n.path LIKE '/20/%'"
            )
        ).all()
        sample = dict(
            conn.execute(
                select(OrgUnit.code, DataValue.value)
                .join(OrgUnit, OrgUnit.id == DataValue.org_unit_id)
                .where(DataValue.year == 2024, DataValue.period == "FY", DataValue.data_element_id == "children_total")
            ).all()
        )
    parts: dict[str, list[tuple[str, str, float]]] = {}
    for new, old, path, share in lineage:
        parts.setdefault(new, []).append((old, path, share))
    whole = {n: p for n, p in parts.items() if all(path.startswith("/20/187/") for _, path, _ in p) and len(p) > 1}
    assert whole, "some new commune is made of several old Chi Lăng communes"
    for new, p in whole.items():
        expected = sum(sample[old] * share for old, _, share in p)
        assert progress.previous_figures[new]["children_total"] == pytest.approx(expected)
    # The old plan still sees the old tree.
    old_plan = dataclasses.replace(PLAN, area="Chi Lăng")
    assert len(compute_progress(engine, old_plan, 2024, "FY").communes) == 20


def test_the_readme_setup_guide_prints_what_it_shows(empty_url, monkeypatch, capsys):
    """Follows "Triển khai cho tỉnh/xã của bạn": each places command, its shown output."""
    import re
    import shlex

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    guide = readme.split("## Triển khai cho tỉnh/xã của bạn", 1)[1].split("\n## ", 1)[0]
    geo = REPO.parent / "shared" / "geo" / "post-2025"
    if not geo.is_dir():
        pytest.skip("shared/geo not beside the repository")
    monkeypatch.setenv("DATABASE_URL", empty_url)
    blocks = re.findall(r"```console\n\$ python -m data_access (.+?)\n(.*?)```", guide, re.S)
    assert len(blocks) == 4
    for command, shown in blocks:
        args = [a.replace("../shared", str(REPO.parent / "shared")) for a in shlex.split(command)]
        assert main(args) == 0
        out = capsys.readouterr().out
        for want, got in zip(shown.strip().splitlines(), out.strip().splitlines(), strict=True):
            if "…" in want or "sqlite:" in want:
                continue  # timing and the database URL differ from run to run
            assert got.rstrip() == want.rstrip()


def test_a_code_alone_means_todays_unit_for_grants_scopes_and_locks(seeded_url):
    """After the reform 07615 names two units; a grant or a lock given by code alone is
    about today's commune (Xã Sơn Động), never whichever row the database returns first."""
    from data_access import access

    engine = db.get_engine(seeded_url)
    places.load_official(engine, ["Bắc Ninh"])
    with engine.connect() as conn:
        today_path = conn.execute(
            select(OrgUnit.path).where(OrgUnit.code == "07615", OrgUnit.valid_to.is_(None))
        ).scalar_one()
        old_path = conn.execute(
            select(OrgUnit.path).where(OrgUnit.code == "07615", OrgUnit.valid_to.is_not(None))
        ).scalar_one()
    assert today_path != old_path
    assert access.unit_path(engine, "07615") == today_path
