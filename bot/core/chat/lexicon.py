"""Words and phrases the chat understanding looks for, kept in one place.

Intents are recognised from these sets over normalised tokens, not from whole
sentences, so a question phrased in a new way still hits the same facets. Phrases are
space-joined tokens as ``normalize.clean_message`` produces them ("i'm" is "im").
Weights say how strongly a word points at a facet: 1 is a weak hint (a word with other
common meanings, such as "jobs" or "make"), 3 or more is decisive on its own.
"""

from __future__ import annotations

#: facet -> {phrase: weight}
FACET_WORDS: dict[str, dict[str, int]] = {
    "salary": {
        "salary": 4, "salaries": 4, "pay": 3, "pays": 4, "paid": 4, "paying": 3, "payed": 3,
        "earn": 4, "earns": 4, "earning": 4, "earnings": 4, "comp": 3, "compensation": 4,
        "money": 3, "income": 4, "wage": 4, "wages": 4, "how much": 2, "make": 1,
        "makes": 1, "making": 1, "lowball": 4, "lowballed": 4, "lowballing": 4,
        "underpaid": 4, "overpaid": 4, "offer": 2, "offered": 2, "median": 4,
        "percentile": 4, "percentiles": 4, "p75": 4, "p25": 4, "p90": 4, "p50": 4, "p10": 4,
        "top end": 3, "high end": 3, "low end": 3, "quartile": 4, "range": 1, "average": 1,
        "avg": 1, "mean": 2, "rich": 2, "well paid": 4, "get paid": 4, "k a year": 4,
        "per year": 3, "a year": 1, "base": 1, "bank": 1, "six figures": 4, "worth": 1,
        "sample size": 3, "sample": 2, "based on": 1, "how many salaries": 5, "package": 2,
        "going rate": 5, "market rate": 5, "rate": 1, "tc": 3, "pay gap": 5, "salary gap": 5,
        "figures": 1, "payscale": 4, "pay scale": 4, "ask for": 2, "negotiate": 3,
        "negotiating": 3, "bag": 2, "the bag": 3, "bread": 2, "band": 2, "pay band": 4,
        "salary band": 5, "responses": 2, "respondents": 3, "survey responses": 3,
        "data points": 3,
    },
    "openings": {
        "openings": 4, "opening": 3, "positions": 3, "position": 2, "open positions": 5,
        "open roles": 4, "open jobs": 4, "jobs": 1, "job": 1, "postings": 2, "posting": 1,
        "listings": 3, "listing": 2, "vacancies": 4, "vacancy": 4, "demand": 2,
        "how many": 2, "in demand": 2, "available": 1, "number of": 1, "hiring": 1,
        "prospects": 1, "listed": 2, "tracked": 2, "track": 1, "out there": 2, "open": 1,
        "roles": 0, "more jobs": 3, "job market": 1, "share of": 2, "in total": 2,
        "total": 1, "count": 1,
    },
    "remote": {
        "remote": 5, "remotely": 5, "wfh": 5, "work from home": 5, "from home": 4,
        "fully remote": 5, "hybrid": 4, "onsite": 4, "on site": 4, "in office": 4,
        "in person": 3, "distributed": 2, "anywhere": 2, "office": 2,
    },
    "seniority": {
        "senior": 2, "seniority": 5, "junior": 4, "juniors": 4, "entry": 3, "entry level": 5,
        "mid": 3, "mid level": 5, "midlevel": 5, "experience mix": 6, "experience level": 5,
        "experience levels": 5, "experienced": 2, "experience": 1, "levels": 2, "level": 1,
        "newbie": 3, "newbies": 3, "beginner": 3, "beginners": 3, "newcomer": 3,
        "newcomers": 3, "grad": 3, "grads": 3, "new grad": 4, "graduate": 3,
        "graduates": 3, "fresher": 3, "freshers": 3, "intern": 2, "interns": 2,
        "junior friendly": 6, "entrylevel": 5, "seniors": 3, "veterans": 2, "how senior": 5,
        "mostly senior": 5, "mostly for experienced": 5, "jr": 3, "sr": 2,
        "executive": 3, "executives": 3, "exec": 3, "execs": 3, "exec level": 5,
        "experience breakdown": 6, "experience split": 6, "experience distribution": 6,
        "level breakdown": 6, "level mix": 6, "levels breakdown": 6, "by level": 4,
        "executive level": 5, "c level": 4, "c suite": 4,
    },
    "skills": {
        "skill": 4, "skills": 4, "stack": 3, "tech stack": 5, "tools": 3, "tool": 2,
        "tech": 2, "technologies": 3, "technology": 2, "languages": 2, "learn": 1,
        "know": 1, "need": 1, "needed": 2, "require": 2, "required": 2, "requirements": 2,
        "requires": 2, "certs": 2, "certifications": 2, "top skill": 6, "overlap": 3,
        "overlapping": 3, "shared": 2, "in common": 3, "unique": 3, "transfer": 2,
        "transferable": 3, "carry over": 3, "carries over": 3, "on that list": 2,
        "the list": 1, "use": 1, "doesnt": 0, "top 8": 4, "top eight": 4,
        "should i learn": 5, "to learn": 3, "need to learn": 4, "what to learn": 5,
        "learn for": 3, "study": 2,
    },
    "path": {
        "path": 3, "career path": 6, "career": 2, "progression": 5, "ladder": 5,
        "promotion": 4, "promoted": 4, "promote": 3, "next": 2, "next step": 5,
        "whats next": 5, "after": 2, "comes after": 5, "grow": 2, "grow into": 5,
        "growth": 1, "trajectory": 5, "leads": 2, "lead to": 4, "leads to": 5,
        "ceiling": 5, "long term": 4, "end up": 4, "top of the ladder": 6, "move up": 4,
        "where does it lead": 6, "where can": 2, "senior to": 2, "lead": 2, "lead into": 4,
        "above": 2, "beyond": 2, "step up": 4, "next level": 4, "climb": 3,
        "related": 3, "related jobs": 5, "related roles": 5, "related occupations": 6,
        "similar jobs": 5, "similar roles": 5, "similar careers": 5, "adjacent": 4,
        "exit options": 6, "exit opportunities": 6, "go next": 5, "move on to": 4,
        "career options": 5, "options after": 5, "similar to": 4, "jobs similar": 5,
        "roles similar": 5, "careers similar": 5, "related to": 4, "jobs like": 4,
        "roles like": 4,
    },
    "switch": {
        "switch": 5, "switching": 5, "transition": 5, "transitioning": 5, "move": 2,
        "moving": 2, "pivot": 5, "pivoting": 5, "change": 2, "changing": 2,
        "move into": 4, "go from": 4, "going from": 4, "jump": 2, "transfer": 1,
        "carries over": 2, "carry over": 2, "retrain": 4, "how hard": 2, "hard": 1,
        "feasible": 2, "difficult": 2, "doable": 2, "realistic": 2,
    },
    "week": {
        "week": 4, "weekly": 3, "all week": 5, "day to day": 6, "daily": 4, "day": 2,
        "all day": 5, "day in the life": 7, "typical day": 6, "typical week": 6,
        "routine": 4, "tasks": 4, "task": 3, "responsibilities": 4, "duties": 4, "look like": 3,
        "work like": 5, "actually do": 4, "do all day": 5, "normal week": 6,
        "job like": 4, "week to week": 6, "user research": 4, "write terraform": 5,
        "be doing": 5, "doing all day": 5, "would i do": 4, "work involve": 5,
        "job involve": 5, "role involve": 5, "involve": 3, "involves": 3, "spend their": 3,
        "spend my": 3, "day job": 4, "day to day work": 6,
    },
    "getting_in": {
        "get into": 5, "break into": 6, "get in": 3, "getting into": 5, "breaking into": 6,
        "become": 3, "becoming": 3, "start": 1, "started": 2, "start out": 3,
        "background": 3, "coming from": 3, "shorter": 4, "shortest": 4, "qualify": 3,
        "prerequisites": 3, "no experience": 6, "zero experience": 6,
        "without experience": 6, "land": 2, "first job": 3, "learn first": 4,
        "way in": 5, "best way": 2, "route": 3, "aim for": 3, "how long": 2,
        "degree": 3, "phd": 3, "masters": 3, "bootcamp": 3, "courses": 3, "course": 3,
        "transition into": 4,
    },
    "metros": {
        "where": 2, "city": 5, "cities": 5, "metro": 5, "metros": 5, "location": 4,
        "locations": 4, "hubs": 5, "hub": 5, "region": 3, "live in": 4, "relocate": 4,
        "based": 1, "area": 1, "geographic": 4, "where are": 3, "where do": 2,
        "get hired": 2, "places": 3, "place": 1, "best place": 5, "best city": 6,
        "good place": 4, "where should i live": 6, "move to": 2,
    },
    "postings": {
        "red flag": 7, "red flags": 7, "warning signs": 7, "warning sign": 7,
        "green flag": 7, "green flags": 7, "look for": 3, "watch for": 4, "watch out": 4,
        "avoid": 3, "good posting": 7, "job ad": 3, "job ads": 3, "jd": 3, "jds": 3,
        "job description": 3, "job descriptions": 3, "spot": 2, "flags": 3, "legit": 5,
        "scam": 5, "scams": 5, "sketchy": 5, "shady": 5, "tell if": 2, "fake": 3,
    },
    "market": {
        "market": 3, "outlook": 5, "growing": 4, "growing field": 6, "future": 2,
        "in demand": 2, "hot": 2, "saturated": 5, "saturation": 5, "oversaturated": 5,
        "prospects": 2, "future proof": 5, "dying": 4, "dead end": 4, "startups": 4,
        "startup": 4, "adoption": 3, "demand": 2, "worth it": 2, "big tech": 3,
        "companies hiring": 2, "hiring": 1,
    },
    "overview": {
        "what is": 3, "what are": 1, "whats": 1, "what does": 2, "who is": 2, "explain": 4,
        "describe": 4, "about": 1, "tell me about": 5, "overview": 5, "mean": 1,
        "like im 5": 3, "eli5": 4, "focus": 2, "summary": 3, "profile": 3, "do": 0,
    },
    "choose": {
        "choose": 5, "pick": 4, "should i": 3, "better": 3, "best": 2, "recommend": 5,
        "which one": 4, "prefer": 2, "decide": 4, "go for": 3, "worth": 1, "fit": 2,
        "fits": 3, "suit": 3, "suits": 3, "right for me": 5, "better for": 4,
        "should i do": 4, "which role": 2, "which should": 5, "choice": 4,
    },
    "compare": {
        "vs": 4, "versus": 4, "compare": 5, "comparison": 5, "compared to": 4,
        "difference": 2, "differ": 3, "differences": 3, "side by side": 5, "head to head": 5,
    },
}

