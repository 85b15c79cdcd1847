"""Validation names the file and the field, and reports every problem at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.validation import KnowledgeError
from tests.conftest import load_yaml


def edit_role(kb_dir: Path, slug: str, change) -> None:
    path = kb_dir / "roles" / f"{slug}.yaml"
    data = load_yaml(path)
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def problems(kb_dir: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge_dir(kb_dir)
    return info.value.problems


def test_repository_knowledge_is_valid() -> None:
    knowledge = load_knowledge_dir(Path(__file__).resolve().parents[2] / "knowledge")
    assert {"mlops-engineer", "ai-product-manager"} <= set(knowledge.roles)


def test_remote_share_over_100(kb_dir: Path) -> None:
    edit_role(kb_dir, "mlops-engineer", lambda d: d["stats"][0].update(remote_pct=109))
    assert problems(kb_dir) == [
        "knowledge/roles/mlops-engineer.yaml: stats[0].remote_pct: 109 is not a percentage (0 to 100)"
    ]


def test_many_problems_reported_together(kb_dir: Path) -> None:
    def break_it(d: dict) -> None:
        d["stats"][0]["salary"]["avg_low"] = 300000
        d["stats"][0]["salary"]["median"] = "lots"
        d["stats"][0]["experience"]["senior"] = 50
        d["stats"][0]["source"] = "nowhere"
        d["colour"] = "blue"

    edit_role(kb_dir, "ai-product-manager", break_it)
    found = problems(kb_dir)
    prefix = "knowledge/roles/ai-product-manager.yaml: "
    assert prefix + "colour: is not a known field" in found
    assert prefix + "stats[0].source: 'nowhere' is not a source listed in sources.yaml" in found
    assert prefix + "stats[0].salary.median: 'lots' is not a number" in found
    assert any(p.startswith(prefix + "stats[0].salary.avg_low: 300000 is above avg_high") for p in found)
    assert any(p.startswith(prefix + "stats[0].experience: shares add up to") for p in found)


def test_negative_salary_and_bad_count(kb_dir: Path) -> None:
    def break_it(d: dict) -> None:
        d["stats"][0]["salary"]["p75"] = -5
        d["stats"][0]["open_positions"] = 2.5

    edit_role(kb_dir, "mlops-engineer", break_it)
    found = problems(kb_dir)
    assert "knowledge/roles/mlops-engineer.yaml: stats[0].salary.p75: -5 is not a positive salary" in found
    assert ("knowledge/roles/mlops-engineer.yaml: stats[0].open_positions: "
            "2.5 is not a whole number of zero or more") in found


def test_alias_used_by_two_roles(kb_dir: Path) -> None:
    edit_role(kb_dir, "ai-product-manager", lambda d: d["aliases"].append("ML-Ops"))
    found = problems(kb_dir)
    # Files load in name order, so the clash is reported on the second file to claim it.
    assert found
    assert all("is already used by knowledge/roles/ai-product-manager.yaml" in p for p in found)
    assert any(p.startswith("knowledge/roles/mlops-engineer.yaml: aliases[0]: 'mlops'") for p in found)


def test_broken_yaml_names_the_line(kb_dir: Path) -> None:
    path = kb_dir / "roles" / "mlops-engineer.yaml"
    lines = path.read_text().splitlines()
    lines[3] = "focus: [unclosed"
    path.write_text("\n".join(lines))
    found = problems(kb_dir)
    assert found[0].startswith("knowledge/roles/mlops-engineer.yaml: line ")


def test_slug_must_match_file_name(kb_dir: Path) -> None:
    edit_role(kb_dir, "mlops-engineer", lambda d: d.update(slug="ml-ops"))
    assert any("slug: 'ml-ops' does not match the file name 'mlops-engineer'" in p
               for p in problems(kb_dir))


def test_cli_validate_reports_and_writes_nothing(kb_dir: Path, tmp_path: Path) -> None:
    edit_role(kb_dir, "mlops-engineer", lambda d: d["stats"][0].update(remote_pct=109))
    db = tmp_path / "never.db"
    env = {"CAREERBOT_KNOWLEDGE_DIR": str(kb_dir), "CAREERBOT_DB": str(db), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "bot", "kb", "validate"], env=env,
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "stats[0].remote_pct: 109 is not a percentage" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


def test_an_impossible_date_in_a_file_is_a_problem_not_a_crash(kb_dir: Path) -> None:
    # YAML reads 2025-02-30 as a date and raised ValueError out of the loader.
    path = kb_dir / "roles" / "mlops-engineer.yaml"
    text = path.read_text(encoding="utf-8")
    as_of = load_yaml(path)["stats"][0]["as_of"]
    path.write_text(text.replace(f"as_of: '{as_of}'", "as_of: 2025-02-30")
                    .replace(f'as_of: "{as_of}"', "as_of: 2025-02-30"), encoding="utf-8")
    assert "2025-02-30" in path.read_text(encoding="utf-8")
    assert problems(kb_dir) == [
        "knowledge/roles/mlops-engineer.yaml: stats[0].as_of: '2025-02-30' is not a date that exists"
    ]


def test_a_role_file_over_the_limits_names_each_field_and_limit(kb_dir: Path) -> None:
    def change(data: dict) -> None:
        data["name"] = "N" * 200
        data["stats"][0]["salary"]["median"] = float("inf")
        data["stats"][0]["open_positions"] = 10**12

    edit_role(kb_dir, "mlops-engineer", change)
    prefix = "knowledge/roles/mlops-engineer.yaml: "
    found = problems(kb_dir)
    assert prefix + "name: is 200 characters; the limit is 80" in found
    assert prefix + "stats[0].salary.median: inf is not a finite number" in found
    assert (prefix + "stats[0].open_positions: 1000000000000 is above the limit for a count, "
            "1,000,000,000") in found


def test_a_deeply_nested_file_is_a_problem_not_a_crash(kb_dir: Path) -> None:
    path = kb_dir / "faq" / "deep.yaml"
    path.write_text("faq: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    assert problems(kb_dir) == ["knowledge/faq/deep.yaml: line 1: lists and mappings are "
                                "nested more than 20 levels deep; the limit is 20"]
