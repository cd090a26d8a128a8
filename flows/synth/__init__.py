"""Synthetic landing zone for demos and scale runs: judgments and monitor observations in our
JSONL contract (``docs/landing-contract.md``), with real court names and codes from the seeds."""

from flows.synth.landing import SynthSummary, generate_landing

__all__ = ["SynthSummary", "generate_landing"]