#: Kinds of skill people ask about as a group ("what cloud do data engineers use") and the
#: skill names (alias keys, lower case, no spaces) that belong to each.
SKILL_CATEGORIES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "cloud": (("cloud", "clouds", "cloud platform", "cloud platforms", "cloud provider",
               "cloud providers"),
              frozenset({"aws", "azure", "gcp", "oraclecloud", "googlecloud"})),
    "programming languages": (("languages", "language", "programming languages",
                               "programming language", "coding languages"),
                              frozenset({"python", "sql", "java", "c", "c++", "r", "javascript",
                                         "typescript", "scala", "go", "rust", "c#", "matlab",
                                         "bash", "sas", "html", "css", "powershell"})),
    "BI and visualisation tools": (("bi tools", "bi tool", "visualization", "visualisation",
                                    "dashboarding", "dashboard tools", "reporting tools"),
                                   frozenset({"tableau", "powerbi", "looker", "excel",
                                              "microsoftexcel"})),
    "ML frameworks": (("frameworks", "framework", "ml frameworks", "ml libraries", "libraries",
                       "deep learning frameworks"),
                      frozenset({"pytorch", "tensorflow", "scikitlearn", "pandas",
                                 "huggingface", "keras", "bert"})),
}

#: "which role pays best", "top paying": superlatives that make a figure question a ranking.
SUPERLATIVE_PHRASES = ("top paying", "highest paying", "best paying", "best paid", "top paid",
                       "highest paid", "lowest paid", "lowest paying", "worst paid",
                       "worst paying", "most remote", "least remote")

