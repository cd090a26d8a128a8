"""Publishing policy for curated datasets: every sensitive variable must say how it is redacted.

A codebook marks variables that may identify a victim or a minor ``sensitive``. Such a
variable is published only redacted (``redaction: names``) or never (``redaction: drop``); a
sensitive variable with neither blocks the dataset's publishing outright.
"""

from __future__ import annotations

from flows.curation.codebook import Codebook
from flows.privacy.gate import PrivacyError


def unredacted_sensitive(codebook: Codebook) -> list[str]:
    """Sensitive variables with no redaction configured."""
    return [variable.name for variable in codebook.variables if variable.sensitive and variable.redaction is None]


def check_codebook_redaction(codebook: Codebook) -> None:
    """Raise :class:`PrivacyError` if a sensitive variable of ``codebook`` would be published as is."""
    missing = unredacted_sensitive(codebook)
    if missing:
        raise PrivacyError(
            f"dataset {codebook.name}: sensitive variables {', '.join(missing)} have no redaction; publishing is "
            f"blocked: set `redaction: names` or `redaction: drop` for them in datapackages/{codebook.name}/codebook.yaml",
            [],
        )


def check_dataset_redaction(dataset: str) -> None:
    """The publishing check for ``dataset``: a no-op unless it is a curated dataset with a codebook."""
    from flows.curation.codebook import codebook_datasets, load_codebook

    if dataset in codebook_datasets():
        check_codebook_redaction(load_codebook(dataset))
