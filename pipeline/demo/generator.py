"""Generate the synthetic demo raw folder and its answer key, deterministically.

Layout written under `out_dir`:
- `<dataset>.csv|xlsx` for the ten datasets of the contract, with planted mess;
- `DEMO`, the marker that tells the pipeline the data is synthetic;
- `answer_key/clean/<table>.parquet` (true processed tables), `answer_key/metrics.csv`
  (true metrics per year), `answer_key/unmapped.csv` and `answer_key/mess.json`.

Each part draws from its own random stream (seed and part name), so changing one part
does not reshuffle the others, and the same seed gives byte-identical files.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import Institution, load_institution
from pipeline.demo import activity, answer_key, engagement, mess, surveys, writers
from pipeline.demo.population import Workforce, simulate_workforce
from pipeline.demo.profiles import profile_for
from pipeline.schema import DATASETS, RAW_COLUMNS

MARKER_TEXT = (
    "Synthetic demo data made by pipeline.demo (seed {seed}, scale {scale}): "
    "no real person is described here.\n"
)


def _stream(seed: int, part: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(part.encode("utf-8"))])


def _facts(inst: Institution, wf: Workforce, truth: dict[str, pd.DataFrame],
           years: list[int]) -> dict[str, dict[int, float]]:
    """Figures the activity log repeats from the other datasets (as a coordinator would)."""
    census, events = wf.census, truth["events"]
    tech_emails = set(census.loc[census["is_technical"], "email"])
    internal = events["attendee_institution"].isin(inst.internal_institutions)
    year = events["event_date"].dt.year

    def internal_at(name_start: str, extra=True) -> dict[int, float]:
        rows = events[internal & events["event_name"].str.startswith(name_start) & extra]
        return {int(y): float(n) for y, n in
                rows.groupby(rows["event_date"].dt.year)["attendee_email"].nunique().items()}

    leavers = wf.leavers[wf.leavers["is_technical"]]
    exit_rate = leavers.groupby(leavers["leave_date"].dt.year)["exit_questionnaire_completed"]
    tech_heads = census[census["is_technical"]].groupby(census["census_date"].dt.year).size()
    regs = truth["registrations"]
    it_env = regs[regs["register"].isin(["RITTech", "REnvTech"])]
    training = truth["training"]
    edi = training[(training["category"] == "EDI")
                   & training["staff_id"].isin(set(census.loc[census["is_technical"], "staff_id"]))]
    external = events[~internal & events["event_name"].str.startswith("Technical Conference")]
    return {
        "mailing_list": {int(y) + 1: float(n + 25) for y, n in tech_heads.items()},
        "public_engagement": {int(y): float(n) for y, n in events[
            internal & (events["event_type"] == "public engagement")
        ].groupby(year)["attendee_email"].nunique().items()},
        "so_presenters": internal_at("ICR Conference", (events["role"] == "presenter")
                                     & events["attendee_email"].isin(tech_emails)),
        "rits": internal_at("RITS"),
        "network_event": internal_at("Technicians' Network Annual Event"),
        "motivation": {int(y): float(n) for y, n in truth["motivation_survey"].groupby(
            truth["motivation_survey"]["submitted_at"].dt.year).size().items()},
        "exit_rate": {int(y): round(float(s.fillna(False).mean()), 3) for y, s in exit_rate},
        "external_tech_conf": {int(y): float(n) for y, n in external.groupby(
            external["event_date"].dt.year).size().items()},
        "it_env_registrations": {int(y): float(n) for y, n in it_env.groupby(
            it_env["application_date"].dt.year).size().items()},
        "edi_training": {int(y): float(n) for y, n in edi.groupby(
            edi["completed_date"].dt.year).size().items()},
    }


def build_truth(inst: Institution, seed: int, scale: float,
                years: list[int]) -> dict[str, pd.DataFrame]:
    """The true records of every dataset (canonical values, with PII), before any mess."""
    profile = profile_for(inst)
    wf = simulate_workforce(_stream(seed, "workforce"), inst, profile, years, scale)
    motivation, ambitions, themes = surveys.motivation(_stream(seed, "motivation"), wf, years)
    chosen = ambitions.groupby("response_id")["ambition"].agg(list)
    motivation["ambitions"] = motivation["response_id"].map(chosen).map(
        lambda v: v if isinstance(v, list) else [])
    truth = {
        "hr_staff": wf.census,
        "hr_leavers": wf.leavers,
        "hr_promotions": wf.promotions,
        "destinations_survey": surveys.destinations(_stream(seed, "destinations"), wf),
        "motivation_survey": motivation,
        "motivation_ambitions": ambitions,
        "motivation_comment_themes": themes,
        "staff_survey": surveys.staff_survey(_stream(seed, "staff_survey"), wf, years),
        "events": engagement.events(_stream(seed, "events"), inst, profile, wf, years),
        "registrations": engagement.registrations(
            _stream(seed, "registrations"), inst, profile, wf, years, scale),
        "training": engagement.training(_stream(seed, "training"), profile, wf, years),
    }
    truth["activity_log"] = activity.activity_log(inst, years, _facts(inst, wf, truth, years))
    return truth


def _check_target(out_dir: Path) -> None:
    """Refuse to overwrite a folder of real exports (it has data files but no DEMO marker)."""
    if not out_dir.exists() or (out_dir / "DEMO").exists():
        return
    data = [p.name for p in out_dir.iterdir() if p.suffix.lower() in (".csv", ".xlsx")]
    if data:
        raise FileExistsError(
            f"{out_dir} holds data files ({', '.join(sorted(data)[:3])}...) but no DEMO marker: "
            "refusing to overwrite what may be real exports. Choose an empty folder."
        )


def _write_raw(out_dir: Path, raws: dict[str, pd.DataFrame]) -> dict[str, dict]:
    files = {}
    for dataset in DATASETS:
        spec = mess.SPECS[dataset]
        frame = raws[dataset][list(RAW_COLUMNS[dataset])]
        headers = [writers.header(c, spec.header_style, i) for i, c in enumerate(frame.columns)]
        frame = frame.set_axis(headers, axis=1)
        for old in out_dir.glob(f"{dataset}.*"):
            old.unlink()
        path = out_dir / f"{dataset}.{spec.fmt}"
        if spec.fmt == "xlsx":
            writers.write_xlsx(frame, path)
        else:
            writers.write_csv(frame, path, spec.encoding)
        files[dataset] = {
            "file": path.name, "format": spec.fmt, "encoding": spec.encoding,
            "header_style": spec.header_style, "headers": headers,
            "data_rows": len(frame), "trailing_blank_rows": writers.TRAILING_BLANK_ROWS,
        }
    return files


def _write_key(key_dir: Path, clean: dict[str, pd.DataFrame], metrics: pd.DataFrame,
               log: dict) -> None:
    clean_dir = key_dir / "clean"
    clean_dir.mkdir(parents=True, exist_ok=True)
    for table, frame in clean.items():
        frame.to_parquet(clean_dir / f"{table}.parquet", index=False)
    metrics.to_csv(key_dir / "metrics.csv", index=False)
    unmapped = pd.DataFrame(log["unmapped"], columns=["dataset", "column", "value", "count"])
    unmapped.rename(columns={"value": "raw_value"}).to_csv(key_dir / "unmapped.csv", index=False)
    (key_dir / "mess.json").write_text(json.dumps(log, indent=2, sort_keys=True) + "\n",
                                       encoding="utf-8")


def generate(out_dir: Path | str, institution: str = "icr", seed: int = 2023,
             scale: float = 1.0, years: Iterable[int] = range(2019, 2024)) -> Path:
    """Write the demo raw folder and its answer key; return the raw folder."""
    out_dir, years = Path(out_dir), sorted(years)
    if scale <= 0 or not years:
        raise ValueError(f"scale must be positive and years non-empty (got {scale}, {years})")
    _check_target(out_dir)
    inst = load_institution(institution)
    truth = build_truth(inst, seed, scale, years)
    truth, plants = mess.plant_unmapped(truth, inst, _stream(seed, "unmapped"))
    clean = answer_key.clean_tables(truth, inst)
    metrics = answer_key.key_metrics(clean, inst, years)
    raws, log = mess.make_raw(truth, inst, plants, _stream(seed, "mess"))
    out_dir.mkdir(parents=True, exist_ok=True)
    log["files"] = _write_raw(out_dir, raws)
    log.update(institution=inst.name, seed=seed, scale=scale, years=years)
    _write_key(out_dir / "answer_key", clean, metrics, log)
    (out_dir / "DEMO").write_text(MARKER_TEXT.format(seed=seed, scale=scale), encoding="utf-8")
    return out_dir