#: Facets whose answer is one or more figures from a snapshot.
FIGURE_FACETS = ("salary", "openings", "remote", "seniority")

#: Words that make a question comparative ("which pays more").
COMPARATIVE = frozenset({
    "more", "most", "less", "fewer", "least", "higher", "highest", "lower", "lowest",
    "better", "best", "bigger", "biggest", "larger", "largest", "smaller", "which", "vs",
    "versus", "compare", "compared", "comparison", "against", "than", "easier", "harder",
    "easiest", "smallest", "fewest", "worst", "greatest",
})

#: "both", "all": the answer covers every role in scope.
SCOPE_ALL = ("both roles", "both", "all roles", "all the roles", "each role", "each",
             "every role", "the two", "these two", "the 2", "all of them", "either")
#: References to the role that is not the current one.
OTHER_REFS = ("the other one", "the other role", "other role", "the other", "other one",
              "the other job", "other side")
#: References to the user's own role, stated earlier.
MY_ROLE_REFS = ("my role", "my job", "my position", "my field", "my current role",
                "for me", "my title", "people like me")
#: Words that refer back to what was just discussed.
BACK_REFS = frozenset({"it", "that", "this", "they", "them", "those", "these", "there"})

#: Salary metric words -> metric name.
METRIC_WORDS: dict[str, str] = {
    "median": "median", "typical": "median", "middle": "median", "p50": "median",
    "50th": "median", "average": "avg", "avg": "avg", "averages": "avg", "range": "avg",
    "mean": "mean", "75th": "p75", "p75": "p75", "top quartile": "p75",
    "band": "band", "pay band": "band", "salary band": "band", "spread": "band",
    "interquartile": "band", "middle half": "band",
    "upper quartile": "p75", "top end": "p75", "high end": "p75", "75th percentile": "p75",
    "25th": "p25", "p25": "p25", "bottom quartile": "p25", "lower quartile": "p25",
    "low end": "p25", "gap": "gap", "difference": "gap", "diff": "gap",
    "sample size": "n", "sample": "n", "based on": "n", "how many salaries": "n",
    "data points": "n", "responses": "n", "respondents": "n", "survey responses": "n",
    "how many people": "n", "how many answers": "n", "how many replies": "n",
}

