"""Intents of the order-lifecycle categories: returns, exchanges, shipping, order_status."""

from __future__ import annotations

from tunedesk.example.intent import Intent, intent

RETURNS = [
    intent(
        "returns.window", "any",
        ["Return window", "How long do I have to return?", "Returning the {item}", "Return question"],
        [
            "How long do I have to return the {item}? I bought it {weeks} weeks ago and it's not quite right.",
            "What's your return policy? I ordered the {item} recently and haven't used it.",
            "Is it too late to return something I got {weeks} weeks ago? It's the {item}, still with tags.",
            "Can I still send back my {item}? Order {order}, delivered about {weeks} weeks ago.",
            "how many days do i have to return stuff",
            "I received the {item} as part of order {order} and I'd like to return it. What's the deadline?",
            "Do you accept returns after two weeks? The {item} doesn't really suit me.",
            "Quick question about returns - is there a time limit? Thinking of returning the {item}.",
        ],
        [
            "You have {return_days} days from delivery to return unused items in their original condition, so "
            "there's still time to send back the {item}. Start your return at {site}/returns and print the prepaid "
            "label. Once the parcel reaches our warehouse, we'll refund your original payment method within "
            "{refund_days} business days.",
            "Our return window is {return_days} days from the date your order was delivered. As long as the {item} "
            "is unused and has its tags, you can send it back: go to {site}/returns, enter your order number and "
            "email, and we'll email you a free return label.",
            "Good news: you can return unused gear within {return_days} days of delivery. Head to {site}/returns "
            "to print a prepaid label, pack the {item} in its original packaging, and drop it at any UPS location. "
            "We'll email you as soon as your refund is processed.",
        ],
    ),
    intent(
        "returns.how_to", "any",
        ["How do I return an item?", "Return label", "Sending back my order", "Return process"],
        [
            "How do I return the {item}? I can't find a return label anywhere.",
            "I want to send back my order {order}. What are the steps?",
            "Hi, what's the process for returning an item bought online? It's the {item} in {colour}.",
            "Do I need a return label or can I just mail the {item} back to you?",
            "Can I return an online order at your flagship store?",
            "need to return something, how does it work",
            "The {item} isn't for me. How do I start a return for order {order}?",
        ],
        [
            "Returning is easy: go to {site}/returns, enter your order number and email address, choose the items "
            "and print the prepaid return label. Pack the {item} with its tags and drop it at any UPS location, or "
            "bring it to our flagship store at {store_address}. We'll email you when your return is processed.",
            "You can start a return from the Orders page of your account or at {site}/returns. Select the {item}, "
            "print the free label we email you, and ship it back within {return_days} days of delivery. Prefer to "
            "drop it off? Our store at {store_address} accepts online returns too.",
        ],
    ),
    intent(
        "returns.final_sale", "apparel",
        ["Final sale return", "Returning a clearance item", "Can I return this?"],
        [
            "Can I return a clearance item? I bought the {item} on final sale.",
            "The {item} I got in the clearance section doesn't fit. Can I return it?",
            "Are final sale items really non-returnable? I didn't notice the label when I ordered.",
            "I'd like to return a gift card I bought by mistake.",
            "My order {order} had a Final Sale item, can I still send it back?",
            "Is the embroidered {item} returnable? I had my initials added.",
        ],
        [
            "Items marked Final Sale cannot be returned or exchanged. That covers clearance items, gift cards and "
            "custom-embroidered gear, and it's shown on the product page and at checkout. If the item arrived "
            "damaged or faulty, though, reply with a photo and we'll make it right.",
            "I'm sorry, but Final Sale items can't be returned or exchanged. This applies to clearance items, gift "
            "cards and custom-embroidered gear. Everything else can be sent back within {return_days} days of "
            "delivery. If you think the item is faulty, send us a photo and we'll take a look.",
        ],
    ),
    intent(
        "returns.refund_time", "any",
        ["Refund status", "When will I get my refund?", "Where is my refund", "Refund for my return"],
        [
            "I sent back the {item} last week. When will I see my refund?",
            "How long do refunds take? My return for order {order} was delivered to you on {ship_date}.",
            "Still waiting on my refund for the {item}, how long does it usually take?",
            "When does the money go back on my card after a return?",
            "Hi! UPS shows my return arrived. How long until the refund is processed?",
            "I returned order {order} {days_ago} days ago and haven't been refunded yet.",
        ],
        [
            "Once your return reaches our warehouse, we issue the refund to your original payment method within "
            "{refund_days} business days, and we'll email you when it's done. Your bank may take a few extra days "
            "to show it. If you haven't had our refund email by then, reply here with your order number and "
            "I'll check on it.",
            "Refunds are processed within {refund_days} business days of your return arriving at our warehouse, "
            "back to the card or PayPal account you paid with. You'll get an email confirmation as soon as it's "
            "issued. If it has been longer than that, just reply with your order number and I'll look into it.",
        ],
    ),
    intent(
        "returns.shipping_cost", "any",
        ["Return shipping cost", "Do I pay for returns?", "Return label fee"],
        [
            "Do I have to pay for return shipping?",
            "Is the return label free or will it be deducted from my refund?",
            "How much does it cost to send back the {item}?",
            "Will I be charged for returning order {order}?",
            "who pays postage on returns?",
            "If I return the {item}, do I get the shipping fee back too?",
        ],
        [
            "Returns are free: the prepaid UPS label you get at {site}/returns costs you nothing, and nothing is "
            "deducted from your refund. Original shipping charges aren't refundable unless the item arrived "
            "damaged or we sent the wrong thing. You can also drop the {item} off at our store at {store_address}.",
            "Return shipping is on us. Start your return at {site}/returns and we'll email you a prepaid label, so "
            "there's nothing to pay. The original shipping fee isn't refunded unless the item was faulty or sent "
            "in error.",
        ],
    ),
]

