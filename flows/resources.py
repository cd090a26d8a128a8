"""Where the project's own source folders are (the dbt project, suites, package metadata)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DATAPACKAGES_DIR = PROJECT_ROOT / "datapackages"
SHARED_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