#: A percentile named in a message that maps to a Salary field, if any.
HELD_PERCENTILES = {25: "p25", 50: "median", 75: "p75"}

# ---------------------------------------------------------------------------------------
# Things the knowledge base does not hold: asked about, they get a plain "I don't know".

NOT_HELD: dict[str, tuple[str, ...]] = {
    "equity": ("equity", "stock", "stocks", "rsu", "rsus", "stock options", "options",
               "vesting", "shares in"),
    "bonus": ("bonus", "bonuses", "signing bonus", "sign on", "sign-on"),
    "total_comp": ("total comp", "total compensation", "tc", "total pay", "benefits"),
    "hourly": ("hourly", "per hour", "an hour", "day rate", "contractor", "contractors",
               "freelance", "freelancer", "freelancers", "freelancing", "contract rate",
               "contracting"),
    "applicants": ("applicants", "applications", "apply to each", "people apply", "applied for",
                   "people applied",
                   "acceptance rate", "how competitive", "competition for", "interview",
                   "interviews", "interview questions", "visa", "visas", "sponsorship",
                   "layoffs", "laid off", "job security", "work life balance", "wlb",
                   "hours a week", "overtime", "burnout", "stress", "hours", "working hours",
                   "happy", "happiness", "satisfied", "satisfaction", "fulfilling",
                   "job satisfaction", "enjoy their job", "like their job"),

    "demographics": ("women", "woman", "men", "gender", "female", "male", "age", "race",
                     "ethnicity", "diversity", "demographics", "immigrants", "older"),
    "currency": ("euro", "euros", "eur", "gbp", "pounds", "inr", "rupees", "rupee", "lakhs",
                 "lakh", "lpa", "cad", "aud", "yen", "currency", "convert", "in local"),
    "tax": ("after tax", "take home", "takehome", "net pay", "net salary", "before tax",
            "pre tax", "post tax", "taxes", "tax"),
}
#: Degrees: asked whether one is needed, the answer is not held (no source covers it).
DEGREE_WORDS = ("degree", "degrees", "phd", "phds", "masters", "bachelors", "bachelor",
                "diploma", "cs degree", "doctorate", "msc", "bsc")
DEGREE_NEED = ("need", "needs", "needed", "require", "requires", "required", "requirement",
               "necessary", "must", "have to", "mandatory", "what degree", "which degree",
               "without a", "without", "worth", "essential")

#: Course and bootcamp recommendations are not held either (an FAQ entry may cover one).
COURSE_WORDS = ("bootcamp", "bootcamps", "course", "courses", "certification",
                "certifications", "certificate", "certificates", "mooc", "moocs")
COURSE_ASK = ("best", "which", "what", "recommend", "good", "worth", "should i take",
              "should i do", "any", "top")
#: Pay split by remote and on-site work is not held ("do remote jobs pay less").
REMOTE_PAY = ("pay less", "paid less", "earn less", "make less", "pay more", "paid more",
              "earn more", "make more", "vs onsite", "vs on site", "vs office", "vs in office",
              "remote vs", "than onsite", "than on site", "than in office", "remote pay",
              "remote salary", "remote salaries", "lower pay", "pay cut", "paycut")

#: Pay broken down by level, experience or kind of company is not held either.
LEVEL_PAY_WORDS = ("intern", "interns", "internship", "years experience", "years of experience",
                   "yoe", "yrs experience", "yrs exp", "years exp", "junior", "juniors", "senior",
                   "seniors", "entry level", "entrylevel", "lead", "principal", "staff",
                   "mid level", "starting", "new grad", "new grads", "graduate", "fresher",
                   "beginner", "beginners", "experienced")
