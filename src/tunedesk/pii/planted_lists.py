"""The words and templates `pii.planted` builds its benchmark tickets from, as two disjoint sets.

`DEV` is what the detectors were improved against; `TEST` has other names, streets, cities, phrasings and sign-offs,
and is only scored. `{v}` in a template is where the planted (or benign) value goes. Names and places are written
for this benchmark (common given names and surnames of many languages, invented streets); nothing is copied.
"""

from __future__ import annotations

from typing import Any


def _words(text: str) -> list[str]:
    return text.split()


DEV: dict[str, Any] = {
    "first": _words(
        """Tomasz Oluwaseun Mei-Ling Dave James Marcus Anna-Lena Priya Siobhan Mateo Ingrid Kwame Yuki Fatima
        Dmitri Aisling Lucía Bogdan Chiamaka Henrik Nadia Rafael Svetlana Tariq Wei Zofia Emeka Camille Jonas
        Leilani Ravi Astrid Olumide Farah Pavel Noor Sebastián Keiko Aleksander Thandiwe Joaquim Hyun-woo Ewa
        Callum Isabel Musa Greta Anil Oksana"""
    ),
    "last": _words(
        """Wisniewski Adebayo Chen Okafor Smith Hoffmann Patel O'Brien García Lindqvist Mensah Tanaka Haddad Volkov
        Byrne Fernández Kowalczyk Eze Johansson Karimi Oliveira Ivanova Rahman Zhang Nowak Nwosu Dubois Becker
        Kahananui Sharma Nilsson Balogun Aziz Novak Hussain Morales Yamamoto Dlamini Santos Park Mazur MacLeod
        Rossi-Barker Schulz Ahmed"""
    ),
    "name_templates": [
        "The account name is {v}.",
        "account name {v}",
        "My husband {v} placed the order.",
        "It was signed for by {v} apparently.",
        "name's {v}, I ordered last week",
        "Hi, it's {v}.",
        "It's {v} again about the boots.",
        "Yesterday {v} called me back.",
        "I'm {v} and I need help.",
        "{v} from your team said it would ship Monday.",
        "I spoke to {v} on the phone yesterday.",
        "Please send it to {v} instead.",
        "My wife {v} will collect it.",
        "The parcel was left with {v} next door.",
        "Cardholder: {v}",
        "Ship to: {v}",
        "My name is {v}.",
        "{v} placed the order for me.",
        "Could {v} pick it up on my behalf?",
        "This is {v} from the Leeds store.",
        "Hello {v},",
        "The order is under {v}.",
    ],
    "signoffs": ["Thanks,\n{v}", "Kind regards,\n{v}", "Cheers\n{v}", "Regards,\n{v}\nSent from my phone"],
    "streets_us": ["Evergreen", "Maple Grove", "Larkspur", "Cedar Hollow", "Birchwood", "Oak Ridge", "Sycamore"],
    "streets_uk": ["Baker", "Kingsley", "Abbey", "Ashdown", "Fenwick", "Holloway"],
    "streets_au": ["Wallaby", "Banksia", "Wattle", "Jacaranda", "Kookaburra"],
    "streets_ca": ["Maple", "Spadina", "Beaver Creek", "Laurier", "Sherbrooke"],
    "streets_eu": ["Hauptstraße", "Lindenallee", "Keizersgracht", "Calle Mayor", "Via Roma", "Rue Lepic"],
    "cities_us": [("Springfield", "IL"), ("Portland", "OR"), ("Austin", "TX"), ("Denver", "CO"), ("Albany", "NY")],
    "cities_uk": ["London", "Leeds", "Bristol", "Manchester", "York"],
    "cities_au": [("Sydney", "NSW"), ("Melbourne", "VIC"), ("Brisbane", "QLD"), ("Perth", "WA")],
    "cities_ca": [("Toronto", "ON"), ("Vancouver", "BC"), ("Montreal", "QC"), ("Calgary", "AB")],
    "cities_eu": ["Berlin", "Amsterdam", "Madrid", "Paris", "Milano", "Wien"],
    "kind_templates": {
        "email": ["You can reach me at {v}.", "my email is {v}", "Reply to {v} please", "({v})"],
        "phone": ["Call me on {v}.", "my number is {v}", "Phone: {v}", "reach me at {v} after 5"],
        "card": ["The card was {v}.", "card number {v}", "I paid with {v}"],
        "iban": ["Please refund to IBAN {v}.", "my bank account is {v}", "IBAN: {v}"],
        "ssn": ["My SSN is {v}.", "social security number {v}", "SSN: {v}"],
        "ni_number": ["My NI number is {v}.", "National Insurance: {v}", "NINO {v}"],
        "date_of_birth": ["My date of birth is {v}.", "DOB: {v}", "I was born on {v}.", "birthday {v}"],
        "ipv4": ["My IP address is {v}.", "the login came from {v}", "IP: {v}"],
        "ipv6": ["My IP address is {v}.", "the login came from {v}", "IPv6 {v}"],
        "address": ["Please ship to {v}.", "My address is {v}.", "I live at {v}", "Address:\n{v}"],
        "postcode": ["My postcode is {v}.", "zip code {v}", "postal code {v}"],
        "username": ["My username is {v}.", "login: {v}", "I'm {v} on your forum", "user name {v}"],
        "order_number": ["Where is order #{v}?", "Order number: {v}", "order {v} never came", "re order no. {v}"],
        "account_number": ["My account number is {v}.", "Account no: {v}", "customer ID {v}", "acct {v}"],
    },
    "subjects": ["Re: {label} {v}", "Question about {label} {v}", "{label} {v} - help", "Fwd: {label} {v}"],
    "subject_labels": {
        "email": "email",
        "phone": "call back",
        "card": "card",
        "iban": "IBAN",
        "ssn": "SSN",
        "ni_number": "NI number",
        "date_of_birth": "DOB",
        "ipv4": "IP",
        "ipv6": "IP",
        "address": "delivery to",
        "postcode": "postcode",
        "username": "username",
        "order_number": "order",
        "account_number": "account",
    },
    "filler": [
        "I ordered a tent last week and it still has not arrived.",
        "The zip on my jacket broke.",
        "Could you tell me when the boots will be back in stock?",
        "Thanks for the quick reply.",
    ],
    "agent_filler": [
        "Thanks for getting in touch.",
        "I've checked the tracking for you.",
        "I'm sorry about the delay.",
    ],
    "products": [
        "Summit Pro Jacket",
        "Alpine Ridge 2P Tent",
        "Cascade Trail Runner",
        "Granite Peak 45L Pack",
        "Hudson Down Vest",
        "Jordan Trail Boots",
        "Aurora Headlamp",
        "Kestrel Rain Shell",
    ],
    "prices": ["$129.99", "€45,00", "£1,299.00", "USD 89", "12.50 EUR", "$2,450"],
    "sizes": ["size 10.5", "32x34", "EU 42", "2.5 kg", "size XL", "180 x 60 cm", "US 9 / UK 8.5"],
    "models": ["model XR-2000", "SKU 4471-BLK", "TH-220B", "version 2.3.1", "firmware 4.1.0", "part 88-1042"],
    "times": ["10:30 am", "14:00-16:00", "9am to 5pm", "between 8:15 and 9:45", "at 17:45"],
    "dates": ["14/03/2025", "March 3, 2025", "2025-11-02", "on 02.06.2024"],
    "benign_templates": [
        "I bought the {v} last month.",
        "It cost {v} in the end.",
        "Is {v} still available?",
        "I need {v} instead.",
        "We open {v} on weekdays.",
        "I got it {v}.",
    ],
}

