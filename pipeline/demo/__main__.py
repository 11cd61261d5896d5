"""CLI: `python -m pipeline.demo --out data/raw/demo --institution icr [--seed N] [--scale F]`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipeline.demo.generator import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.demo", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="raw folder to write")
    parser.add_argument("--institution", default="icr", help="institution configuration name")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--scale", type=float, default=1.0, help="headcount multiplier")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out = generate(args.out, institution=args.institution, seed=args.seed, scale=args.scale)
    print(f"Demo data for {args.institution} written to {out} "
          f"({time.perf_counter() - started:.1f} s); answer key in {out / 'answer_key'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
