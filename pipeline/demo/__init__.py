"""Deterministic synthetic demo data (all ten raw datasets) and its answer key.

`generate(out_dir, institution="icr", seed=2023, scale=1.0)` writes the raw folder; see
`pipeline.demo.generator` for the layout and `pipeline.demo.mess` for the planted mess.
"""

from pipeline.demo.generator import generate

__all__ = ["generate"]
