"""Word lists for the synthetic demo data: names, destinations, comments, courses.

Everything here is invented. Names are common British first and last names (a few with
accents, which cp1252 can encode, so the cp1252 file exercises the encoding); destination
texts are chosen so that a keyword-and-employer rule set can classify them, except the
deliberately vague `unknown` ones.
"""

from __future__ import annotations

FEMALE_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily", "Freya", "Chloe",
    "Hannah", "Charlotte", "Lucy", "Ella", "Mia", "Ruby", "Zoë", "Siobhán", "Aoife", "Priya",
    "Aisha", "Fatima", "Mei", "Anna", "Laura", "Rachel", "Sarah", "Helen", "Claire", "Rebecca",
    "Katherine", "Joanna", "Natalia", "Irene", "Chiara", "Inès", "Yasmin", "Ngozi", "Sunita",
    "Eleanor",
)
MALE_NAMES = (
    "Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "Oscar", "James",
    "William", "Daniel", "Samuel", "Joseph", "David", "Michael", "Matthew", "Andrew", "Peter",
    "Richard", "Mohammed", "Ali", "Rajesh", "Arjun", "Wei", "Kwame", "Tomás", "José", "Luca",
    "Pierre", "Sean", "Ciarán", "Marek", "Stefan", "Ravi", "Imran", "Benjamin", "Edward",
    "Alexander", "Henry",
)
NEUTRAL_NAMES = ("Alex", "Sam", "Jordan", "Robin", "Charlie", "Jamie", "Morgan", "Ash")
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
    "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Morgan", "Moore", "Martin", "Price",
    "Singh", "Shah", "Ahmed", "Chen", "Wang", "Nguyen", "Kowalski", "Rossi", "García",
    "Müller", "O'Brien", "O'Connor", "Murphy", "Kelly", "McDonald", "Campbell", "Stewart",
    "Okafor", "Mensah", "Adeyemi", "Hughes", "Edwards", "Turner", "Parker", "Collins",
    "Bennett", "Cooper", "Ward", "Bailey", "Bell", "Fisher", "Hunt", "Chapman", "Dixon",
    "Ellis", "Grant", "Harvey", "Knight", "Lloyd", "Marshall", "Owen", "Palmer", "Reid",
    "Saunders", "Sharma", "Kaur", "Begum", "Hussain", "Ferreira", "Novak", "Dubois",
    "Andersson", "Fitzgerald", "Gallagher",
)

ETHNICITIES = ("White", "Asian", "Black", "Mixed", "Other", "Prefer not to say")
ETHNICITY_WEIGHTS = (0.66, 0.17, 0.07, 0.05, 0.02, 0.03)
DISABILITIES = ("No", "Yes", "Prefer not to say")
DISABILITY_WEIGHTS = (0.88, 0.07, 0.05)
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_WEIGHTS = (0.08, 0.34, 0.27, 0.18, 0.11, 0.02)