EXCHANGES = [
    intent(
        "exchanges.size", "apparel",
        ["Exchange for a different size", "Wrong size", "Size swap", "Can I exchange?"],
        [
            "The {item} I ordered in {size} doesn't fit. Can I swap it for size {other_size}?",
            "I need a different size of the {item}. How do exchanges work?",
            "Ordered the wrong size ({size}) of the {item}, order {order}. Can I get {other_size} instead?",
            "exchange for different size pls - {item}, need {other_size}",
            "Is it free to exchange the {item} for another size?",
            "The {item} is a bit tight. Could I trade it for the next size up?",
            "Hi, my {item} in {size} doesn't fit. What's the easiest way to get it in {other_size}?",
        ],
        [
            "Exchanges for a different size are free within {exchange_days} days of delivery. Go to "
            "{site}/returns, choose Exchange and pick the new size. We'll ship the replacement as soon as UPS "
            "scans your return, so you don't have to wait for it to reach us. If the size you want is sold out, "
            "we'll refund you instead.",
            "You can swap it for another size free of charge within {exchange_days} days of delivery. Start an "
            "exchange at {site}/returns, print the prepaid label and send the original back unworn with its tags. "
            "Your new size ships as soon as the return is scanned, and we'll email you the tracking number.",
        ],
    ),
    intent(
        "exchanges.colour", "any",
        ["Colour exchange", "Different colour please", "Swap colour"],
        [
            "Could I exchange the {item} for a different colour? I got {colour} but prefer {other_colour}.",
            "Can I swap my {item} from {colour} to {other_colour}?",
            "The {colour} looks different in person. Is it possible to change to {other_colour}?",
            "hi can i change the colour of my order {order}? wanted {other_colour}",
            "I'd like the {item} in {other_colour} instead of {colour}. What do I do?",
            "Do you do colour exchanges or do I need to return and reorder?",
        ],
        [
            "Yes, colour exchanges are free within {exchange_days} days of delivery. Start one at {site}/returns, "
            "choose Exchange and pick the new colour. We'll send it as soon as your return is scanned by UPS. If "
            "the colour you want is out of stock, we'll let you know and refund you instead.",
            "No need to return and reorder: you can exchange for a different colour free of charge within "
            "{exchange_days} days of delivery. Just go to {site}/returns, select Exchange and choose the colour "
            "you want. The replacement ships as soon as your return is scanned.",
        ],
    ),
    intent(
        "exchanges.process", "any",
        ["Exchange status", "How do exchanges work?", "Exchange question"],
        [
            "How long does an exchange take? I sent back the {item} on {ship_date}.",
            "Do I have to wait for you to receive my return before the exchange ships?",
            "I started an exchange for order {order}. When will the new item ship?",
            "What's the exchange process? Never done one with you before.",
            "Can I exchange the {item} for a completely different item?",
            "is shipping free on exchanges?",
        ],
        [
            "Once you start an exchange at {site}/returns, we ship your replacement as soon as UPS scans the "
            "return, so there's no waiting for it to reach us. Exchanges are free within {exchange_days} days of "
            "delivery, including shipping both ways. If you'd like a different product rather than a size or "
            "colour swap, return the item for a refund and place a new order.",
            "Exchanges are quick: the replacement leaves our warehouse as soon as your return label is scanned, "
            "usually the same day, and shipping is free both ways. Exchanges are free within {exchange_days} days "
            "of delivery. To switch to a different product, send the original back for a refund and order the "
            "new one.",
        ],
    ),
    intent(
        "exchanges.in_store", "any",
        ["Exchange in store", "Store exchange for online order"],
        [
            "Can I exchange an online order at your Boulder store?",
            "I'm near your flagship store. Can I bring the {item} in and swap it there?",
            "Do you do exchanges in store for things bought on the website?",
            "Can I swap the {item} at the store? Order {order}.",
            "If I come to the shop with my online order can they exchange it?",
            "Got the {item} as a gift from your website - can I exchange it at the store?",
        ],
        [
            "Yes! You can exchange online orders at our flagship store at {store_address}. Bring the item with "
            "its tags and your order confirmation, and the team will swap it on the spot if the size or colour "
            "you want is in stock. The store is open every day from {store_hours}.",
            "You can exchange online orders in person at our flagship store, {store_address}, within "
            "{exchange_days} days of delivery. Bring the item with its tags and your order confirmation; if the "
            "new size or colour is in stock, they'll swap it right away. The store is open every day from "
            "{store_hours}.",
        ],
    ),
]

