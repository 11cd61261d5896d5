"""Shape of each synthetic institution: headcounts, job-family and grade mix, domains.

The categories themselves (job families, grades, divisions) come from the institution's
configuration (`pipeline/config/institutions/<name>.yaml`); this module only adds the
proportions a realistic workforce needs, and a fallback for a configuration it does not
know (an even spread).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.config import Institution


@dataclass(frozen=True)
class Profile:
    """Proportions and names the generator needs beyond the institution configuration."""

    email_domain: str
    headcount: int  # all staff per census at scale 1.0
    technical_share: float
    technical_family_weights: tuple[float, ...]  # aligned with technical_job_families
    technical_grade_weights: tuple[float, ...]  # aligned with grade_order
    # other job family -> (grades it uses, their weights, share of other staff)
    other_families: dict[str, tuple[tuple[str, ...], tuple[float, ...], float]]
    fixed_term_share: dict[str, float]  # job family -> share on fixed-term contracts
    technical_divisions: tuple[str, ...]  # divisions technical staff work in
    external_partners: tuple[tuple[str, str], ...]  # (institution, e-mail domain)
    training_provider: str
    registers: tuple[str, ...]
    technical_titles: dict[str, str] = field(default_factory=dict)  # job family -> title


ICR = Profile(
    email_domain="icr.ac.uk",
    headcount=2000,
    technical_share=0.25,
    technical_family_weights=(0.70, 0.08, 0.10, 0.06, 0.06),
    technical_grade_weights=(0.10, 0.25, 0.30, 0.22, 0.13),
    other_families={
        "Academic": (("Faculty", "Band 9", "Band 8"), (0.6, 0.2, 0.2), 0.15),
        "Postdoctoral": (("Band 6", "Band 7"), (0.6, 0.4), 0.35),
        "Professional Services": (
            tuple(f"Band {i}" for i in range(1, 10)),
            (0.03, 0.08, 0.14, 0.18, 0.18, 0.15, 0.12, 0.08, 0.04),
            0.50,
        ),
    },
    fixed_term_share={"Postdoctoral": 0.85, "Academic": 0.05, "Professional Services": 0.1},
    technical_divisions=(
        "Breast Cancer Research", "Cancer Biology", "Cancer Therapeutics", "Clinical Studies",
        "Genetics and Epidemiology", "Molecular Pathology", "Radiotherapy and Imaging",
        "Structural Biology", "Scientific Services",
    ),
    external_partners=(
        ("Francis Crick Institute", "crick.ac.uk"), ("UCL", "ucl.ac.uk"),
        ("KCL", "kcl.ac.uk"), ("LSHTM", "lshtm.ac.uk"),
        ("Queen Mary University of London", "qmul.ac.uk"),
    ),
    training_provider="ICR Learning and Organisational Development",
    registers=("RSciTech", "RSci", "CSci"),
    technical_titles={
        "Scientific Officer": "Scientific Officer", "Analytical Scientist": "Analytical Scientist",
        "Staff Scientist": "Staff Scientist", "Research Management": "Research Manager",
        "Biological Services Unit": "Animal Technician",
    },
)

IMPERIAL = Profile(
    email_domain="imperial.ac.uk",
    headcount=5000,
    technical_share=0.2,
    technical_family_weights=(0.65, 0.10, 0.15, 0.10),
    technical_grade_weights=(0.15, 0.30, 0.28, 0.18, 0.09),
    other_families={
        "Academic": (("Professorial", "Grade 9", "Grade 8"), (0.3, 0.35, 0.35), 0.25),
        "Research": (("Grade 8", "Grade 9"), (0.8, 0.2), 0.35),
        "Professional Services": (
            ("Grade 1", "Grade 2", "Grade 8", "Grade 9"), (0.2, 0.4, 0.3, 0.1), 0.40,
        ),
    },
    fixed_term_share={"Research": 0.8, "Academic": 0.05, "Professional Services": 0.1},
    technical_divisions=(
        "Faculty of Engineering", "Faculty of Medicine", "Faculty of Natural Sciences",
        "Estates", "ICT",
    ),
    external_partners=(
        ("University of Oxford", "ox.ac.uk"), ("UCL", "ucl.ac.uk"),
        ("University of Cambridge", "cam.ac.uk"),
    ),
    training_provider="Imperial Learning and Development Centre",
    registers=("RSciTech", "RSci", "CSci", "RITTech", "REnvTech"),
    technical_titles={
        "Technician": "Technician", "Technical Manager": "Technical Manager",
        "IT Technician": "IT Technician", "Environmental Technician": "Environmental Technician",
    },
)

PROFILES = {"icr": ICR, "imperial": IMPERIAL}


def profile_for(institution: Institution) -> Profile:
    """The profile of a known institution, else an even spread over its configuration."""
    if institution.name in PROFILES:
        return PROFILES[institution.name]
    n_tech, n_grades = len(institution.technical_job_families), len(institution.grade_order)
    other_grades = institution.other_grades or ("Other",)
    per_family = 1 / max(len(institution.other_job_families), 1)
    return Profile(
        email_domain=f"{institution.name}.example.ac.uk",
        headcount=2000,
        technical_share=0.25,
        technical_family_weights=(1 / n_tech,) * n_tech,
        technical_grade_weights=(1 / n_grades,) * n_grades,
        other_families={
            fam: (other_grades, (1 / len(other_grades),) * len(other_grades), per_family)
            for fam in institution.other_job_families
        },
        fixed_term_share={},
        technical_divisions=institution.divisions,
        external_partners=(("UCL", "ucl.ac.uk"),),
        training_provider=f"{institution.short_name} Learning and Development",
        registers=("RSciTech", "RSci", "CSci"),
    )