COMPANY_TYPES = ("startup", "startups", "big tech", "enterprise", "enterprises", "fortune 500",
                 "small companies", "large companies", "big companies", "mid size", "scaleup",
                 "scaleups", "unicorn", "unicorns", "agency", "agencies", "consultancy",
                 "government", "nonprofit")

TREND_WORDS = ("trend", "trends", "trending", "over time", "year over year", "yoy",
               "going up", "going down", "go up", "go down", "increase", "increasing",
               "increased", "decrease", "decreasing", "decreased", "rising", "rise",
               "falling", "fall", "dropping", "changed", "change over", "historical",
               "history", "forecast", "predict", "prediction", "projection", "will pay",
               "will make", "will be", "in 5 years", "in five years", "in 10 years",
               "next year", "last year", "back in", "since", "used to", "growth rate",
               "grow", "growing", "growth", "future")

#: Places, for telling a salary-by-city question (not held) from a metros question.
PLACES = frozenset({
    "new york", "nyc", "ny", "manhattan", "brooklyn", "sf", "san francisco", "bay area",
    "silicon valley", "austin", "seattle", "boston", "chicago", "la", "los angeles",
    "denver", "atlanta", "miami", "dallas", "houston", "san diego", "san jose",
    "portland", "washington", "dc", "philadelphia", "london", "berlin", "paris",
    "amsterdam", "dublin", "toronto", "vancouver", "montreal", "bangalore", "bengaluru",
    "hyderabad", "pune", "mumbai", "delhi", "singapore", "sydney", "melbourne", "tokyo",
    "zurich", "munich", "stockholm", "tel aviv", "lisbon", "madrid", "barcelona",
    "warsaw", "europe", "eu", "uk", "united kingdom", "usa", "united states",
    "america", "canada", "india", "germany", "france", "australia", "asia", "latam",
    "brazil", "mexico", "texas", "california", "ca", "nigeria", "kenya", "pakistan",
    "netherlands", "spain", "italy", "poland", "switzerland", "ireland", "japan", "china",
    "the us", "in us", "the states",
})
#: Short place words that are also ordinary words; a place only after "in"/"from".
AMBIGUOUS_PLACES = frozenset({"la", "ca", "ny", "dc", "eu", "washington",
                              "america", "india"})

COMPANIES = frozenset({
    "google", "alphabet", "meta", "facebook", "amazon", "microsoft", "apple", "netflix",
    "openai", "anthropic", "nvidia", "faang", "maang", "ibm", "uber", "airbnb", "stripe",
    "tesla", "deepmind", "databricks", "oracle", "intel", "adobe", "linkedin", "twitter",
    "x corp", "spotify", "shopify", "palantir", "coinbase", "doordash", "lyft", "cohere",
    "mistral", "hugging face", "huggingface", "scale ai", "bytedance", "tiktok",
    "samsung", "accenture", "deloitte", "mckinsey", "jpmorgan", "goldman", "big tech",
})
#: Asking which companies hire is not held either ("top hiring companies").
COMPANY_WORDS = ("which companies", "what companies", "top companies", "companies hire",
                 "companies that hire", "hiring companies", "which company", "what company",
                 "best companies", "companies pay")

# ---------------------------------------------------------------------------------------
# Roles the knowledge base might not have: a head noun of a job title.

TITLE_HEADS = frozenset({
    "engineer", "engineers", "eng", "engs", "scientist", "scientists", "analyst",
    "analysts", "manager", "managers", "developer", "developers", "dev", "devs",
    "designer", "designers", "architect", "architects", "researcher", "researchers",
    "consultant", "consultants", "specialist", "specialists", "administrator",
    "administrators", "admin", "admins", "director", "directors", "officer", "officers",
    "technician", "technicians", "programmer", "programmers", "coder", "coders",
    "recruiter", "recruiters", "nurse", "nurses", "teacher", "teachers", "lawyer",
    "lawyers", "doctor", "doctors", "accountant", "accountants", "marketer", "marketers",
    "writer", "writers", "owner", "owners", "strategist", "strategists", "lead", "leads",
    "tester", "testers", "intern", "interns", "ops",
})
#: One-word titles that name a role on their own ("how much do sres make").
SOLO_TITLES = frozenset({"sre", "sres", "swe", "swes", "sde", "sdes", "devops", "dba",
                         "dbas", "tpm", "tpms", "qa", "cto", "ceo", "cfo", "vp", "ds",
                         "mle", "mles", "de"})
