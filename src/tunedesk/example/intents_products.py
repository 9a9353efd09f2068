"""Intents of the product categories: availability, sizing, warranty, damaged_items."""

from __future__ import annotations

from tunedesk.example.intent import Intent, intent

AVAILABILITY = [
    intent(
        "availability.in_stock", "any",
        ["Is this in stock?", "Stock question", "Availability of the {item}"],
        [
            "Is the {item} in stock?",
            "Do you have the {item} in {colour}? The website says low stock.",
            "the {item} shows almost sold out online, do you have any at all?",
            "Before I order, can you confirm the {item} is actually in stock?",
            "Hi there, is the {item} available to order right now?",
            "I want to buy the {item} in {colour} as a gift. Is it available?",
        ],
        [
            "Good news: the {item} in {colour} is in stock right now, with {stock} units at our warehouse. Orders "
            "placed before {cutoff} Eastern on a business day ship the same day, so you could have it within "
            "{standard_days} business days with standard shipping.",
            "I've checked our stock for you: we currently have {stock} of the {item} in {colour} at the warehouse. "
            "Online stock updates every few minutes, so if the product page lets you add it to your cart, you can "
            "order with confidence. Reply here if you'd like me to check anything else.",
        ],
    ),
    intent(
        "availability.restock", "any",
        ["Restock date?", "Back in stock?", "Sold out - {item}"],
        [
            "When will the {item} be back in stock?",
            "The {item} in {colour} is sold out. Are you getting more?",
            "Any restock date for the {item}?",
            "Will you restock the {item} before summer?",
            "Can you let me know when the {item} is available again?",
            "been waiting weeks for the {item} to come back, any news?",
        ],
        [
            "The {item} is out of stock at the moment, but our next delivery from the supplier is due {restock}. "
            "The fastest way to hear about it is the Notify me button on the product page: we'll email you the "
            "moment it's back. Popular restocks can sell out within days, so it's worth signing up.",
            "We're expecting the {item} back in stock {restock}. Click Notify me on the product page and you'll "
            "get an email as soon as it's available to order. Sorry for the wait!",
        ],
    ),
    intent(
        "availability.store_stock", "any",
        ["In-store availability", "Is it in the store?", "Try on in store"],
        [
            "Does your Boulder store have the {item} in stock? I'd like to try it on.",
            "Can I check if the flagship store has the {item} before I drive over?",
            "Is the {item} available in your store or online only?",
            "Could you reserve the {item} at the store for me to pick up on Saturday?",
            "Do you have the {item} at the shop on Granite Peak Way?",
            "Want to see the {item} in person - is it at your store?",
        ],
        [
            "I've checked with our flagship store: they have {store_stock} of the {item} on the shelf today, and "
            "they can hold one for you for 48 hours if you reply with the name for the hold. You'll find the store "
            "at {store_address}. The store is open every day from {store_hours}.",
            "Our store at {store_address} currently has {store_stock} of the {item} in stock. Stock there changes "
            "daily, so I'd recommend calling the store on {phone} before you head over. The store is open every "
            "day from {store_hours}.",
        ],
    ),
    intent(
        "availability.size", "apparel",
        ["Size availability", "Do you have my size?", "{item} in {size}"],
        [
            "Do you have the {item} in {size}?",
            "The {item} in {size} says low stock, how many are left?",
            "Can't select {size} for the {item} on the website. Is it sold out?",
            "Looking for the {item} in {size} and {colour}. Available?",
            "any {item} left in size {size}?",
            "Hi! Is there still a size {size} in the {item}?",
        ],
        [
            "I've checked: we have {stock} of the {item} in size {size} at our warehouse right now, so you can "
            "order it online today. If you're between sizes, our size guide at {site}/size-guide has measurements "
            "for every product, and exchanges for a different size are free within {exchange_days} days.",
            "Size {size} of the {item} is in stock: there are {stock} left at the moment. If the size option "
            "looks greyed out on the website, refresh the page or clear your cart, as it sometimes shows an old "
            "stock level. Reply here if it still won't let you order and I'll place it for you.",
        ],
    ),
]

