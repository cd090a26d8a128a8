"""Curated datasets driven by codebooks: researchers' CSV/XLSX files, checked and typed.

``ingest_curation(landing, work, scratch)`` reads ``<landing>/curation/<dataset>/`` against
``datapackages/<dataset>/codebook.yaml``; :mod:`flows.curation.generate` derives the dbt models,
GX suites and Frictionless schemas from the same codebooks.
"""

from flows.curation.codebook import Codebook, Variable, codebook_datasets, load_codebook
from flows.curation.ingest import CurationFileReport, CurationReport, ingest_curation
from flows.curation.match import match_rates, raw_curation_dir

__all__ = [
    "Codebook", "CurationFileReport", "CurationReport", "Variable", "codebook_datasets", "ingest_curation",
    "load_codebook", "match_rates", "raw_curation_dir",
]  # fmt: skip