SHIPPING = [
    intent(
        "shipping.free_threshold", "any",
        ["Free shipping?", "Shipping cost", "Why was I charged shipping?"],
        [
            "Do you offer free shipping?",
            "How much do I need to spend to get free delivery?",
            "Is shipping free on the {item}? It's {price}.",
            "what's the minimum for free shipping",
            "Why was I charged shipping on order {order}?",
            "Hi, is there a free shipping threshold? Planning to order the {item}.",
            "How much is shipping to Colorado?",
        ],
        [
            "Standard shipping is free on orders over ${free_ship}; below that it's a flat ${standard_cost}. "
            "Standard delivery takes {standard_days} business days, and you'll get a tracking link by email once "
            "your order ships.",
            "Yes, we ship free on all orders over ${free_ship} (standard shipping, {standard_days} business days). "
            "For smaller orders, standard shipping costs ${standard_cost}, and express is ${express_cost}. The "
            "checkout shows every option for your address before you pay.",
        ],
    ),
    intent(
        "shipping.standard_time", "any",
        ["Delivery time", "How long does shipping take?", "When will it arrive?"],
        [
            "How long does standard shipping take?",
            "If I order the {item} today, when will it arrive?",
            "What are your delivery times?",
            "how fast do you ship",
            "I need the {item} for a trip in two weeks. Will standard delivery get it to me in time?",
            "When will my order arrive if I choose the free shipping option?",
        ],
        [
            "Orders placed before {cutoff} Eastern on a business day ship the same day. Standard delivery then "
            "takes {standard_days} business days, and express takes {express_days} business days for "
            "${express_cost}. You'll get a tracking link by email as soon as your parcel leaves our warehouse.",
            "Standard delivery takes {standard_days} business days from dispatch, and orders placed before "
            "{cutoff} Eastern on a business day leave our warehouse the same day. If you need it sooner, express "
            "delivery takes {express_days} business days and costs ${express_cost}.",
        ],
    ),
    intent(
        "shipping.express", "any",
        ["Express shipping", "Faster delivery?", "Upgrade shipping"],
        [
            "Do you have express shipping? How much is it?",
            "Can I get the {item} by Friday? Happy to pay for faster shipping.",
            "What does express delivery cost?",
            "I need my order fast, what's the quickest shipping option?",
            "Can I upgrade order {order} to express?",
            "how much is express",
        ],
        [
            "Express delivery costs ${express_cost} and arrives in {express_days} business days. Choose it at "
            "checkout; orders placed before {cutoff} Eastern on a business day ship the same day. If you've "
            "already ordered, reply with your order number and I'll upgrade it for you.",
            "Our fastest option is express delivery: {express_days} business days for ${express_cost}. If your "
            "order hasn't shipped yet, reply with the order number to confirm the upgrade and I'll send you a "
            "payment link for the difference.",
        ],
    ),
    intent(
        "shipping.international", "any",
        ["International shipping", "Do you ship abroad?", "Shipping outside the US"],
        [
            "Do you ship to {country}?",
            "Can I order the {item} to an address in {country}?",
            "Do you deliver internationally? I live in {country}.",
            "Can I have my order shipped to a friend in {country}?",
            "international shipping available? I'm in {country}",
            "Is it possible to get the {item} delivered to {country}?",
        ],
        [
            "At the moment we only ship within the United States, including Alaska, Hawaii and APO/FPO "
            "addresses, so we can't send orders abroad yet. We're working on international shipping and will "
            "announce it in our newsletter, so sign up at {site} to hear first.",
            "Sorry, we don't ship internationally yet: orders can only go to addresses in the United States, "
            "including APO/FPO addresses. If you have a friend or family member in the US, you're welcome to ship "
            "the order to them.",
        ],
    ),
    intent(
        "shipping.cutoff", "any",
        ["Same-day shipping", "Order cut-off time", "When will my order ship?"],
        [
            "If I order today, will it ship today?",
            "What time do I need to order by for same-day dispatch?",
            "Do you ship on weekends?",
            "I ordered the {item} late yesterday evening, when does it leave the warehouse?",
            "What's the cut-off time for orders to go out the same day?",
            "Ordered on Saturday - when will it be shipped?",
        ],
        [
            "Orders placed before {cutoff} Eastern, Monday to Friday, ship the same business day. Anything placed "
            "after that, or on a weekend or holiday, ships the next business day. You'll get an email with the "
            "tracking link as soon as it's on its way.",
            "Every order placed before {cutoff} Eastern on a business day ships the same day; later orders go out "
            "the next business day. We don't ship on weekends or holidays. Once it ships, standard delivery takes "
            "{standard_days} business days.",
        ],
    ),
]