#: Heads that name a job on their own ("how much do nurses make"), unlike "engineer".
STANDALONE_TITLES = frozenset({
    "nurse", "nurses", "teacher", "teachers", "lawyer", "lawyers", "doctor", "doctors",
    "accountant", "accountants", "recruiter", "recruiters", "marketer", "marketers",
    "writer", "writers", "programmer", "programmers", "coder", "coders", "designer",
    "designers", "consultant", "consultants", "intern", "interns", "technician",
    "technicians", "tester", "testers", "strategist", "strategists",
})
#: Words that commonly qualify a job title; safe to repeat back ("ux designers").
TITLE_MODIFIERS = frozenset({
    "ux", "ui", "frontend", "backend", "front", "end", "back", "mobile", "ios", "android",
    "web", "game", "graphic", "marketing", "sales", "hr", "finance", "security", "cloud",
    "network", "qa", "test", "site", "reliability", "prompt", "software", "hardware",
    "embedded", "devops", "it", "support", "technical", "customer", "success", "solutions",
    "full", "stack", "fullstack", "systems", "database", "computer", "vision", "nlp", "llm",
    "quant", "quantitative", "robotics", "blockchain", "crypto", "civil", "mechanical",
    "electrical", "chemical", "project", "program", "account", "community",
    "content", "copy", "growth", "operations", "people", "talent", "legal", "healthcare",
    "clinical", "research", "applied", "principal", "staff", "junior", "senior", "lead",
    "chief", "head", "product", "design", "visual", "interaction", "motion", "3d",
})
#: Words that can stand before a title head without being part of the title.
NOT_TITLE_WORDS = frozenset({
    "a", "an", "the", "for", "of", "as", "do", "does", "to", "is", "are", "be", "my",
    "your", "our", "their", "his", "her", "im", "i", "you", "we", "they", "how", "much",
    "what", "which", "who", "whats", "and", "or", "vs", "versus", "with", "in", "on", "at",
    "from", "into", "about", "like", "than", "then", "so", "if", "other", "both",
    "all", "any", "some", "many", "more", "most", "good", "great", "typical", "average",
    "best", "top", "new", "real", "actual", "being", "become", "becoming", "hire",
    "hiring", "pay", "paid", "salary", "make", "earn", "get", "can", "could", "would",
    "should", "will", "also", "just", "only", "really", "not", "no", "work",
    "working", "job", "jobs", "role", "roles", "position", "positions", "career", "this",
    "that", "these", "those", "it", "them", "me", "us", "per", "each", "every", "one",
    "two", "same", "either", "between", "s", "people", "ppl", "folks", "guys", "someone",
})
#: Seniority words that may prefix a title ("senior mlops engineer").
SENIORITY_WORDS = frozenset({"senior", "sr", "junior", "jr", "entry", "level", "mid", "lead",
                             "principal", "staff", "associate", "head", "chief", "intern"})

# ---------------------------------------------------------------------------------------
# Backgrounds people come from, grouped; a role's best_from is matched against a group.

BACKGROUNDS: dict[str, tuple[str, ...]] = {
    "devops engineer": ("devops", "devops engineer", "sre", "site reliability",
                        "site reliability engineer", "platform engineer", "infra engineer",
                        "infrastructure engineer", "cloud engineer", "sysadmin",
                        "systems administrator", "ops engineer", "operations engineer",
                        "cloud architect", "infra"),
    "product manager": ("product manager", "pm", "product owner", "po", "product management",
                        "product", "program manager", "tpm", "technical program manager"),
    "software engineer": ("software engineer", "swe", "sde", "software developer",
                          "developer", "dev", "backend", "back end", "backend engineer",
                          "backend dev", "backend developer", "frontend", "front end",
                          "frontend dev", "frontend developer", "full stack", "fullstack",
                          "web developer", "web dev", "programmer", "coder", "engineer",
                          "software"),
    "data analyst": ("data analyst", "analyst", "business analyst", "bi analyst",
                     "analytics", "data analytics"),
    "data scientist": ("data scientist", "ds", "data science", "ml researcher",
                       "researcher", "statistician"),
    "newcomer": ("no experience", "zero experience", "without experience", "student",
                 "new grad", "graduate", "grad", "beginner", "bootcamp", "self taught",
                 "career changer", "newbie", "fresher", "junior", "nothing", "no background",
                 "no tech background", "non technical", "nontechnical", "teacher", "nurse"),
}

