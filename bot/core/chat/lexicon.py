"""Words and phrases the chat understanding looks for, kept in one place.

Intents are recognised from these sets over normalised tokens, not from whole
sentences, so a question phrased in a new way still hits the same facets. Phrases are
space-joined tokens as ``normalize.clean_message`` produces them ("i'm" is "im").
Weights say how strongly a word points at a facet: 1 is a weak hint (a word with other
common meanings, such as "jobs" or "make"), 3 or more is decisive on its own.

The tables people extend most (facet words, backgrounds, skill synonyms, field names,
decline topics, out-of-scope requests) are data: ``vocabulary/*.yaml``, validated at
import; the small closed sets of grammar words stay here.
"""

from __future__ import annotations

from bot.core.chat import vocabulary
from bot.core.chat.vocabulary import Vocabulary

# ---------------------------------------------------------------------------------------
# Tables loaded from vocabulary/*.yaml (validated once, at import). ``use`` swaps them.

#: facet -> {phrase: weight} (vocabulary/facets.yaml)
FACET_WORDS: dict[str, dict[str, int]]
#: background group -> phrases naming it (vocabulary/backgrounds.yaml)
BACKGROUNDS: dict[str, tuple[str, ...]]
#: phrases that on their own say someone is starting out
NEWCOMER_PHRASES: tuple[str, ...]
#: words after a background phrase opening a message that make it a self-introduction
OPENING_FOLLOWERS: frozenset[str]
#: other spellings of skills -> alias key ("k8s" -> "kubernetes") (vocabulary/skills.yaml)
SKILL_SYNONYMS: dict[str, str]
#: technology words that are skills even when no role lists them
TECH_WORDS: frozenset[str]
#: kinds of skill asked about as a group -> (phrases asking, member skill keys)
SKILL_CATEGORIES: dict[str, tuple[tuple[str, ...], frozenset[str]]]
#: a title's head -> its field's words ("scientist" -> "science") (vocabulary/fields.yaml)
FIELD_NAMES: dict[str, tuple[str, ...]]
#: decline reason -> phrases asking about it (vocabulary/not_held.yaml)
NOT_HELD: dict[str, tuple[str, ...]]
#: a degree is declined only when asked whether one is needed
DEGREE_WORDS: tuple[str, ...]
DEGREE_NEED: tuple[str, ...]
#: course recommendations are not held either (an FAQ entry may cover one)
COURSE_WORDS: tuple[str, ...]
COURSE_ASK: tuple[str, ...]
#: pay split by remote and on-site work ("do remote jobs pay less")
REMOTE_PAY: tuple[str, ...]
#: pay broken down by level, experience or kind of company
LEVEL_PAY_WORDS: tuple[str, ...]
COMPANY_TYPES: tuple[str, ...]
COMPANIES: frozenset[str]
#: asking which companies hire ("top hiring companies")
COMPANY_WORDS: tuple[str, ...]
#: requests outside careers advice (vocabulary/out_of_scope.yaml)
OUT_OF_SCOPE: tuple[str, ...]
#: occupations outside AI and data, and the endings that mark one (vocabulary/occupations.yaml)
OCCUPATIONS: frozenset[str]
OCCUPATION_SUFFIXES: tuple[str, ...]


def use(vocab: Vocabulary) -> None:
    """Make ``vocab`` the vocabulary the understanding reads (at import: the shipped
    files; a test adds a file to show that a new phrasing is a data change). Catalogs
    built before keep the words they were built with."""
    g = globals()
    g.update(FACET_WORDS=vocab.facets, BACKGROUNDS=vocab.backgrounds,
             NEWCOMER_PHRASES=vocab.newcomer_phrases, OPENING_FOLLOWERS=vocab.opening_followers,
             SKILL_SYNONYMS=vocab.skill_synonyms,
             TECH_WORDS=vocab.tech_words, SKILL_CATEGORIES=vocab.skill_categories,
             FIELD_NAMES=vocab.field_names, NOT_HELD=vocab.not_held,
             COMPANIES=frozenset(vocab.lists["companies"]), OUT_OF_SCOPE=vocab.out_of_scope,
             OCCUPATIONS=vocab.occupations, OCCUPATION_SUFFIXES=vocab.occupation_suffixes)
    for key in ("degree_words", "degree_need", "course_words", "course_ask", "remote_pay",
                "level_pay_words", "company_types", "company_words"):
        g[key.upper()] = vocab.lists[key]


use(vocabulary.load())

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