# Career destinations: (job title, employer) per true sector.
DESTINATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "academia": (
        ("Postdoc", "UCL"), ("Postdoctoral Research Associate", "University of Cambridge"),
        ("Research Assistant", "King's College London"), ("Lab Manager", "University of Oxford"),
        ("Research Technician", "Imperial College London"), ("Postdoc, UCL", ""),
        ("Senior Research Technician", "University of Manchester"),
        ("Research Fellow", "University of Edinburgh"), ("Lecturer", "University of Bristol"),
        ("Core facility manager", "Queen Mary University of London"),
    ),
    "industry": (
        ("Scientist", "AstraZeneca"), ("AstraZeneca - lab manager", ""),
        ("Senior Scientist", "GSK"), ("Associate Scientist", "Novartis"),
        ("Field Application Scientist", "Illumina"), ("Research Scientist", "Oxford Nanopore"),
        ("QC Analyst", "Abcam"), ("Process Development Scientist", "Pfizer"),
        ("Scientist II", "Roche"), ("Sales Specialist", "Thermo Fisher Scientific"),
    ),
    "healthcare": (
        ("Clinical Scientist", "NHS"), ("NHS lab", ""),
        ("Biomedical Scientist", "Guy's and St Thomas' NHS Foundation Trust"),
        ("Trainee Clinical Scientist", "The Royal Marsden NHS Foundation Trust"),
        ("Healthcare Scientist", "Barts Health NHS Trust"),
        ("Clinical trials coordinator", "NHS"),
    ),
    "government": (
        ("Scientific Advisor", "Civil Service"), ("Analyst", "UKHSA"),
        ("Senior Scientist", "UKHSA"), ("Assessor", "MHRA"),
        ("Policy Officer", "Department of Health and Social Care"),
        ("Statistician", "Office for National Statistics"),
    ),
    "charity": (
        ("Research Information Manager", "Cancer Research UK"),
        ("Grants Officer", "Wellcome Trust"), ("Research Officer", "British Heart Foundation"),
        ("Science Communication Officer", "Cancer Research UK"),
        ("Programme Manager", "Wellcome Trust"),
    ),
    "further study": (
        ("MSc student", "University of Oxford"), ("PhD at Oxford", ""),
        ("PhD student", "UCL"), ("Medical student", "King's College London"),
        ("MSc student", "Imperial College London"), ("PhD student", "University of Cambridge"),
    ),
    "non-science": (
        ("Teacher", "Local secondary school"), ("Barista", "Costa Coffee"),
        ("Accountant", "Deloitte"), ("Estate agent", "Foxtons"),
        ("Teacher", "Harris Academy"), ("Chef", "Pret A Manger"),
    ),
    "unknown": (
        ("Prefer not to say", ""), ("Moving abroad", ""), ("Not sure yet", ""),
        ("Taking time out", ""), ("-", ""),
    ),
}
# Share of respondents by true sector (former technical staff of a research institute).
SECTOR_WEIGHTS: dict[str, float] = {
    "academia": 0.34, "industry": 0.22, "healthcare": 0.1, "government": 0.06,
    "charity": 0.05, "further study": 0.1, "non-science": 0.07, "unknown": 0.06,
}
# Spelling variants of a reported sector (the cleaning maps them back).
SECTOR_SPELLINGS: dict[str, tuple[str, ...]] = {
    "academia": ("Academia", "academia", "ACADEMIA", " Academia"),
    "industry": ("Industry", "industry", "Industry "),
    "healthcare": ("Healthcare", "healthcare", "Health care"),
    "government": ("Government", "government"),
    "charity": ("Charity", "charity"),
    "further study": ("Further study", "Further Study", "further study"),
    "non-science": ("Non-science", "Non science", "non-science"),
    "unknown": ("Unknown", "unknown"),
}
REASONS_FOR_LEAVING = (
    "Career progression", "End of contract", "Better pay", "Relocation", "Further study",
    "Change of career", "Personal reasons",
)

AMBITIONS = (
    "Promotion", "Professional registration", "Management role", "Further study",
    "Move to research", "Stay in current role", "Leave science",
)
AMBITION_WEIGHTS = (0.55, 0.35, 0.25, 0.2, 0.15, 0.3, 0.08)
YEARS_IN_ROLE = (
    "Less than 1 year", "1-2 years", "3-5 years", "6-10 years", "More than 10 years",
)
# Comment templates per theme: each names its theme's keyword and no other theme's.
COMMENT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "workload": (
        "My workload has grown a lot this year.",
        "The workload in the lab is hard to sustain.",
    ),
    "recognition": (
        "I would like more recognition for what SOs do.",
        "Recognition of technical contributions on papers is patchy.",
    ),
    "career progression": (
        "There is no clear route for career progression beyond SO3.",
        "Career progression feels slow and unclear.",
    ),
    "training": (
        "More training in data analysis would help me.",
        "I value the training courses on offer.",
    ),
    "pay": (
        "Pay has not kept up with the cost of living.",
        "The salary does not reflect my experience.",
    ),
    "management": (
        "My line manager is very supportive.",
        "Management rarely asks for our views.",
    ),
    "equipment": (
        "Some equipment is old and often broken.",
        "Access to shared equipment is difficult to book.",
    ),
}
# A comment naming a colleague (tests the redaction of names); its theme is management.
NAMED_COMMENT = "{name} is an excellent line manager and deserves thanks."

TRAINING_COURSES: dict[str, tuple[str, ...]] = {
    "Technical skills": (
        "Flow cytometry masterclass", "Confocal microscopy", "CRISPR techniques",
        "Python for biologists", "Mass spectrometry basics", "Good laboratory practice",
    ),
    "Leadership and management": (
        "Future Leaders programme", "Managing people", "Project management essentials",
    ),
    "EDI": ("Unconscious bias", "Inclusive recruitment", "Active bystander"),
    "Health and safety": ("Biological safety", "Fire warden", "COSHH assessment"),
    "Career development": (
        "Professional registration workshop", "Careers advice session", "Writing a CV",
        "Mentoring skills",
    ),
}
