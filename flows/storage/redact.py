"""Keep credentials out of log records: at DEBUG, botocore logs every signed request.

Its canonical request and headers carry the session token (``X-Amz-Security-Token``); a
filter on the AWS libraries' loggers replaces that header's value and any known secret value
with ``***`` before a handler sees the record. (The access key id stays: it is an identifier,
not a secret, and it is what an operator needs to tell which credentials were used.)
"""

from __future__ import annotations

import logging
import re

_TOKEN_HEADER = re.compile(r"(?i)(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)([^'\"\s,}&]+)")
_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer")


class RedactCredentials(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to logging's own error path
            return True
        redacted = _TOKEN_HEADER.sub(r"\1***", message)
        for secret in self.secrets:
            redacted = redacted.replace(secret, "***")
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_FILTER = RedactCredentials()


def redact_credentials(*secrets: str | None) -> None:
    """Redact ``secrets`` (and every session token) in the AWS libraries' loggers from now on.

    A filter acts only on records of the logger it is attached to, so it goes on each existing
    logger of those libraries; call this after a client is created (their modules are loaded).
    """
    _FILTER.secrets.update(secret for secret in secrets if secret)
    names = [name for name in logging.root.manager.loggerDict if name.split(".")[0] in _LIBRARIES]
    for name in [*_LIBRARIES, *names]:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
