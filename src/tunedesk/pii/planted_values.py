"""The planted values of `pii.planted`, one maker per kind: each draws a value in one of several real-world formats
from a seeded random generator and the set's word lists (`pii.planted_lists`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from tunedesk.pii.numbers import luhn_valid

Maker = Callable[[dict[str, Any], random.Random], str]


def _digits(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def name_value(words: dict[str, Any], rng: random.Random) -> str:
    """A person's name: first and last, first only, lower case, or hyphenated."""
    first, last = rng.choice(words["first"]), rng.choice(words["last"])
    style = rng.random()
    if style < 0.45:
        return f"{first} {last}"
    if style < 0.65:
        return f"{first} {last}".lower()
    if style < 0.8:
        return first
    return f"{first} {rng.choice(words['last'])}-{last}" if "-" not in last else f"{first} {last}"


def _email(words: dict[str, Any], rng: random.Random) -> str:
    first, last = rng.choice(words["first"]).lower(), rng.choice(words["last"]).lower()
    first, last = (_ascii(first), _ascii(last))
    local = rng.choice([f"{first}.{last}", f"{first}_{last}{rng.randint(1, 99)}", f"{first[0]}{last}",
                        f"{first}+orders"])
    return f"{local}@{rng.choice(['gmail.com', 'outlook.de', 'example.org', 'mail.co.uk', 'yahoo.fr'])}"


def _ascii(word: str) -> str:
    return "".join(c for c in word if c.isascii() and c.isalnum()) or "user"


def _phone(words: dict[str, Any], rng: random.Random) -> str:
    d = lambda n: _digits(rng, n)  # noqa: E731
    formats = [f"+44 20 {d(4)} {d(4)}", f"+1 {d(3)}-{d(3)}-{d(4)}", f"+49 30 {d(8)}", f"+33 6 {d(2)} {d(2)} {d(2)} "
               f"{d(2)}", f"+61 2 {d(4)} {d(4)}", f"+61 4{d(2)} {d(3)} {d(3)}", f"({d(3)}) {d(3)}-{d(4)}",
               f"{d(3)}.{d(3)}.{d(4)}", f"07{d(3)} {d(6)}", f"0044 20 {d(4)} {d(4)}", f"+353 87 {d(3)} {d(4)}",
               f"+91 {d(5)} {d(5)}", f"+81 3-{d(4)}-{d(4)}", f"+31 6 {d(8)}", f"04{d(2)} {d(3)} {d(3)}"]
    return rng.choice(formats)


def _card(words: dict[str, Any], rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("37", 15), ("6011", 16)])
    while True:
        digits = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
        if luhn_valid(digits):
            break
    if length == 15:
        return rng.choice([digits, f"{digits[:4]} {digits[4:10]} {digits[10:]}"])
    groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    return rng.choice([" ".join(groups), "-".join(groups), digits])


_IBAN_BBAN = {"DE": 18, "GB": 18, "FR": 23, "NL": 14, "ES": 20, "IT": 23}


