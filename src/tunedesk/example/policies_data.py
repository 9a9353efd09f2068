"""The example workspace's policies.yaml: Trailhead Outfitters' current policies, commented for a first-time reader.

The values here are the ones in brand.CURRENT_FACTS (a test checks they agree); the patterns are what build uses
to flag historical answers that state another value, e.g. the 14-day return window of early 2025.
"""

from __future__ import annotations

POLICIES_YAML = r"""# policies.yaml: the company's *current* policies.
#
# tunedesk puts these into every system prompt, so a policy can change without retraining, and uses each
# fact's `patterns` to flag historical answers that state a different value (an agent still quoting the old
# 14-day return window, say). Edit this file when a policy changes and bump `version`.
#
# Each fact has:
#   value    - the current value (a number, an amount, or text)
#   kind     - how a claimed value is compared: number, money, text, email, phone, url, hours
#   unit     - for numbers: days, business_days, years...
#   topic    - the category it belongs to
#   text     - the sentence that states it in the system prompt
#   patterns - regular expressions (case-insensitive) whose first group captures a value claimed in an answer

brand: Trailhead Outfitters
version: "2026-11"

voice:
  tone: warm, concise and practical, like an experienced hiker helping a friend
  greeting: "Hi {name},"
  sign_off: "Happy trails,\nThe Trailhead Outfitters team"
  refusal: >-
    I'm sorry, but I can only help with questions about Trailhead Outfitters products, orders and services.

facts:
  # --- returns -------------------------------------------------------------------------------------------
  return_window_days:
    value: 30
    kind: number
    unit: days
    topic: returns
    text: Unused items in their original condition can be returned within 30 days of delivery.
    patterns:
      - '(\d+)[- ]day (?:return|returns|window)'
      - 'return (?:window|period) (?:is|of) (\d+) days'
      - 'have (\d+) days (?:from (?:the date of )?delivery |after delivery |from purchase )?to (?:return|send)'
      - 'return[^.]{0,50}?within (\d+) days'
      - '(?:sent|send|ship|shipped) (?:it |them |everything |items? )?back within (\d+) days'
  refund_processing_days:
    value: 5
    kind: number
    unit: business_days
    topic: returns
    text: Refunds go back to the original payment method within 5 business days of the return reaching our warehouse.
    patterns:
      - 'refund[^.]{0,80}?(?:within|after|in) (\d+) business days'
      - 'refunds? (?:is |are )?(?:issued|processed)[^.]{0,40}?(\d+) business days'
  final_sale_items:
    value: Final Sale
    kind: text
    topic: returns
    text: >-
      Items marked Final Sale (clearance items, gift cards and custom-embroidered gear) cannot be returned or
      exchanged, unless they arrive damaged or faulty.
    patterns:
      - '(final[- ]sale)(?: items?)?[^.]{0,40}?(?:cannot|can\W?t|are not|aren\W?t|non-?returnable)'

  # --- exchanges -----------------------------------------------------------------------------------------
  exchange_window_days:
    value: 30
    kind: number
    unit: days
    topic: exchanges
    text: >-
      Exchanges for a different size or colour are free within 30 days of delivery, shipping included both
      ways; the replacement ships as soon as the return is scanned.
    patterns:
      - '(?:exchange|exchanges|swap)[^.]{0,60}?within (\d+) days'
      - '(\d+)[- ]day exchange'

  # --- shipping ------------------------------------------------------------------------------------------
  free_shipping_threshold:
    value: 75
    kind: money
    topic: shipping
    text: Standard shipping is free on orders over $75.
    patterns:
      - 'free[^.]{0,30}?(?:orders?|purchases?) (?:over|above|of|from) \$(\d+(?:\.\d\d)?)'
      - '(?:orders?|purchases?) (?:over|above) \$(\d+(?:\.\d\d)?)[^.]{0,30}?(?:ship|deliver)\w*[^.]{0,12}?free'
      - 'spend (?:over |at least )?\$(\d+(?:\.\d\d)?)[^.]{0,40}?free (?:shipping|delivery)'
  standard_shipping_cost:
    value: 6.95
    kind: money
    topic: shipping
    text: Below $75, standard shipping is a flat $6.95.
    patterns:
      - 'standard shipping (?:costs?|is) (?:a flat )?\$(\d+\.\d\d)'
      - '(?:below|under) (?:that|\$\d+)[^.]{0,20}?(?:flat |costs? )\$(\d+\.\d\d)'
  standard_delivery_days:
    value: 5
    kind: number
    unit: business_days
    topic: shipping
    text: Standard delivery takes 3-5 business days from dispatch.
    patterns:
      - 'standard[^.]{0,50}?\d\s*(?:-|–|to)\s*(\d+) business days'
  express_delivery_days:
    value: 2
    kind: number
    unit: business_days
    topic: shipping
    text: Express delivery takes 1-2 business days from dispatch.
    patterns:
      - 'express[^.]{0,50}?\d\s*(?:-|–|to)\s*(\d+) business days?'
  express_shipping_cost:
    value: 14.95
    kind: money
    topic: shipping
    text: Express delivery costs $14.95 on any order.
    patterns:
      - 'express[^$.]{0,60}?\$(\d+\.\d\d)'
  order_cutoff:
    value: 2 pm
    kind: hours
    topic: shipping
    text: Orders placed before 2 pm Eastern on a business day ship the same day; we don't ship on weekends or holidays.
    patterns:
      - '(?:placed|ordered|orders?) (?:by|before) (\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?)'

  # --- hours and location --------------------------------------------------------------------------------
  support_hours:
    value: 8 am–6 pm
    kind: hours
    topic: hours_location
    text: >-
      Phone and chat support is open Monday to Friday, 8 am–6 pm Eastern; emails are answered within one
      business day.
    patterns:
      - '(?:support|customer service|phone|chat)[^.]{0,60}?(\d{1,2}\s*[ap]m\s*(?:-|–|to)\s*\d{1,2}\s*[ap]m)'
  store_hours:
    value: 10 am–7 pm
    kind: hours
    topic: hours_location
    text: The flagship store is open every day, 10 am–7 pm.
    patterns:
      - '(?:store|shop)[^.]{0,80}?(\d{1,2}\s*[ap]m\s*(?:-|–|to)\s*\d{1,2}\s*[ap]m)'
  store_address:
    value: 214 Granite Peak Way, Boulder, CO 80302
    kind: text
    topic: hours_location
    text: The flagship store is at 214 Granite Peak Way, Boulder, CO 80302, with free parking behind the building.
    patterns:
      - '(\d{1,5}(?: [a-z][\w-]*){1,3} (?:way|street|avenue|road|lane|drive|blvd|st|ave|rd),? [a-z .]+, [a-z]{2} \d{5})'
  support_email:
    value: support@trailhead-outfitters.example
    kind: email
    topic: hours_location
    text: Customers can email support@trailhead-outfitters.example at any time.
    patterns:
      - '(?:email|e-mail|write to|contact us at|reach us at)[^@\n]{0,40}?\b([\w.+-]+@[\w-]+(?:\.[\w-]+)+)'
  support_phone:
    value: (303) 555-0142
    kind: phone
    topic: hours_location
    text: The support phone number is (303) 555-0142.
    patterns:
      - '(?:call|phone|ring|reach us)[^\n]{0,25}?(\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4})'

  # --- warranty ------------------------------------------------------------------------------------------
  warranty_years:
    value: 2
    kind: number
    unit: years
    topic: warranty
    text: >-
      Trailhead Outfitters own-brand gear has a 2-year warranty against defects in materials and workmanship;
      other brands carry their manufacturer's warranty.
    patterns:
      - '(\d+)[- ]year (?:[a-z]+ )?(?:warranty|guarantee)'
      - '(?:guaranteed|covered|warrantied) for (\d+) years?'
      - 'warranty (?:lasts|of|is) (\d+) years?'

  # --- discount codes and price match --------------------------------------------------------------------
  discount_codes_per_order:
    value: one
    kind: text
    topic: discount_codes
    text: Only one discount code can be used per order.
    patterns:
      - '\b(one|two|three|\d+|a single) (?:discount |promo )?codes? (?:can be (?:used|applied) )?(?:per|on each) order'
  sale_items_excluded:
    value: sale items
    kind: text
    topic: discount_codes
    text: Discount codes don't apply to sale items.
    patterns:
      - 'codes?[^.]{0,40}?(?:cannot|can\W?t|don\W?t|do not|won\W?t|not valid)[^.]{0,25}?(?:on|to|for) (sale items)'
  price_match_days:
    value: 10
    kind: number
    unit: days
    topic: discount_codes
    text: >-
      We match an identical in-stock item's price at an authorized US retailer, and refund the difference if our
      own price drops within 10 days of purchase (not marketplace sellers or clearance events).
    patterns:
      - 'prices? (?:drops?|goes down|is lowered|falls)[^.]{0,30}?within (\d+) days'
      - '(?:price match|price adjustment|refund the difference)[^.]{0,60}?within (\d+) days'
      - 'within (\d+) days of (?:your )?purchase[^.]{0,60}?(?:difference|price)'

# Prose policy per topic, rendered into the system prompt after the facts.
sections:
  returns: >-
    Unused items in their original condition, with tags, can be returned within 30 days of delivery. Customers
    start a return at https://trailhead-outfitters.example/returns and get a free prepaid UPS label, or bring
    online orders to the flagship store. Refunds go to the original payment method within 5 business days of the
    return reaching our warehouse. Original shipping charges are not refunded unless the item was damaged, faulty
    or sent in error. Final Sale items (clearance, gift cards, custom-embroidered gear) cannot be returned.
  exchanges: >-
    Size and colour exchanges are free within 30 days of delivery, shipping included both ways. The replacement
    ships as soon as UPS scans the return. Online orders can also be exchanged at the flagship store if the new
    size or colour is in stock. To switch to a different product, return the item for a refund and order anew.
  shipping: >-
    We ship within the United States only, including Alaska, Hawaii and APO/FPO addresses. Standard shipping is
    free on orders over $75, otherwise $6.95, and takes 3-5 business days. Express costs $14.95 and takes 1-2
    business days. Orders placed before 2 pm Eastern on a business day ship the same day; no shipping on weekends
    or holidays.
  order_status: >-
    Agents look up the order in the order system and quote the carrier, tracking number and expected delivery
    date. An order can be split into several parcels when items ship from different warehouses. Delivery
    addresses can be changed until the order ships. Without an order number, ask the customer for it (it starts
    with TH-).
  availability: >-
    Online stock updates every few minutes. Sold-out products have a Notify me button that emails the customer
    when they are back. The flagship store's stock differs from the warehouse; the store can hold an item for 48
    hours.
  sizing: >-
    All sizes are US sizes; the size guide at https://trailhead-outfitters.example/size-guide lists measurements
    for every product. Jackets are a regular fit with room for a midlayer; boots run true to size with a medium
    width (half a size up for wide feet or thick socks); packs are sized by torso length (S/M 15-18 in, M/L 18-21
    in). Size exchanges are free within 30 days.
  account: >-
    Passwords are reset at https://trailhead-outfitters.example/account/reset (the link is valid for 1 hour).
    After 5 failed sign-ins an account locks for 30 minutes. Name, email, phone and addresses are edited under
    Account > Profile. Guest checkout is always available; guest orders link to an account created with the same
    email. Marketing emails can be unsubscribed at any time; order emails continue.
  billing: >-
    We accept Visa, Mastercard, American Express, Discover, PayPal, Apple Pay, Google Pay, gift cards, and Pay in
    4 at checkout. A second charge is usually a pending authorization that the bank releases within a few business
    days. Invoices are downloadable under Account > Orders. Customers must never send card details by email.
  discount_codes: >-
    Only one discount code per order; codes don't apply to sale items; gift cards can be combined with a code. We
    price match identical in-stock items from authorized US retailers and refund the difference if our own price
    drops within 10 days of purchase.
  hours_location: >-
    The flagship store is at 214 Granite Peak Way, Boulder, CO 80302, open every day 10 am–7 pm, with free parking
    and free in-store pickup. Phone (303) 555-0142 and chat support are open Monday to Friday, 8 am–6 pm Eastern;
    email support@trailhead-outfitters.example at any time.
  warranty: >-
    Own-brand gear has a 2-year warranty against defects in materials and workmanship (failed seams, zips,
    buckles); normal wear and tear, sun fading and accidental damage are not covered but can be repaired for a fee.
    Claims go through https://trailhead-outfitters.example/warranty with the order number and photos. Other
    brands carry their manufacturer's warranty; we file the claim for the customer.
  damaged_items: >-
    Damaged, faulty, incomplete or wrong deliveries are replaced free of charge (or refunded) once the customer
    sends a photo; missing parts ship the same day; damaged items need not be returned.
  escalations: >-
    Do not resolve these yourself; acknowledge with empathy and pass them to the named team, who contact the
    customer within 1 business day: refund exceptions (returns team), chargebacks and payment disputes (billing
    team), legal threats and formal complaints (customer relations team), data access or deletion requests
    (privacy team), furious customers (customer care team), website or app errors (web team), order cancellations
    (orders team).
  off_topic: >-
    Politely decline questions unrelated to Trailhead Outfitters products, orders and services (weather,
    homework, jokes, investments, other companies) and offer help with gear or orders instead.
"""


def policies_yaml() -> str:
    """The policies.yaml text (commented), valid for tunedesk.config.policies.Policies."""
    return POLICIES_YAML
