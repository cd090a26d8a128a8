"""How to cite a version: the one-line suggested citation and ``CITATION.cff`` (Citation File Format 1.2).

Both come from the dataset's ``datapackage.yaml`` and the version's number and date, so every
version folder says exactly which version a citation refers to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml

from flows.publish.datasets import DatasetSpec

CFF_VERSION = "1.2.0"


def suggested_citation(spec: DatasetSpec, version: str, created: datetime) -> str:
    return spec.citation.format(title=spec.title, version=version, year=created.year, id=f"{spec.name}@{version}")


def citation_cff(spec: DatasetSpec, version: str, created: datetime) -> str:
    """The version's ``CITATION.cff`` text (stable key order, UTF-8)."""
    document: dict[str, Any] = {
        "cff-version": CFF_VERSION,
        "message": "If you use this dataset, please cite this version of it as below.",
        "type": "dataset",
        "title": spec.title,
        "abstract": spec.description,
        "version": version,
        "date-released": created.strftime("%Y-%m-%d"),
        "authors": [{"name": c.get("title") or c.get("name", "unknown")} for c in spec.contributors]
        or [{"name": "Wenshu Open Archive maintainers"}],
        "identifiers": [
            {
                "type": "other",
                "value": f"wenshu-open-archive/{spec.name}/{version}",
                "description": "Dataset id and version in the Wenshu Open Archive store",
            }
        ],
        "keywords": spec.keywords,
    }
    spdx = [license["name"] for license in spec.licenses if license.get("name")]
    if spdx:
        document["license"] = spdx[0] if len(spdx) == 1 else spdx
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