SIZING = [
    intent(
        "sizing.boots_fit", "boots",
        ["Boot sizing", "Do these run true to size?", "Fit question - {item}"],
        [
            "Do the {item} run true to size? I'm usually a {size}.",
            "Should I size up in the {item}? I have wide feet.",
            "I wear {size} in most brands. What size should I get in the {item}?",
            "How do the {item} fit compared to other hiking boots?",
            "are the {item} narrow?",
            "Thinking about the {item} for a long trek - should I go half a size up?",
        ],
        [
            "The {item} fit true to size with a medium width, and most customers order their usual size. If you "
            "plan to wear thick hiking socks or have wide feet, go half a size up. Our size guide at "
            "{site}/size-guide has the foot-length chart, and exchanges for a different size are free within "
            "{exchange_days} days of delivery.",
            "Most people take their usual size in the {item}: they run true to length with a medium-width toe box. "
            "For wide feet or thick socks, we'd suggest half a size up. If the fit isn't right, you can exchange "
            "them for free within {exchange_days} days, as long as they haven't been worn outdoors.",
        ],
    ),
    intent(
        "sizing.jacket_size", "jacket",
        ["Which size?", "Sizing advice", "{item} fit"],
        [
            "What size {item} should I get? I'm 5'10\" and about 170 lb.",
            "Does the {item} fit over a fleece? I normally wear {size}.",
            "Is the {item} a slim fit or regular?",
            "I'm between {size} and {other_size} - which should I order in the {item}?",
            "How long are the sleeves on the {item}? I have long arms.",
            "sizing question for the {item}, does it run small?",
        ],
        [
            "The {item} has a regular fit with room for a fleece or light insulated layer underneath, so most "
            "customers order their usual size. If you're between sizes or plan to layer heavily, size up. Chest "
            "and sleeve measurements are in the size chart at {site}/size-guide, and size exchanges are free "
            "within {exchange_days} days.",
            "Our {item} is cut as a regular fit and runs true to size, with enough room for a midlayer. If you're "
            "between two sizes, we recommend the larger one. You'll find the full measurement chart at "
            "{site}/size-guide, and if it doesn't fit, you can exchange it for free within {exchange_days} days of "
            "delivery.",
        ],
    ),
    intent(
        "sizing.pack_fit", "pack",
        ["Pack sizing", "Torso length", "Which pack size?"],
        [
            "What torso length does the {item} fit?",
            "How do I know which size of the {item} I need?",
            "Will the {item} fit me? I'm quite petite.",
            "Is the hipbelt on the {item} adjustable?",
            "The {item} comes in S/M and M/L - how do I choose?",
            "Is the {item} ok for someone with a long back?",
        ],
        [
            "Pack fit is about torso length rather than height. The {item} comes in S/M (15-18 in torso) and M/L "
            "(18-21 in torso), and both have an adjustable harness and hipbelt. Measure from the base of your neck "
            "to the top of your hip bones; our guide at {site}/size-guide shows how. If the fit isn't right, "
            "exchanges are free within {exchange_days} days.",
            "The {item} is sized by torso length: S/M fits 15-18 in and M/L fits 18-21 in, and the harness adjusts "
            "within each size. Measure from the base of your neck to the top of your hip bones, or visit our store "
            "at {store_address} for a free fitting.",
        ],
    ),
    intent(
        "sizing.size_chart", "apparel",
        ["Size chart", "Measurements", "US or EU sizes?"],
        [
            "Where can I find your size chart?",
            "Do you have measurements for the {item}?",
            "Is your sizing US or EU?",
            "What are the chest measurements for size {size} in the {item}?",
            "How does your sizing compare to other brands?",
            "size guide?",
        ],
        [
            "You'll find our size chart at {site}/size-guide: it lists chest, waist, hip and inseam measurements "
            "for every product, in inches and centimetres, using US sizing. Each product page also has a Size & "
            "Fit tab with notes on how that item runs. If something doesn't fit, size exchanges are free within "
            "{exchange_days} days of delivery.",
            "All our sizes are US sizes, and the full measurement chart is at {site}/size-guide, in inches and "
            "centimetres. The Size & Fit tab on each product page says whether an item runs large or small. Not "
            "sure after measuring? Reply with your measurements and I'll recommend a size.",
        ],
    ),
]

