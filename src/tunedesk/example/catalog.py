"""The store's catalogue and the per-ticket slot values (product, size, order number, tracking, dates…).

Templates of customer messages and agent answers name slots like `{item}` or `{tracking}`; `ticket_slots`
fills all of them at once from the ticket's own random generator, so a ticket's question and answer agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from tunedesk.example.people import Customer


@dataclass(frozen=True)
class Product:
    """One catalogue item; `kind` decides which intents can be about it."""

    name: str
    kind: str  # pack | jacket | apparel | boots | gear | device
    own_brand: bool
    part: str
    price: str


PRODUCTS = (
    Product("Summit 40L pack", "pack", True, "rain cover", "$189.00"),
    Product("Kestrel 22L daypack", "pack", True, "hydration sleeve", "$89.00"),
    Product("Ridgeline rain jacket", "jacket", True, "stuff sack", "$159.00"),
    Product("Alpenglow down jacket", "jacket", True, "stuff sack", "$229.00"),
    Product("Scree softshell pants", "apparel", True, "belt", "$119.00"),
    Product("Trailhead merino base layer", "apparel", True, "spare button", "$79.00"),
    Product("Talus hiking boots", "boots", True, "spare laces", "$199.00"),
    Product("Basecamp 2 tent", "gear", True, "pole section", "$349.00"),
    Product("Cirque 20F sleeping bag", "gear", True, "compression sack", "$259.00"),
    Product("Switchback trekking poles", "gear", True, "pair of basket tips", "$99.00"),
    Product("Ember camp stove", "device", True, "pot support", "$69.00"),
    Product("Lumen 400 headlamp", "device", True, "USB-C cable", "$49.00"),
    Product("Northpeak trail runners", "boots", False, "spare insoles", "$139.00"),
    Product("Glacierline insulated bottle", "gear", False, "spare lid", "$39.00"),
    Product("Aspenwood camp chair", "gear", False, "carry bag", "$79.00"),
    Product("Bluecrest GPS watch", "device", False, "charging cable", "$299.00"),
    Product("Sierra Loft fleece", "apparel", False, "spare zip pull", "$99.00"),
)

ITEM_KINDS = {
    "any": lambda p: True,
    "apparel": lambda p: p.kind in ("jacket", "apparel"),
    "jacket": lambda p: p.kind == "jacket",
    "boots": lambda p: p.kind == "boots",
    "pack": lambda p: p.kind == "pack",
    "gear": lambda p: p.kind in ("gear", "pack", "device"),
    "device": lambda p: p.kind == "device",
    "own": lambda p: p.own_brand,
    "own_soft": lambda p: p.own_brand and p.kind in ("pack", "jacket", "apparel", "boots"),
    "other": lambda p: not p.own_brand,
}
"""Which products an intent can be about, by the intent's `item` kind."""

APPAREL_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
BOOT_SIZES = ("US 7", "US 7.5", "US 8", "US 8.5", "US 9", "US 9.5", "US 10", "US 10.5", "US 11", "US 12")
COLOURS = ("Forest Green", "Slate Grey", "Ember Orange", "Glacier Blue", "Black", "Sand", "Burgundy")
CODES = ("TRAIL15", "WELCOME10", "SUMMIT20", "BASECAMP10", "SPRING25", "FALLGEAR")
COUNTRIES = ("Canada", "the UK", "Germany", "Australia", "Mexico", "Japan", "France")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


PRODUCT_BY_NAME = {p.name: p for p in PRODUCTS}


def fits(item_kind: str, product_name: str) -> bool:
    """True when an intent of this item kind can be about the named product."""
    return ITEM_KINDS.get(item_kind, ITEM_KINDS["any"])(PRODUCT_BY_NAME[product_name])


def short_date(day: datetime) -> str:
    """`Mar 3`: locale-independent, so files are identical everywhere."""
    return f"{MONTHS[day.month - 1]} {day.day}"


def long_date(day: datetime) -> str:
    """`Thursday, Mar 6`."""
    return f"{WEEKDAYS[day.weekday()]}, {short_date(day)}"


def pick_product(rng: random.Random, item_kind: str) -> Product:
    """A product an intent of this item kind can be about."""
    fits = ITEM_KINDS.get(item_kind, ITEM_KINDS["any"])
    return rng.choice([p for p in PRODUCTS if fits(p)])


def sizes_for(product: Product, rng: random.Random) -> tuple[str, str]:
    """The size a customer has and a neighbouring one they might want instead."""
    scale: tuple[str, ...]
    if product.kind == "boots":
        scale = BOOT_SIZES
    elif product.kind in ("jacket", "apparel"):
        scale = APPAREL_SIZES
    else:
        return "one size", "one size"
    i = rng.randrange(len(scale) - 1)
    return (scale[i], scale[i + 1]) if rng.random() < 0.7 else (scale[i + 1], scale[i])


def tracking_number(rng: random.Random, carrier: str) -> str:
    """A carrier-shaped tracking number (random digits)."""
    if carrier == "UPS":
        body = "".join(rng.choices("0123456789ABCDEFGHJKLMNPRSTVWXY", k=6))
        return f"1Z{body}03{rng.randint(10**7, 10**8 - 1)}"
    digits = f"{rng.randrange(10**18):018d}"
    return f"9400 1{digits[:3]} {digits[3:7]} {digits[7:11]} {digits[11:15]} {digits[15:]}"


def ticket_slots(rng: random.Random, customer: Customer, item_kind: str, created: datetime) -> dict[str, str]:
    """Every slot a template can name, filled consistently for one ticket."""
    product = pick_product(rng, item_kind)
    other = rng.choice([p for p in PRODUCTS if p is not product])
    size, other_size = sizes_for(product, rng)
    colour, other_colour = rng.sample(COLOURS, 2)
    carrier = rng.choice(("UPS", "UPS", "USPS"))
    restock = created + timedelta(weeks=rng.randint(2, 6))
    restock -= timedelta(days=restock.weekday())
    return {
        "first": customer.first,
        "full": customer.full,
        "email": customer.email,
        "phone_number": customer.phone,
        "address": customer.address,
        "card": customer.card,
        "last4": customer.card[-4:],
        "order": f"TH-{rng.randint(100000, 189999)}",
        "item": product.name,
        "price": product.price,
        "part": product.part,
        "wrong_item": other.name,
        "size": size,
        "other_size": other_size,
        "colour": colour,
        "other_colour": other_colour,
        "carrier": carrier,
        "tracking": tracking_number(rng, carrier),
        "ship_date": short_date(created - timedelta(days=rng.randint(2, 4))),
        "order_date": short_date(created - timedelta(days=rng.randint(5, 9))),
        "eta": long_date(created + timedelta(days=rng.randint(1, 3))),
        "ship_day": rng.choice(("today", "tomorrow")),
        "stock": str(rng.randint(3, 38)),
        "store_stock": str(rng.randint(1, 6)),
        "restock": f"the week of {short_date(restock)}",
        "weeks": rng.choice(("two", "three", "a couple of")),
        "days_ago": str(rng.randint(3, 9)),
        "months": str(rng.randint(2, 11)),
        "code": rng.choice(CODES),
        "amount": product.price,
        "country": rng.choice(COUNTRIES),
    }
