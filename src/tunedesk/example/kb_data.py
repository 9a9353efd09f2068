"""The example workspace's knowledge base: Markdown help-centre articles with YAML front matter.

Bodies name policy facts as `{return_days}`-style placeholders filled from brand.CURRENT_FACTS, so the KB
always agrees with policies.yaml and with the agent answers.
"""

from __future__ import annotations

import json

from tunedesk.example.brand import CURRENT_FACTS

ARTICLES: dict[str, tuple[str, str, list[str], str]] = {
    "returns.md": (
        "Returns and refunds", "returns", ["returns", "refunds", "return label"],
        """Changed your mind? Unused items in their original condition, with tags attached, can be returned within
{return_days} days of delivery.

## How to return an item
1. Go to {site}/returns and enter your order number and email address (or open the order in your account).
2. Choose the items you're sending back and print the free prepaid UPS label.
3. Pack the items in their original packaging and drop the parcel at any UPS location.

You can also bring online orders to our flagship store at {store_address}.

## Refunds
Refunds go back to your original payment method within {refund_days} business days of your return reaching our
warehouse, and we email you when it's done. Your bank may take a few more days to show it. Return shipping is
free; the original shipping charge is refunded only if the item arrived damaged or faulty or we sent the wrong
item.

Some items can't be returned: see [Final Sale items](final-sale.md).
""",
    ),
    "final-sale.md": (
        "Final Sale items", "returns", ["final sale", "clearance", "gift cards"],
        """Items marked **Final Sale** cannot be returned or exchanged. This covers:

- clearance items,
- gift cards,
- custom-embroidered gear.

The Final Sale label is shown on the product page and at checkout. If a Final Sale item arrives damaged or
faulty, contact us with a photo and we'll replace it or refund you: see
[Damaged, missing or wrong items](damaged-missing-or-wrong-items.md).
""",
    ),
    "exchanges.md": (
        "Exchanges for a different size or colour", "exchanges", ["exchanges", "size", "colour"],
        """Exchanges for a different size or colour are free within {exchange_days} days of delivery, with shipping
included both ways.

1. Start an exchange at {site}/returns and choose **Exchange**.
2. Pick the new size or colour and print the prepaid label.
3. Drop the parcel at any UPS location.

We ship the replacement as soon as UPS scans your return, so you don't have to wait for it to reach us. If the
size or colour you want is sold out, we refund you instead.

Online orders can also be exchanged in person at our flagship store at {store_address}, open every day from
{store_hours}, if the new size or colour is in stock there. To switch to a different product, return the item
for a refund and place a new order.
""",
    ),
    "shipping.md": (
        "Shipping options, costs and delivery times", "shipping", ["shipping", "delivery", "express", "free shipping"],
        """| Service | Cost | Delivery time |
|---|---|---|
| Standard | free on orders over ${free_ship}, otherwise ${standard_cost} | {standard_days} business days |
| Express | ${express_cost} | {express_days} business days |

Orders placed before {cutoff} Eastern on a business day ship the same day; later orders ship the next business
day. We don't ship on weekends or holidays. Delivery times count from dispatch.

## Where we ship
We currently ship within the United States only, including Alaska, Hawaii and APO/FPO addresses. We don't ship
internationally yet.
""",
    ),
    "order-tracking.md": (
        "Tracking your order", "order_status", ["tracking", "order status", "address change", "split shipment"],
        """As soon as your order leaves our warehouse we email you the carrier and tracking number. You can also follow
any order at {site}/track with your order number (it starts with TH-) and your email address.

- **Still processing?** Orders placed before {cutoff} Eastern on a business day ship the same day. If an item
  comes from our second warehouse, it can take an extra day.
- **Only part of your order arrived?** Orders are sometimes split into several parcels; each has its own
  tracking number under Orders in your account.
- **Wrong address?** We can change the delivery address until the order ships: reply to your order
  confirmation or contact us with the new address.
- **No movement for a few days?** Tracking can pause while parcels move between hubs. If your parcel is late,
  contact us and we'll open a trace with the carrier.
""",
    ),
    "stock-and-restocks.md": (
        "Stock, restocks and store availability", "availability", ["stock", "restock", "notify me", "store stock"],
        """Online stock updates every few minutes: if the product page lets you add an item to your cart, it's in
stock at our warehouse.

**Sold out?** Click **Notify me** on the product page and we'll email you the moment it's back. Popular restocks
can sell out within days.

**Want to try it on?** Our flagship store at {store_address} has its own stock, which can differ from the
warehouse. Call the store on {phone} before you visit; they can hold an item for you for 48 hours. The store is
open every day from {store_hours}.
""",
    ),
    "size-guide.md": (
        "Size guide and fit advice", "sizing", ["sizing", "fit", "size chart", "boots", "packs", "jackets"],
        """All our sizes are US sizes. The full measurement chart, in inches and centimetres, is at {site}/size-guide,
and each product page has a **Size & Fit** tab.

- **Jackets** have a regular fit with room for a fleece or midlayer. Between sizes? Take the larger one.
- **Boots** run true to size with a medium width. For wide feet or thick hiking socks, go half a size up.
- **Packs** are sized by torso length: S/M fits 15-18 in, M/L fits 18-21 in. Measure from the base of your
  neck to the top of your hip bones. Our store offers free pack fittings.

If the size isn't right, exchanges are free within {exchange_days} days of delivery: see
[Exchanges](exchanges.md).
""",
    ),
    "account-help.md": (
        "Your account: sign-in, password and details", "account", ["account", "password", "login", "newsletter"],
        """**Forgot your password?** Reset it at {site}/account/reset. The link we email you is valid for 1 hour;
check your spam folder if it doesn't arrive.

**Locked out?** After 5 failed sign-in attempts the account locks for 30 minutes. Clearing cookies or updating
the app fixes most other sign-in problems.

**Updating your details:** edit your name, email, phone and saved addresses under Account > Profile at
{site}/account. Email changes are confirmed through a link sent to the new address.

**Guest checkout** is always available. Create an account later with the same email and your guest orders
appear under Orders.

**Emails:** unsubscribe from marketing with the link in any newsletter or under Account > Communication; order
and shipping emails continue.
""",
    ),
    "privacy-and-your-data.md": (
        "Privacy and data requests", "account", ["privacy", "data deletion", "gdpr"],
        """You can ask for a copy of the personal data we hold about you, or for your account and data to be deleted.
Email {support_email} with your request: our privacy team verifies your identity and contacts you within 1
business day. Deleting your account removes your order history, so download any invoices you need first.
""",
    ),
    "payments-and-billing.md": (
        "Payments, charges and invoices", "billing", ["payment", "billing", "invoice", "declined card"],
        """We accept Visa, Mastercard, American Express, Discover, PayPal, Apple Pay, Google Pay and Trailhead
Outfitters gift cards, online and in store. **Pay in 4** at checkout splits the total into 4 interest-free
payments. An order can use one card or wallet plus a gift card.

**Charged twice?** Usually one charge is a pending authorization from an earlier attempt; your bank releases it
within a few business days.

**Card declined?** Check that the billing address matches your bank's records, or try PayPal. Only your bank
can tell you the reason for a decline. Never send card details by email.

**Invoices** can be downloaded under Account > Orders at {site}/account. For a company name or tax ID on the
invoice, contact us.
""",
    ),
    "discount-codes-and-price-match.md": (
        "Discount codes and price match", "discount_codes", ["discount codes", "promo code", "price match"],
        """- Only one discount code can be used per order.
- Discount codes don't apply to sale items; they still apply to full-price items in the same cart.
- Gift cards aren't discount codes, so you can use one together with a code.
- Codes expire: check the date in the email that sent you the code.

## Price match
We match the price of an identical, in-stock item from an authorized US retailer. If our own price drops within
{price_match_days} days of your purchase, we refund the difference: send us the link and your order number.
Marketplace sellers and clearance events are not included.
""",
    ),
    "store-hours-and-contact.md": (
        "Store hours, location and contact", "hours_location", ["store hours", "address", "phone", "contact"],
        """**Flagship store:** {store_address}. Open every day from {store_hours}; holiday hours are posted at
{site}/store. Free parking behind the building and free in-store pickup for online orders.

**Phone and chat support:** {support_days}, {support_hours} Eastern, on {phone} or the chat on our website.

**Email:** {support_email}, any time. We answer within one business day.
""",
    ),
    "warranty.md": (
        "Warranty and repairs", "warranty", ["warranty", "repairs", "defects"],
        """All Trailhead Outfitters own-brand gear has a **{warranty_years}-year warranty** from the date of purchase
against defects in materials and workmanship, such as failed seams, zips and buckles.

Not covered: normal wear and tear, sun fading and accidental damage. Our repair service can usually fix these
for a small fee.

**Making a claim:** fill in the form at {site}/warranty with your order number and photos, or bring the item
to our store. We repair or replace faulty gear free of charge, with shipping on us.

**Other brands** carry their manufacturer's warranty. We're happy to file the claim with the brand for you.
""",
    ),
    "damaged-missing-or-wrong-items.md": (
        "Damaged, missing or wrong items", "damaged_items", ["damaged", "missing part", "wrong item", "faulty"],
        """Sorry if your order didn't arrive as it should! Reply to your order confirmation or contact us with your
order number and a photo:

- **Damaged or faulty items:** we send a replacement free of charge, or a full refund within {refund_days}
  business days if you prefer. You don't need to return damaged items unless we ask.
- **Missing parts:** we ship the missing part the same day, free of charge.
- **Wrong item:** we ship the right one straight away and email you a prepaid label for the one you received.
""",
    ),
}


def kb_articles() -> dict[str, str]:
    """File name ("returns.md") -> Markdown text with YAML front matter (title, category, tags)."""
    articles = {}
    for name, (title, category, tags, body) in ARTICLES.items():
        # JSON strings are valid YAML scalars, so titles with colons stay safe.
        front = f"---\ntitle: {json.dumps(title)}\ncategory: {category}\ntags: {json.dumps(tags)}\n---\n\n"
        articles[name] = front + f"# {title}\n\n" + body.format_map(CURRENT_FACTS)
    return articles