TEST: dict[str, Any] = {
    "first": _words(
        """Agnieszka Chukwudi Xiu Bartholomew Magnus Oyelaran Ngozi Ji-hoon Esperanza Lorcan Mirela Thabo Henrike
        Vikram Saoirse Darius Yevgenia Kofi Manon Ilse Roisin Santiago Lakshmi Anneliese Bongani Mihail Elif
        Guadalupe Arjun Hilde Obinna Sun-mi Kasimir Marisol Tendai Florian Ayesha Cormac Ludmila Emmanuelle
        Kenji Jan-Erik Beatriz Ifeoma Radek Solveig Hamid Nikolai Ottilie"""
    ),
    "last": _words(
        """Zielinski Okonkwo Liang Abernathy Sørensen Oyelowo Nakamura Castellanos Ó'Súilleabháin Petrescu Nkosi
        Vogel Raghunathan Kavanagh Mirzaei Sokolova Asante Lefebvre Brandt Quigley Herrera Subramanian Weiß
        Mokoena Popescu Yilmaz Domínguez Iyer Halvorsen Ogunleye Kang Wróblewski Benítez Chikwanha Eberhardt
        Siddiqui Doyle Kuznetsova Marchetti Watanabe Lindgren-Holt Ferreira Obi Dvořák Rasmussen Karimi-Noor
        Orlov"""
    ),
    "name_templates": [
        "The account is under {v}.",
        "my partner {v} ordered it",
        "received by {v} according to tracking",
        "name is {v} by the way",
        "it's {v} here, writing again",
        "this is {v}, I wrote last week",
        "{v} in your returns team told me to wait.",
        "I talked with {v} yesterday.",
        "{v} bought this as a gift.",
        "can you put it in the name of {v}",
        "my daughter {v} uses the account",
        "my neighbour {v} took the parcel in",
        "Name on card: {v}",
        "Deliver to {v}",
        "I am {v}, the customer.",
        "my son {v} says it was damaged",
        "{v} at your warehouse confirmed it.",
        "the courier handed it to {v}.",
        "Dear {v},",
        "could you let {v} know?",
        "I'm {v}, following up.",
        "Recipient: {v}",
    ],
    "signoffs": ["Best wishes,\n{v}", "Many thanks\n{v}", "Warm regards,\n{v}\n--", "Sincerely,\n{v}"],
    "streets_us": ["Willow Bend", "Magnolia", "Hawthorne", "Pinecrest", "Riverside", "Juniper"],
    "streets_uk": ["Marlowe", "Chancery", "Greenfield", "Thornbury", "Westgate"],
    "streets_au": ["Grevillea", "Bottlebrush", "Waratah", "Coolabah", "Lorikeet"],
    "streets_ca": ["Bloor", "Rideau", "Osborne", "Kingsway", "Lakeshore"],
    "streets_eu": ["Bahnhofstraße", "Prinsengracht", "Gran Vía", "Via Garibaldi", "Rue des Martyrs", "Storgatan"],
    "cities_us": [("Columbus", "OH"), ("Tucson", "AZ"), ("Madison", "WI"), ("Raleigh", "NC"), ("Boise", "ID")],
    "cities_uk": ["Glasgow", "Cardiff", "Norwich", "Brighton", "Oxford"],
    "cities_au": [("Adelaide", "SA"), ("Hobart", "TAS"), ("Canberra", "ACT"), ("Darwin", "NT")],
    "cities_ca": [("Ottawa", "ON"), ("Halifax", "NS"), ("Winnipeg", "MB"), ("Victoria", "BC")],
    "cities_eu": ["München", "Utrecht", "Sevilla", "Lyon", "Torino", "Stockholm"],
    "kind_templates": {
        "email": ["write to me: {v}", "my address is {v} if you need it", "{v} is my new email", "E-mail {v}"],
        "phone": ["text me on {v}", "mobile {v}", "my cell: {v}", "you can ring {v}"],
        "card": ["charged to my card {v}", "Visa {v}", "the card ending... actually full number {v}"],
        "iban": ["bank details: {v}", "refund to this IBAN {v} please", "account (IBAN) {v}"],
        "ssn": ["SSN {v} for the tax form", "my social is {v}", "social security no. {v}"],
        "ni_number": ["NI no. {v}", "my national insurance number is {v}", "NI: {v}"],
        "date_of_birth": ["date of birth {v}", "D.O.B. {v}", "born {v}", "my birthdate is {v}"],
        "ipv4": ["from IP {v}", "ip address {v} was blocked", "connecting from {v}"],
        "ipv6": ["from IP {v}", "ip address {v} was blocked", "connecting from {v}"],
        "address": ["send it to {v} please", "new address: {v}", "we moved to {v}", "Shipping address:\n{v}"],
        "postcode": ["postcode {v}", "my zip is {v}", "post code: {v}"],
        "username": ["username {v}", "my handle is {v}", "logged in as {v}", "user: {v}"],
        "order_number": ["order #{v} is late", "about order {v}", "Order No. {v}", "my order number is {v}"],
        "account_number": ["account number {v}", "Customer number: {v}", "membership no. {v}", "account # {v}"],
    },
    "subjects": ["{label} {v}", "RE: {label} {v} - still waiting", "Issue with {label} {v}", "Urgent: {label} {v}"],
    "subject_labels": {
        "email": "e-mail",
        "phone": "phone",
        "card": "card",
        "iban": "bank account",
        "ssn": "social security",
        "ni_number": "NI",
        "date_of_birth": "date of birth",
        "ipv4": "IP address",
        "ipv6": "IPv6",
        "address": "address",
        "postcode": "zip",
        "username": "login",
        "order_number": "Order",
        "account_number": "Account no.",
    },
    "filler": [
        "My sleeping bag came with a torn seam.",
        "The stove does not light any more.",
        "Is there a discount for members?",
        "I would like to exchange the gloves.",
    ],
    "agent_filler": ["Happy to help with this.", "I have looked into your order.", "Apologies for the trouble."],
    "products": [
        "Ridgeline Softshell",
        "Tahoe 3-Season Tent",
        "Sierra Trek Poles",
        "Denali 65L Pack",
        "Harper Fleece",
        "Madison Hiking Sock",
        "Everest Base Parka",
        "Logan Camp Chair",
    ],
    "prices": ["$89.50", "€1.299,00", "£35", "CAD 140", "AUD 79.95", "$19"],
    "sizes": ["size 44", "34W 32L", "EU 38.5", "1.2 kg", "size M", "200 x 140 cm", "women's 7"],
    "models": ["model TR-450", "SKU 2209-GRN", "item 55-3810", "v1.4.2", "app version 3.12.0", "ref AB-7781"],
    "times": ["11:15", "08:00-12:00", "from 7pm", "between 10 and 11:30 am", "by 6:30 pm"],
    "dates": ["02/11/2024", "January 9, 2025", "2024-12-24", "on 15.08.2025"],
    "benign_templates": [
        "The {v} arrived broken.",
        "You charged me {v}.",
        "Do you have {v}?",
        "It says {v} here.",
        "Delivery is {v}.",
        "Can I get {v}?",
    ],
}

BRAND: dict[str, Any] = {
    "name": "Trailhead Outfitters",
    "contacts": [
        "support@trailhead.example",
        "+1 (555) 010-0100",
        "100 Harbor Way, Portland, OR 97201",
        "@TrailheadHelp",
        "trailhead.example/returns",
    ],
}
"""The brand whose own contacts are on the allowlist and must survive redaction."""