ORDER_STATUS = [
    intent(
        "order_status.where_is", "any",
        ["Where is my order?", "Order status", "Order not arrived", "Tracking"],
        [
            "Where is my order? It's {order} and I haven't received anything yet.",
            "Hi, can you tell me the status of order {order}? I ordered on {order_date}.",
            "My {item} was supposed to arrive by now. Order number {order}.",
            "Any update on {order}? The tracking hasn't changed in days.",
            "when will my order arrive?? {order}",
            "I ordered the {item} {days_ago} days ago and still no sign of it. Order {order}.",
            "Could you check on my order {order} please? Need it before the weekend.",
            "Hi, I ordered the {item} last week and it still hasn't arrived. Can you check?",
        ],
        [
            "I've checked order {order}: it shipped on {ship_date} with {carrier}, tracking number {tracking}. "
            "The latest scan shows it's in transit and due to arrive by {eta}. You can follow it at {site}/track. "
            "If it hasn't arrived by then, reply here and I'll open a trace with {carrier}.",
            "Your order {order} left our warehouse on {ship_date} and is with {carrier} (tracking {tracking}). "
            "It's currently in transit, with delivery expected by {eta}. If nothing has arrived by then, just let "
            "me know and we'll sort out a replacement or refund.",
            "Thanks for your patience! Order {order} is on its way: {carrier} tracking number {tracking}, "
            "estimated delivery {eta}. Tracking sometimes pauses for a day while parcels move between hubs, so "
            "don't worry if it hasn't updated. Reply here if it's not with you by {eta}.",
        ],
    ),
    intent(
        "order_status.processing", "any",
        ["Order still processing", "Not shipped yet", "No shipping confirmation"],
        [
            "I placed order {order} {days_ago} days ago and it still says processing. Is something wrong?",
            "Why hasn't my order shipped yet? {order}",
            "Order {order} shows 'processing' - when will it ship?",
            "It's been two days and no shipping confirmation for the {item}.",
            "Has my order been sent out yet? Ordered the {item} on {order_date}.",
            "still no shipping email for {order}, please check",
        ],
        [
            "I've looked up order {order}: it's packed and will ship {ship_day} with {carrier}. Orders usually "
            "leave the same business day, but this one waited for the {item} to come in from our second "
            "warehouse. You'll receive the tracking link by email as soon as it's on its way.",
            "Thanks for checking in. Order {order} is being packed at our warehouse and is scheduled to ship "
            "{ship_day}. You'll get an email with the {carrier} tracking number once it leaves, and standard "
            "delivery takes {standard_days} business days from then.",
        ],
    ),
    intent(
        "order_status.change_address", "any",
        ["Change shipping address", "Wrong address on my order", "Update delivery address"],
        [
            "I entered the wrong shipping address on order {order}. The right one is {address}.",
            "Can I update the delivery address for my order? I moved last week. New address: {address}",
            "Please ship order {order} to my new address instead: {address}",
            "Typo in my address on order {order}! It should be {address}.",
            "Is it too late to change where my {item} is being delivered? I need it sent to {address}.",
            "Can you redirect my parcel to {address}? Order {order}.",
        ],
        [
            "I've caught order {order} before it shipped and updated the delivery address to the one you sent. "
            "You'll get a confirmation email shortly, and the tracking link once it's on its way. For future "
            "orders, you can check your saved addresses under Account > Addresses.",
            "Good timing: order {order} hadn't left the warehouse yet, so I've changed the shipping address as "
            "you asked. It's scheduled to ship {ship_day}, and you'll receive the {carrier} tracking link by email. "
            "If anything else needs changing, reply before then.",
        ],
    ),
    intent(
        "order_status.split_shipment", "any",
        ["Part of my order is missing", "Only received half my order", "Missing item"],
        [
            "I only received part of order {order}. The {item} is missing.",
            "Got my package but the {item} wasn't in it?",
            "Why did my order arrive in two boxes? One item is still missing.",
            "Order {order} came without the {item}, is it coming separately?",
            "Half my order arrived. Where's the rest?",
            "My delivery was missing the {item}. Order {order}.",
        ],
        [
            "No need to worry: the {item} ships from a different warehouse, so order {order} was sent in two "
            "parcels. The second one left on {ship_date} with {carrier}, tracking number {tracking}, and should "
            "arrive by {eta}. You'll find both parcels under Orders in your account.",
            "I've checked order {order}: it was split into two shipments, and the {item} is in the second parcel. "
            "It's with {carrier} (tracking {tracking}) and due by {eta}. If it hasn't turned up by then, reply "
            "here and I'll send a replacement right away.",
        ],
    ),
]

ORDER_INTENTS: list[Intent] = RETURNS + EXCHANGES + SHIPPING + ORDER_STATUS
