"""The fictional people of the example corpus: customers with their (fake) personal data, and the support agents.

All names come from the lists below, all emails use `.example` domains, all phone numbers are 555-01xx, and
card numbers are random Luhn-valid numbers, so no real person's data can appear.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from tunedesk.example.brand import SITE_URL, STORE_PHONE

FIRST_NAMES = (
    "Jake", "Maria", "Anna", "Liam", "Sofia", "Noah", "Emma", "Mateo", "Olivia", "Ethan", "Ava", "Lucas", "Mia",
    "Daniel", "Grace", "Ryan", "Chloe", "Owen", "Zoe", "Caleb", "Hannah", "Isaac", "Leah", "Marcus", "Nora",
    "Aaron", "Priya", "Kenji", "Fatima", "Tomas", "Ingrid", "Rafael", "Aisha", "Wesley", "Yara", "Colin",
    "Megan", "Diego", "Naomi", "Felix", "Ruth", "Samir", "Tessa", "Victor", "Wren", "Hugo", "Imani", "Jonah",
    "Keira", "Luis", "Maeve", "Nikhil", "Opal", "Quinn", "Rosa", "Silas", "Talia", "Uma", "Vera", "Xavier",
)
LAST_NAMES = (
    "Morales", "Schmidt", "Lopez", "Nguyen", "Okafor", "Brennan", "Castillo", "Dubois", "Eriksen", "Fischer",
    "Garcia", "Haddad", "Ivanova", "Jensen", "Kowalski", "Lindgren", "Mendoza", "Novak", "O'Brien", "Patel",
    "Quintero", "Rossi", "Sato", "Thornton", "Underwood", "Vargas", "Whitaker", "Yamamoto", "Zielinski",
    "Abernathy", "Bishop", "Calloway", "Delgado", "Ellison", "Farrow", "Gallagher", "Holloway", "Ingram",
    "Jameson", "Kaplan", "Larkin", "Mercer", "Nakamura", "Osei", "Prescott", "Ramirez", "Sandoval", "Tran",
)
EMAIL_DOMAINS = ("mailbox.example", "inbox.example", "trailmail.example", "postbox.example", "webmail.example")
AREA_CODES = ("303", "720", "970", "415", "512", "206", "617", "312", "503", "801")
STREETS = (
    "Juniper", "Aspen Ridge", "Birch", "Cedar Hollow", "Elk Run", "Foxglove", "Larkspur", "Maple Bend",
    "Old Mill", "Pinecrest", "Quarry", "Riverside", "Sagebrush", "Timberline", "Willow Creek", "Yarrow",
)
STREET_SUFFIXES = ("Street", "Avenue", "Road", "Lane", "Drive", "Way", "Court")
CITIES = (
    ("Denver", "CO", "802"), ("Fort Collins", "CO", "805"), ("Austin", "TX", "787"), ("Portland", "OR", "972"),
    ("Seattle", "WA", "981"), ("Madison", "WI", "537"), ("Asheville", "NC", "288"), ("Burlington", "VT", "054"),
    ("Missoula", "MT", "598"), ("Salt Lake City", "UT", "841"), ("Flagstaff", "AZ", "860"), ("Duluth", "MN", "558"),
)


@dataclass(frozen=True)
class Customer:
    """A requester with the personal data the corpus plants in their messages."""

    user_id: int
    first: str
    last: str
    email: str
    phone: str
    address: str
    card: str

    @property
    def full(self) -> str:
        """First and last name, as the customer signs."""
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Agent:
    """A support agent; `signature` agents end replies with a signature block."""

    user_id: int
    first: str
    last: str
    title: str
    signature: bool
    role: str = "agent"

    @property
    def full(self) -> str:
        """First and last name."""
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        """The agent's work address at the brand's domain."""
        return f"{self.first.lower()}.{self.last[0].lower()}@trailhead-outfitters.example"


AGENTS = (
    Agent(361000000001, "Jake", "Turner", "Customer Experience Specialist", True),
    Agent(361000000002, "Maya", "Lindqvist", "Support Specialist", False),
    Agent(361000000003, "Sam", "Okoro", "Gear Advisor", True),
    Agent(361000000004, "Priya", "Raman", "Support Specialist", False),
    Agent(361000000005, "Leo", "Martins", "Customer Experience Specialist", False),
    Agent(361000000006, "Hannah", "Cole", "Senior Support Specialist", True),
    Agent(361000000007, "Diego", "Alvarez", "Support Specialist", False),
    Agent(361000000008, "Morgan", "Ellis", "Support Team Lead", True, role="admin"),
)
CUSTOMER_ID_BASE = 362000000000
# 0142 is the store's own line: a customer sharing it would look like the allowlisted support number.
_CUSTOMER_LINES = tuple(n for n in range(100, 200) if n != int(STORE_PHONE[-3:]))


@lru_cache(maxsize=4096)
def customer_for(seed: int, index: int) -> Customer:
    """The customer with this index; a pure function of (seed, index), so streams need not remember customers."""
    rng = random.Random(f"{seed}:customer:{index}")
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    handle = f"{first}.{last}".lower().replace("'", "")
    email = f"{handle}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
    return Customer(
        user_id=CUSTOMER_ID_BASE + index,
        first=first,
        last=last,
        email=email,
        phone=fictional_phone(rng),
        address=street_address(rng),
        card=card_number(rng),
    )


def fictional_phone(rng: random.Random) -> str:
    """A US phone number in the 555-0100..0199 range reserved for fiction, in one of the common layouts."""
    area, line = rng.choice(AREA_CODES), rng.choice(_CUSTOMER_LINES)
    layout = rng.choice(("({a}) 555-0{l}", "{a}-555-0{l}", "{a}.555.0{l}", "+1 {a} 555 0{l}"))
    return layout.format(a=area, l=line)


def street_address(rng: random.Random) -> str:
    """A US-style street address on an invented street."""
    city, state, zip_prefix = rng.choice(CITIES)
    unit = f", Apt {rng.randint(1, 24)}{rng.choice('ABCD')}" if rng.random() < 0.25 else ""
    street = f"{rng.randint(12, 9890)} {rng.choice(STREETS)} {rng.choice(STREET_SUFFIXES)}"
    return f"{street}{unit}, {city}, {state} {zip_prefix}{rng.randint(10, 99)}"


def card_number(rng: random.Random) -> str:
    """A random Luhn-valid 16-digit card number, grouped the way people type them."""
    digits = [rng.choice((4, 5)), *map(int, f"{rng.randrange(10**14):014d}")]
    digits.append(luhn_check_digit(digits))
    text = "".join(map(str, digits))
    sep = rng.choice((" ", " ", "-", ""))
    return sep.join(text[i : i + 4] for i in range(0, 16, 4))


def luhn_check_digit(digits: list[int]) -> int:
    """The digit that makes `digits + [it]` pass the Luhn check."""
    total = 0
    for pos, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if pos % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return (10 - total % 10) % 10


def luhn_valid(number: str) -> bool:
    """True when the digits of `number` pass the Luhn checksum."""
    digits = [int(c) for c in number if c.isdigit()]
    return len(digits) >= 12 and luhn_check_digit(digits[:-1]) == digits[-1]


def signature_block(agent: Agent) -> str:
    """The signature an agent pastes under the valediction (each agent has one habitual layout)."""
    if agent.user_id % 2:
        return f"--\n{agent.full}\n{agent.title} | Trailhead Outfitters\n{STORE_PHONE} | {SITE_URL}"
    extension = agent.user_id % 1000
    return f"{agent.full}\n{agent.title}\nTrailhead Outfitters\nT: {STORE_PHONE} ext. {extension}\n{SITE_URL}"