WARRANTY = [
    intent(
        "warranty.length", "own",
        ["Warranty question", "How long is the warranty?", "Warranty on {item}"],
        [
            "What's the warranty on the {item}?",
            "How long is your warranty on Trailhead-brand gear?",
            "Is the {item} covered by a warranty? I bought it {months} months ago.",
            "Do your own-brand products come with a guarantee?",
            "warranty on {item}?",
            "If the {item} breaks after a few months, am I covered?",
        ],
        [
            "All Trailhead Outfitters own-brand gear, including the {item}, comes with a {warranty_years}-year "
            "warranty against defects in materials and workmanship from the date of purchase. Normal wear and tear "
            "and accidental damage aren't covered. To make a claim, fill in the form at {site}/warranty with your "
            "order number and a photo of the problem.",
            "The {item} is covered by our {warranty_years}-year warranty, which applies to all own-brand gear and "
            "covers manufacturing defects like failed seams, zips and buckles. It doesn't cover normal wear or "
            "damage from accidents. If something goes wrong, send us photos through {site}/warranty and we'll "
            "repair or replace it.",
            "Yes, our own-brand products are guaranteed for {warranty_span} from purchase against defects in "
            "materials and workmanship. If the {item} develops a fault, send a photo and your order number through "
            "{site}/warranty and we'll repair or replace it free of charge.",
        ],
    ),
    intent(
        "warranty.claim", "own_soft",
        ["Warranty claim", "Broken zip", "Defective {item}"],
        [
            "The zip on my {item} broke. How do I make a warranty claim?",
            "The seam on my {item} is coming apart after a few months. What can you do?",
            "A buckle on my {item} snapped on the first trip. Is that covered?",
            "How do I claim warranty? The {item} has a defect.",
            "Can I get the {item} repaired under warranty? Bought it {months} months ago.",
            "{item} is falling apart, help",
        ],
        [
            "I'm sorry the {item} let you down! That sounds like a manufacturing defect, which our "
            "{warranty_years}-year warranty covers. Please fill in the form at {site}/warranty with your order "
            "number and a couple of photos of the problem, and our warranty team will repair or replace the item, "
            "with shipping on us.",
            "Sorry to hear about the {item}. Defects like this are covered by our {warranty_years}-year warranty "
            "on own-brand gear. Send us photos and your order number through {site}/warranty, or bring it to our "
            "store at {store_address}, and we'll repair or replace it free of charge.",
        ],
    ),
    intent(
        "warranty.other_brand", "other",
        ["Warranty for another brand", "Who handles this warranty?", "{item} broken"],
        [
            "Does your warranty cover the {item}? It's not your brand.",
            "My {item} broke - do I claim with you or with the manufacturer?",
            "Is the {item} covered by the Trailhead warranty?",
            "Who handles warranty for other brands you sell, like the {item}?",
            "The {item} I bought from you stopped working. Warranty?",
            "is the warranty the same for all brands? asking about the {item}",
        ],
        [
            "Our {warranty_years}-year warranty covers Trailhead Outfitters own-brand gear. Products from other "
            "brands, like the {item}, are covered by their manufacturer's warranty, and we're happy to help you "
            "start the claim: email your order number and a photo to {support_email} and we'll contact the brand "
            "for you.",
            "Items from other brands, like the {item}, carry the manufacturer's own warranty rather than our "
            "{warranty_years}-year warranty. We'll still handle it for you: reply with your order number and a "
            "few photos, and we'll file the claim with the brand and keep you updated.",
        ],
    ),
    intent(
        "warranty.wear_and_tear", "own_soft",
        ["Is this covered?", "Worn out gear", "Accidental damage"],
        [
            "My {item} is worn out after three seasons. Is that covered by warranty?",
            "I tore my {item} on a branch. Can you replace it under warranty?",
            "Does the warranty cover normal wear?",
            "The {item} has faded a lot in the sun. Warranty claim?",
            "My dog chewed the strap on my {item} lol, can I get it fixed?",
            "is accidental damage covered?",
        ],
        [
            "Our {warranty_years}-year warranty covers defects in materials and workmanship, but not normal wear "
            "and tear, sun fading or accidental damage such as tears from branches. The good news is that our "
            "repair service can usually fix it for a small fee: send photos through {site}/warranty and we'll "
            "reply with a quote.",
            "I'm sorry about your {item}! Wear and tear and accidental damage aren't covered by our "
            "{warranty_years}-year warranty, which is for manufacturing defects. We do offer paid repairs at fair "
            "prices, though: send a few photos through {site}/warranty and our repair team will quote you.",
        ],
    ),
]