def _iban(words: dict[str, Any], rng: random.Random) -> str:
    country = rng.choice(list(_IBAN_BBAN))
    if country == "GB":
        bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + _digits(rng, 14, "0123456789")
    elif country == "NL":
        bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + _digits(rng, 10, "0123456789")
    elif country == "IT":
        bban = rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + _digits(rng, 22, "0123456789")
    else:
        bban = _digits(rng, _IBAN_BBAN[country], "0123456789")
    numeric = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    iban = f"{country}{98 - numeric % 97:02d}{bban}"
    return rng.choice([iban, " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))])


def _ssn(words: dict[str, Any], rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    group, serial = rng.randint(1, 99), rng.randint(1, 9999)
    sep = rng.choice(["-", "-", " "])
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


def _ni_number(words: dict[str, Any], rng: random.Random) -> str:
    prefix = rng.choice(["AB", "JG", "QQ", "NY", "PR", "ZX", "CE", "HT"])
    digits = _digits(rng, 6, "0123456789")
    suffix = rng.choice("ABCD")
    return rng.choice([f"{prefix}{digits}{suffix}", f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"])


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


def _date_of_birth(words: dict[str, Any], rng: random.Random) -> str:
    y, m, d = rng.randint(1940, 2006), rng.randint(1, 12), rng.randint(1, 28)
    month = _MONTHS[m - 1]
    return rng.choice([f"{d:02d}/{m:02d}/{y}", f"{m:02d}/{d:02d}/{y}", f"{month} {d}, {y}", f"{d} {month} {y}",
                       f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{month[:3]} {d} {y}",
                       f"{d}/{m}/{y % 100:02d}"])


def _ipv4(words: dict[str, Any], rng: random.Random) -> str:
    first = rng.choice([10, 23, 81, 92, 172, 185, 192, 203, 86])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _ipv6(words: dict[str, Any], rng: random.Random) -> str:
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    groups[0] = rng.choice(["2001", "2a02", "2607", "fe80", "2400"])
    if rng.random() < 0.5:
        return ":".join(groups)
    return ":".join(groups[:3]) + "::" + ":".join(groups[6:])


def _address(words: dict[str, Any], rng: random.Random) -> str:
    region = rng.choice(["us", "uk", "au", "ca", "eu"])
    street = rng.choice(words[f"streets_{region}"])
    n = rng.randint(1, 980)
    if region == "us":
        city, state = rng.choice(words["cities_us"])
        text = f"{n} {street} {rng.choice(['Street', 'Ave', 'Road', 'Lane', 'Dr'])}, {city}, {state} {_digits(rng, 5)}"
    elif region == "uk":
        city = rng.choice(words["cities_uk"])
        text = f"{n} {street} {rng.choice(['Road', 'Street', 'Close', 'Gardens'])}, {city} {_uk_postcode(rng)}"
    elif region == "au":
        city, state = rng.choice(words["cities_au"])
        text = f"{n} {street} {rng.choice(['Way', 'Street', 'Crescent', 'Parade'])}, {city} {state} {_digits(rng, 4)}"
    elif region == "ca":
        city, state = rng.choice(words["cities_ca"])
        text = f"{n} {street} {rng.choice(['Avenue', 'Street', 'Blvd'])}, {city}, {state} {_ca_postcode(rng)}"
    else:
        city = rng.choice(words["cities_eu"])
        text = f"{street} {n}, {_digits(rng, 5)} {city}"
    case = rng.random()
    return text.lower() if case < 0.3 else text.upper() if case < 0.4 else text


def _uk_postcode(rng: random.Random) -> str:
    return (rng.choice(["SW1A", "M1", "LS6", "BS8", "EH3", "CF10", "G12", "NW1", "B15", "OX2"]) + " "
            + str(rng.randint(1, 9)) + "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2)))


def _ca_postcode(rng: random.Random) -> str:
    letters = "ABCEGHJKLMNPRSTVXY"
    return (f"{rng.choice('ABCEGHJKLMNPRSTVXY')}{rng.randint(0, 9)}{rng.choice(letters)} "
            f"{rng.randint(0, 9)}{rng.choice(letters)}{rng.randint(0, 9)}")


def _postcode(words: dict[str, Any], rng: random.Random) -> str:
    return rng.choice([_uk_postcode(rng), _ca_postcode(rng), _digits(rng, 5), _digits(rng, 4),
                       f"{_digits(rng, 5)}-{_digits(rng, 4, '0123456789')}"])


def _username(words: dict[str, Any], rng: random.Random) -> str:
    first, last = _ascii(rng.choice(words["first"]).lower()), _ascii(rng.choice(words["last"]).lower())
    return rng.choice([f"{first}_{last}", f"@{first}{last[:3]}", f"{first}{rng.randint(10, 99)}",
                       f"{last}.{first[0]}", f"@{first}_{rng.randint(1, 999)}", f"x{first}x"])


def _order_number(words: dict[str, Any], rng: random.Random) -> str:
    return rng.choice([_digits(rng, 6), _digits(rng, 8), _digits(rng, 7)])


def _account_number(words: dict[str, Any], rng: random.Random) -> str:
    return rng.choice([_digits(rng, 8), f"CU-{_digits(rng, 6)}", f"AC{_digits(rng, 7)}", f"M-{_digits(rng, 5)}",
                       f"{_digits(rng, 4)} {_digits(rng, 4)}"])


VALUE_MAKERS: dict[str, Maker] = {
    "email": _email, "phone": _phone, "card": _card, "iban": _iban, "ssn": _ssn, "ni_number": _ni_number,
    "date_of_birth": _date_of_birth, "ipv4": _ipv4, "ipv6": _ipv6, "address": _address, "postcode": _postcode,
    "username": _username, "order_number": _order_number, "account_number": _account_number,
}