#: Interests people name when choosing ("i love infra") and words that show them in a
#: role's description. Used to score each role's own text, so new roles work too.
INTERESTS: dict[str, tuple[str, ...]] = {
    "infrastructure": ("infra", "infrastructure", "kubernetes", "terraform", "cloud",
                       "deployment", "deploying", "deploy", "monitoring", "gpu", "clusters",
                       "pipelines", "pipeline", "devops", "serving", "production", "ops",
                       "platform", "systems", "reliability", "servers", "ci", "cd"),
    "coding": ("code", "coding", "program", "programming", "python", "terraform",
               "pipeline", "pipelines", "pull", "requests", "debug", "debugging",
               "engineering", "build", "building", "hands", "technical", "infrastructure",
               "software", "developer", "scripts", "automation"),
    "people": ("people", "talking", "talk", "customers", "customer", "users", "user",
               "research", "meet", "meeting", "meetings", "present", "presenting",
               "leadership", "translator", "conversations", "communication",
               "communicating", "stakeholders", "business", "collaboration"),
    "strategy": ("strategy", "strategic", "roadmap", "vision", "business", "product",
                 "products", "decide", "decisions", "priorities", "requirements",
                 "leadership", "value", "execution", "planning"),
    "product": ("product", "products", "features", "feature", "roadmap", "users",
                "customers", "design", "requirements", "metrics"),
    "data": ("data", "pipelines", "metrics", "evaluation", "analysis", "analytics",
             "experiment", "tracking", "numbers", "measurement"),
    "models": ("model", "models", "ml", "ai", "machine", "learning", "evaluation",
               "serving", "inference", "training", "llm", "llms"),
    "science": ("stats", "statistics", "statistical", "experiment", "experiments", "math",
                "maths", "mathematics", "research", "papers", "hypothesis", "hypotheses",
                "predictions", "prediction", "analysis", "analyses", "methods", "theory"),
    "reporting": ("dashboards", "dashboard", "reports", "reporting", "visualization",
                  "visualizations", "charts", "sql", "warehouse", "bi", "insights"),
}
#: Words that introduce an interest ("i love infra", "someone who enjoys coding").
INTEREST_MARKERS = ("love", "loves", "loving", "like", "likes", "enjoy", "enjoys",
                    "into", "passionate about", "passion for", "interested in",
                    "fan of", "prefer", "prefers", "want to", "wanna", "keen on",
                    "care about", "good at", "hate", "hates", "dislike", "dont like")
NEGATIVE_INTEREST = ("hate", "hates", "dislike", "dont like", "not into", "avoid")

#: Criteria a "which should I choose" question may name.
CRITERIA: dict[str, tuple[str, ...]] = {
    "remote": ("remote", "remotely", "wfh", "work from home", "from home"),
    "pay": ("money", "pay", "pays", "salary", "paid", "rich", "earn", "earning", "comp",
            "compensation", "income", "highest paying", "paying"),
    "entry": ("junior", "juniors", "newcomer", "newcomers", "beginner", "beginners",
              "entry", "entry level", "new grad", "new grads", "grad", "grads",
              "no experience", "less competitive", "easier to get", "easier to break",
              "break in", "starting out", "fresher", "freshers", "newbie", "newbies",
              "first job", "easier to land"),
    "openings": ("jobs", "openings", "prospects", "demand", "more jobs", "positions",
                 "opportunities", "job market", "hiring", "job prospects"),
}

GREETINGS = frozenset({"hi", "hello", "hey", "heya", "hiya", "yo", "sup", "howdy", "gm",
                       "morning", "evening", "hola", "greetings", "wassup", "wsg", "hai",
                       "helo", "ello"})
THANKS = frozenset({"thanks", "thank", "thx", "ty", "tysm", "cheers", "appreciated",
                    "appreciate", "tks", "thnx", "thanx", "ok", "okay", "cool", "nice",
                    "great", "awesome", "perfect", "got", "gotcha", "k", "kk"})
FAREWELLS = frozenset({"bye", "cya", "later", "goodbye", "gn", "night"})

HELP_PHRASES = ("what can you do", "what do you do", "how do i use", "how does this work",
                "help", "commands", "what can i ask", "what do you know", "who are you",
                "what are you")
LIST_ROLES_PHRASES = ("what roles", "which roles", "roles do you", "list roles",
                      "list the roles", "list of roles", "what jobs do you", "roles you",
                      "what careers", "which careers", "what positions do you",
                      "roles can you", "roles are there", "all roles", "what roles are")