DAMAGED_ITEMS = [
    intent(
        "damaged_items.arrived_damaged", "any",
        ["Item arrived damaged", "Broken on arrival", "Damaged {item}"],
        [
            "My {item} arrived damaged. The box was crushed and the {item} is broken.",
            "Order {order} arrived today and the {item} has a big scratch on it.",
            "The {item} I received is torn. What now?",
            "Hi, just opened my parcel and the {item} is damaged. Can I get a replacement?",
            "{item} came broken!! order {order}",
            "The {item} was damaged in shipping. I'd like a new one please.",
        ],
        [
            "I'm so sorry the {item} arrived damaged! Please reply with a photo of the item and the packaging, and "
            "I'll send a replacement straight away, free of charge, or a full refund if you prefer. There's no need "
            "to return the damaged one, and we'll report the damage to the carrier on our side.",
            "Sorry about that, this isn't how your {item} should have arrived. Send us a couple of photos of the "
            "damage by replying to this email, and we'll ship a replacement at no cost as soon as we receive them. "
            "If you'd rather have a refund, just say so and we'll process it within {refund_days} business days.",
        ],
    ),
    intent(
        "damaged_items.missing_part", "gear",
        ["Missing part", "Incomplete {item}", "Part not in the box"],
        [
            "The {item} is missing a part. There's no {part} in the box.",
            "My {item} came without the {part}. Order {order}.",
            "Opened the {item} and the {part} isn't there.",
            "How do I get the missing {part} for my {item}?",
            "missing {part} from my order",
            "The {part} was not included with my {item}, can you send one?",
        ],
        [
            "Sorry the {part} was missing from your {item}! I've sent the missing part out today at no cost, and "
            "you'll receive the tracking number by email. If anything else is missing once you've checked the "
            "box, just let me know.",
            "Thanks for letting us know, and I'm sorry about the missing {part}. I've arranged for a replacement to "
            "ship today, free of charge, and you'll get the tracking link by email. There's no need to send the "
            "{item} back.",
        ],
    ),
    intent(
        "damaged_items.wrong_item", "any",
        ["Wrong item received", "This isn't what I ordered", "Wrong product"],
        [
            "I received the wrong item. I ordered the {item} but got the {wrong_item} instead.",
            "You sent me the wrong colour - I ordered the {item} in {colour}.",
            "This isn't what I ordered! Where is my {item}?",
            "Got someone else's order?? The box had the {wrong_item} in it instead of the {item}.",
            "Wrong product in my parcel, order {order}. I ordered the {item}.",
            "Order {order} arrived but it's not the {item} I paid for.",
        ],
        [
            "I'm sorry we sent the wrong item! I've shipped the correct {item} today at no extra cost, and you'll "
            "get tracking by email shortly. For the item you received, please use the prepaid label I've emailed "
            "you and drop it at any UPS location when it suits you.",
            "Apologies for the mix-up! The correct {item} is on its way to you today, free of charge, and I've "
            "emailed you a prepaid label to send back the item you received. You'll get the tracking number for "
            "the replacement by email.",
        ],
    ),
    intent(
        "damaged_items.defective", "device",
        ["Doesn't work", "Faulty on arrival", "Defective {item}"],
        [
            "My new {item} doesn't work out of the box.",
            "The {item} I got yesterday is faulty. What should I do?",
            "Just unpacked the {item} and it's defective. Order {order}.",
            "{item} won't work at all, brand new",
            "Is it normal that the {item} has a crack straight out of the box?",
            "The {item} stopped working on the first use. Can I get a new one?",
        ],
        [
            "I'm sorry your {item} isn't working! Please reply with a short video or photo of the problem, and "
            "I'll send a replacement right away at no cost. If you'd prefer a refund, we'll process it within "
            "{refund_days} business days of the faulty item reaching us.",
            "That's not the first impression we want! Send us a photo or short video of the fault by replying "
            "here, and we'll ship a brand-new {item} free of charge along with a prepaid label to send the faulty "
            "one back.",
        ],
    ),
]

PRODUCT_INTENTS: list[Intent] = AVAILABILITY + SIZING + WARRANTY + DAMAGED_ITEMS
