"""Generate knowledge bases that are real multiples of the real one, for the scaling figures.

``generate(base, target, multiple=100)`` writes a knowledge directory with ``multiple``
times the real roles (17 → 1,700) and FAQ entries: the real ``knowledge/`` directory is
copied as is (so every benchmark message still means the same thing) and generated
roles and FAQ entries are added beside it. Their figures are invented and their source
says so: the generated directory lives in a temporary folder for one bench run and is
never committed or served to anyone.

Names are "<qualifier> <domain> <title>" (20 domains × 10 titles × 97 qualifiers, about
19,000 distinct roles), so even 1,000× has a distinct name for every role.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import yaml

from bot.knowledge.files import load_knowledge_dir
from bot.knowledge.limits import TEXT_CHARS
from bot.text.names import alias_key

GENERATED_SOURCE = "bench-generated"

_DOMAINS = [
    ("Computer Vision", "cv"), ("Natural Language", "nlp"), ("Speech", "speech"),
    ("Recommender Systems", "recsys"), ("Robotics", "robotics"), ("Reinforcement Learning", "rl"),
    ("Generative AI", "genai"), ("LLM", "llm"), ("Data Platform", "dataplat"),
    ("Search Relevance", "search"), ("Fraud Detection", "fraud"), ("Healthcare AI", "healthai"),
    ("Autonomous Driving", "av"), ("Edge AI", "edgeai"), ("AI Safety", "safety"),
    ("Conversational AI", "convai"), ("Forecasting", "forecast"), ("Ads Ranking", "ads"),
    ("Bioinformatics", "bioinfo"), ("Geospatial AI", "geoai"),
]
_TITLES = [
    ("Engineer", "eng"), ("Research Scientist", "rs"), ("Data Scientist", "ds"),
    ("Analyst", "analyst"), ("Architect", "architect"), ("Product Manager", "prodmgr"),
    ("Platform Engineer", "platform"), ("Team Lead", "lead"), ("Consultant", "consultant"),
    ("Developer Advocate", "devrel"),
]
_SKILLS = ["Python", "PyTorch", "TensorFlow", "SQL", "Spark", "Kubernetes", "Docker", "AWS", "GCP",
           "Azure", "Rust", "C++", "Go", "Airflow", "dbt", "Statistics", "A/B Testing", "RAG",
           "Prompt Engineering", "Computer Vision", "NLP", "MLflow", "Ray", "JAX", "Scala",
           "Java", "Terraform", "Linux", "CUDA", "Product Strategy", "Stakeholder Management"]
_METROS = ["Remote", "San Francisco", "New York", "Seattle", "Austin", "London", "Berlin",
           "Toronto", "Boston", "Bangalore", "Paris", "Amsterdam"]
_INDUSTRIES = ["Fintech", "Retail", "Gaming", "Energy", "Telecom", "Insurance", "Logistics",
               "Media", "Pharma", "Government", "Education", "Travel"]
_FLAVOURS = ["Applied", "Embedded", "Cloud", "Realtime", "Privacy", "Open Source", "Mobile"]
#: Qualifiers in front of "<domain> <title>": none first (the 200 plain names), then
#: industries, then flavoured industries.
_QUALIFIERS = ["", *_INDUSTRIES, *(f"{f} {i}" for f in _FLAVOURS for i in _INDUSTRIES)]

_FAQ_TOPICS = ["interviews", "portfolio", "certifications", "salary negotiation", "remote work",
               "career change", "degrees", "bootcamps", "open source", "visas", "side projects",
               "leetcode", "system design", "take-home tasks", "references", "job boards"]


def _role(slug: str, name: str, aliases: list[str], rng: random.Random, slugs: list[str]) -> dict:
    low = rng.randrange(60, 200) * 1000
    high = low + rng.randrange(10, 90) * 1000
    median = rng.randrange(low // 1000, high // 1000 + 1) * 1000
    senior = rng.randrange(10, 60)
    entry = rng.randrange(0, 15)

    def snapshot(source: str, as_of: str) -> dict:
        return {
            "source": source, "as_of": as_of, "open_positions": rng.randrange(5, 3000),
            "salary": {"avg_low": low, "avg_high": high, "median": median,
                       "p25": low, "p75": high + rng.randrange(0, 40) * 1000,
                       "n": rng.randrange(10, 900)},
            "remote_pct": rng.randrange(0, 60),
            "experience": {"senior": senior, "mid": 100 - senior - entry, "entry": entry},
        }

    return {
        "slug": slug,
        "name": name,
        "aliases": aliases,
        "focus": f"Builds and runs {name.lower()} work for product teams.",
        "summary": f"A generated {name} profile for benchmarks: figures are invented. "
                   "It exists so the bench can measure how cost grows with the knowledge.",
        "stats": [snapshot(GENERATED_SOURCE, "2026"), snapshot(GENERATED_SOURCE + "-b", "2025")],
        "skills": {"source": GENERATED_SOURCE, "top": rng.sample(_SKILLS, 8)},
        "tools": [{"area": area, "items": rng.sample(_SKILLS, 3), "note": f"{area} matters."}
                  for area in ("Baseline", "Modelling", "Serving", "Monitoring")],
        "career": {"progression": [f"Senior {name}", f"Staff {name}", f"Head of {name}"],
                   "leads_to": ["Engineering Manager", "Principal Engineer"],
                   "ceiling": "High at companies where the work is core to the product."},
        "getting_in": {"best_from": ["Software engineer", "Data analyst"],
                       "summary": "Adjacent engineers move in by shipping one project end to end.",
                       "steps": ["Learn the domain's core models.", "Ship a small project.",
                                 "Write about what you learnt."]},
        "week": {"source": GENERATED_SOURCE,
                 "tasks": ["Review model metrics with the team.", "Fix a data pipeline.",
                           "Plan the next experiment.", "Pair with product on a launch."],
                 "summary": "You split the week between building and measuring."},
        "market": "Demand follows adoption of the technique in products.",
        "postings": {"good": "Good postings name the data, the stack and the problem.",
                     "red_flags": ["No data yet.", "Ten roles in one."]},
        "metros": rng.sample(_METROS, 3),
        "related": {"source": GENERATED_SOURCE, "roles": rng.sample(slugs, min(2, len(slugs)))},
    }


def generate(base_dir: Path, target: Path, multiple: int = 100, faq_entries: int | None = None,
             seed: int = 2026) -> dict[str, int]:
    """Copy ``base_dir`` to ``target`` and add generated roles and FAQ entries so that it
    holds ``multiple`` times the real roles (and, by default, FAQ entries).

    Returns the counts written and the seconds spent. The result is loaded and checked,
    so a generator bug (a name clash dropping roles) fails the bench instead of
    measuring a knowledge base of the wrong size.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base_dir, target)
    base = load_knowledge_dir(base_dir)
    roles = multiple * len(base.roles) - len(base.roles)
    taken = {alias_key(a) for r in base.roles.values() for a in (r.name, r.slug, *r.aliases)}

    sources_path = target / "sources.yaml"
    sources = yaml.safe_load(sources_path.read_text(encoding="utf-8"))
    for sid, date in ((GENERATED_SOURCE, "2026"), (GENERATED_SOURCE + "-b", "2025")):
        sources["sources"].append({
            "id": sid, "name": f"Benchmark generated data ({date}), not real figures",
            "kind": "job postings", "date": date,
            "note": "Invented by bench/kbgen.py to measure scaling; never served."})
    sources_path.write_text(yaml.safe_dump(sources, sort_keys=False), encoding="utf-8")

    made: list[str] = []
    for qualifier in _QUALIFIERS:
        if len(made) >= roles:
            break
        q = f"{qualifier} " if qualifier else ""
        qs = "".join(w[0] for w in qualifier.lower().split()) + " " if qualifier else ""
        combos = [(d, t) for d in _DOMAINS for t in _TITLES]
        rng.shuffle(combos)
        for (domain, dshort), (title, tshort) in combos:
            if len(made) >= roles:
                break
            name = f"{q}{domain} {title}"
            slug = "-".join(name.lower().replace(",", "").split())
            if alias_key(name) in taken or alias_key(slug) in taken:
                continue  # a real role already answers to this name
            if len(slug) > TEXT_CHARS["slug"] or len(name) > TEXT_CHARS["name"]:
                continue  # the knowledge files' own limits
            candidates = [name, f"{qs}{dshort} {tshort}", f"{q}{dshort}-{tshort}",
                          f"{q}{title} {domain}", f"{q}{dshort} {title}", f"{q}{domain} {tshort}",
                          f"{q}{title}, {dshort}", f"{q}{title} in {domain}",
                          f"{q}{domain} {title} role", f"{q}{dshort} {title} job",
                          f"senior {q}{dshort} {tshort}", f"{q}{title} of {domain}"]
            taken.add(alias_key(slug))
            aliases = []
            for alias in candidates:
                key = alias_key(alias)
                if key and key not in taken and len(alias) <= TEXT_CHARS["aliases[]"]:
                    taken.add(key)
                    aliases.append(alias)
            data = _role(slug, name, aliases[1:], rng, made)
            (target / "roles" / f"{slug}.yaml").write_text(
                yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
            made.append(slug)
    if len(made) < roles:
        raise ValueError(f"only {len(made)} distinct generated roles, {roles} needed: "
                         "add qualifiers to bench/kbgen.py")

    count = faq_entries if faq_entries is not None else (multiple - 1) * len(base.faq)
    faq = []
    for i in range(count):
        topic = _FAQ_TOPICS[i % len(_FAQ_TOPICS)]
        role = made[i % len(made)].replace("-", " ") if made else "ai"
        faq.append({
            "question": f"How should I approach {topic} for a {role} role? (#{i})",
            "answer": f"For {topic}, show one finished project and explain its trade-offs. "
                      f"Generated entry {i} for benchmarks.",
            "tags": [topic.split()[0], "generated"],
        })
    (target / "faq").mkdir(exist_ok=True)
    (target / "faq" / "bench-generated.yaml").write_text(
        yaml.safe_dump({"faq": faq}, sort_keys=False), encoding="utf-8")
    written_s = time.perf_counter() - started

    knowledge = load_knowledge_dir(target)
    if len(knowledge.roles) != multiple * len(base.roles):
        raise ValueError(f"{len(knowledge.roles)} roles loaded, "
                         f"{multiple * len(base.roles)} expected")
    return {"multiple": multiple, "roles": len(knowledge.roles), "faq": len(knowledge.faq),
            "aliases": sum(len(r.aliases) for r in knowledge.roles.values()),
            "base_roles": len(base.roles), "base_faq": len(base.faq),
            "generate_s": round(written_s, 2),
            "generate_and_check_s": round(time.perf_counter() - started, 2)}