#: "ignore previous instructions", "you are now ...": noted, and otherwise ignored.
INJECTION_PATTERNS = (
    r"\bignore (?:all |any |the |your )?(?:previous|prior|above|earlier|preceding|former)\b",
    r"\bdisregard\b", r"\byou are now\b", r"\bfrom now on\b", r"\bpretend\b",
    r"\bact as\b", r"\broleplay\b", r"\brole play\b", r"\bsystem prompt\b",
    r"\bjailbreak\b", r"\bdan\b", r"\brepeat after me\b", r"\bsay that\b", r"\bsay '",
    r'\bsay "', r"\bthen say\b", r"\bjust say\b", r"\bjust guess\b", r"\bmake up\b",
    r"\bmake something up\b", r"\bdeveloper mode\b", r"^system\b", r"\bnew instructions\b",
    r"\boverride\b", r"\bprint your\b", r"\breveal\b", r"\bguess a number\b",
    r"\bforget (?:everything|your|all)\b", r"\binstructions\b",
)

#: Words that mark a message as being about careers at all (for the off-topic test).
DOMAIN_WORDS = frozenset({
    "job", "jobs", "career", "careers", "role", "roles", "work", "salary", "pay", "hire",
    "hiring", "ai", "ml", "tech", "engineer", "engineering", "manager", "skills",
    "skill", "interview", "resume", "cv", "promotion", "remote", "company", "companies",
    "industry", "field", "position", "positions", "data", "product", "learn", "switch",
    "become", "employer", "offer", "market", "postings", "listings", "openings",
})

#: Small words with no signal of their own; never typo-corrected, never role words.
STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "for",
    "from", "by", "with", "about", "as", "is", "are", "was", "were", "be", "been",
    "being", "am", "im", "i", "me", "my", "you", "your", "u", "ur", "we", "our", "they",
    "them", "their", "it", "its", "this", "that", "these", "those", "there", "here",
    "do", "does", "did", "doing", "done", "have", "has", "had", "can", "could", "would",
    "should", "will", "shall", "may", "might", "must", "so", "too", "very", "really",
    "just", "also", "than", "then", "what", "whats", "which", "who", "whom", "whose",
    "when", "where", "why", "how", "hows", "much", "many", "some", "any", "all", "each",
    "both", "either", "neither", "no", "not", "yes", "yeah", "yep", "nope", "ok", "okay",
    "pls", "plz", "please", "r", "rn", "tho", "btw", "lol", "lmao", "like", "get", "got",
    "go", "going", "want", "wanna", "gonna", "one", "ones", "thing", "things", "stuff",
    "kind", "sort", "bit", "lot", "lots", "etc", "vs", "ya", "ye", "yo", "hey", "hi",
    "dont", "doesnt", "isnt", "arent", "cant", "wont", "ive", "id", "ill", "youre",
    "theyre", "thats", "theres", "whos", "say", "tell", "know", "think", "mean", "s",
    "ppl", "people", "folks", "guys", "someone", "anyone", "everyone", "something",
    "anything", "now", "still", "even", "well", "right", "ever", "never", "always",
    "again", "other", "another", "same", "such", "own", "more", "most", "less", "least",
    "only", "over", "under", "into", "out", "up", "down", "off", "through", "between",
    "after", "before", "while", "because", "since", "until", "within", "without",
})

#: Keywords people often misspell ("salery", "remtoe"); typos are corrected to these and
#: to the words of role names and skills in the knowledge base.
TYPO_TARGETS = frozenset({
    "salary", "salaries", "remote", "median", "percentile", "openings", "positions",
    "skills", "career", "progression", "postings", "listings", "senior", "junior", "entry",
    "experience", "average", "compensation", "engineer", "engineers", "manager",
    "managers", "product", "operations", "platform", "machine", "learning", "kubernetes",
    "switch", "transition", "recommend", "choose", "difference", "compare", "typical",
    "responsibilities", "seniority", "overlap", "outlook", "market", "metros", "cities",
})

#: Real English words one edit away from a keyword, role or skill word: never "corrected".
#: (Found by checking a system word list against the keywords; kept here so the bot
#: needs no word list at run time.)
_COMMON_WORDS_TEXT = """
analyses analysis analytic analytical applies architects artificially averaged averages
azures bathing bitching blanching blotching botching branching careen careers carver
cashing catching catchings coaching commendation commuter commuters compacter
compensating compensations completer compute computed computers computes condensation
deployments designed designers developed dicker docked docket engendering engenders
engineered evacuation evacuations evaluating evaluations evolution exaltation expedience
expediences expediency experienced experiences infrastructures intelligent juniors
languages leaning leavening limitings listing machined machinery machines manage managed
manages media medial medians medias opening operating operation operational operatives
operators percentage percentiles perceptible perceptive petitions platformed platforms
position positional positioned positives positrons posting procession produce products
profession progressing progressions progressive prompts pythons qualitative registrars
remoter remotes remove researched researches salaried sciences seniors sensor shills
sills skill skulls spills statistic statistical stills swills visions switches switched
switcher choose chooses chosen chose
"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())
