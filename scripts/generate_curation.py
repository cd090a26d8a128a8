"""Write the files derived from the curated datasets' codebooks (datapackages/*/codebook.yaml).

For each codebook: the dbt staging model and yml (dbt_project/models/staging/curation/), the
mart and its contract yml (dbt_project/models/marts/curation/) and the GX suite
(expectations/curation_<table>.json). Run it after editing a codebook and commit the result;
``--check`` exits 1 if a generated file is missing or out of date (a test does the same).

    uv run --frozen python scripts/generate_curation.py [--check]
"""

from __future__ import annotations

import argparse
import sys

from flows.curation.codebook import codebook_datasets, load_codebook
from flows.curation.generate import drifted, generated_files
from flows.privacy.policy import check_codebook_redaction


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report drift (exit 1), write nothing")
    args = parser.parse_args()
    codebooks = [load_codebook(name) for name in codebook_datasets()]
    for codebook in codebooks:
        check_codebook_redaction(codebook)
    if args.check:
        stale = drifted(codebooks)
        for path in stale:
            print(f"out of date: {path}")
        return 1 if stale else 0
    for codebook in codebooks:
        for path, content in generated_files(codebook).items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
