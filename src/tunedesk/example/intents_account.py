"""Intents of the account and store categories: account, billing, discount_codes, hours_location."""

from __future__ import annotations

from tunedesk.example.intent import Intent, intent

ACCOUNT = [
    intent(
        "account.password_reset", "any",
        ["Password reset", "Forgot password", "Can't log in"],
        [
            "I forgot my password and can't log in.",
            "How do I reset my password? The reset email never arrives.",
            "Can't remember my password for my Trailhead account.",
            "password reset link isn't working",
            "Hi, I need to change my password but don't know the old one.",
            "Locked out of my account, forgot password. My email is {email}.",
        ],
        [
            "You can reset your password at {site}/account/reset: enter the email address on your account and "
            "we'll send a reset link that's valid for 1 hour. If it doesn't arrive within a few minutes, check "
            "your spam folder and make sure you're using the email you signed up with. Still stuck? Reply here "
            "and I'll send the link manually.",
            "Sorry you're locked out! Go to {site}/account/reset and enter your account email; you'll get a link "
            "to set a new password. The link expires after 1 hour, so use it soon. If the email doesn't show up, "
            "look in your spam or promotions folder, or reply and I'll trigger it for you.",
        ],
    ),
    intent(
        "account.login_trouble", "any",
        ["Login problem", "Account locked", "Can't sign in"],
        [
            "The website keeps saying my login is incorrect even though my password is right.",
            "I can't sign in to my account on the app.",
            "Why does my account say it's locked?",
            "Login page just reloads when I try to sign in.",
            "Keep getting 'too many attempts' when logging in.",
            "I made an account at checkout but can't log in now.",
        ],
        [
            "After 5 failed sign-in attempts we lock the account for 30 minutes to keep it safe, so please wait a "
            "little and try again, or reset your password at {site}/account/reset. Clearing your browser cookies "
            "or updating the app fixes most other sign-in problems. If it still won't work, reply with the email "
            "address on your account and I'll check it for you.",
            "Sorry for the trouble signing in! Most login problems are fixed by resetting your password at "
            "{site}/account/reset and clearing your browser cookies or updating the app. If you see 'too many "
            "attempts', the account unlocks by itself after 30 minutes. Reply here if you're still stuck and I'll "
            "take a look at your account.",
        ],
    ),
    intent(
        "account.update_details", "any",
        ["Update my details", "Change email address", "Change my name"],
        [
            "How do I change the email address on my account?",
            "I need to update my phone number on my account. New number: {phone_number}",
            "Can I change my name on my account? I got married.",
            "How do I update my saved shipping address?",
            "Please update my email to {email}.",
            "Where do I edit my account details?",
        ],
        [
            "You can update your name, email address, phone number and saved addresses under Account > Profile at "
            "{site}/account. Changes to your email need confirming through a link we send to the new address. If "
            "you can't sign in to make the change, reply here and I'll help you verify your account.",
            "Those details are all editable in your account: sign in at {site}/account and open Profile for your "
            "name, email and phone, or Addresses for saved shipping addresses. For security, we'll send a "
            "confirmation link whenever the email address changes.",
        ],
    ),
    intent(
        "account.guest_checkout", "any",
        ["Guest checkout", "Do I need an account?", "Guest order"],
        [
            "Do I need an account to place an order?",
            "I checked out as a guest. Can I add that order to a new account?",
            "Can I see my past orders without an account?",
            "How do I create an account?",
            "I ordered as guest, how do I track it?",
            "Is there any benefit to making an account?",
        ],
        [
            "You don't need an account to order: guest checkout works for everyone. If you create an account "
            "later with the same email address, your previous guest orders will show up under Orders "
            "automatically. Guest orders can also be tracked at {site}/track with your order number and email.",
            "Guest checkout is always available, so an account is optional. Creating one at {site}/account with "
            "the email you ordered with links your past guest orders, saves your addresses and makes returns "
            "quicker. You can track any order at {site}/track with your order number and email.",
        ],
    ),
    intent(
        "account.newsletter", "any",
        ["Unsubscribe", "Too many emails", "Marketing emails"],
        [
            "Please stop sending me marketing emails.",
            "How do I unsubscribe from your newsletter?",
            "I get too many emails from you.",
            "unsubscribe me please, {email}",
            "How do I opt out of text messages?",
            "Can I change how often I get your emails?",
        ],
        [
            "Sorry about the inbox overload! Click Unsubscribe at the bottom of any of our emails, or manage your "
            "preferences under Account > Communication at {site}/account. It can take up to 48 hours for the "
            "change to take effect. You'll still receive order and shipping updates.",
            "You can unsubscribe with the link at the bottom of any newsletter, or choose fewer emails or no texts "
            "under Account > Communication at {site}/account. Changes take effect within 48 hours, and we'll "
            "keep sending the emails about your orders.",
        ],
    ),
]

BILLING = [
    intent(
        "billing.payment_methods", "any",
        ["Payment methods", "Can I pay with PayPal?", "Payment question"],
        [
            "What payment methods do you accept?",
            "Can I pay with PayPal?",
            "Do you take Apple Pay?",
            "Can I pay in instalments for the {item}?",
            "Do you accept gift cards online and in store?",
            "can i use two cards on one order",
        ],
        [
            "We accept Visa, Mastercard, American Express, Discover, PayPal, Apple Pay, Google Pay and Trailhead "
            "Outfitters gift cards, both online and in our store. You can also split the cost into 4 interest-free "
            "payments with Pay in 4 at checkout. One order can use a gift card plus one other payment method.",
            "You can pay with any major credit or debit card, PayPal, Apple Pay, Google Pay or a Trailhead "
            "Outfitters gift card, online or in store. Pay in 4 at checkout splits the total into 4 interest-free "
            "payments. Each order takes one card or wallet, plus a gift card if you have one.",
        ],
    ),
    intent(
        "billing.double_charge", "any",
        ["Charged twice", "Double charge", "Pending charge on my card"],
        [
            "I was charged twice for order {order}!",
            "There are two charges on my card for one order. Please refund one.",
            "Why is there a pending charge on my card for order {order}? I thought it went through.",
            "My bank shows {amount} twice from Trailhead Outfitters. Order {order}.",
            "I paid with my card {card} and got charged twice.",
            "Double charged??? order {order}",
        ],
        [
            "I've checked order {order}: you were only charged once. The second amount is a pending authorization "
            "from when the payment was first attempted, and your bank will release it automatically within a few "
            "business days; it never leaves your account. If it's still showing after a week, reply here and I'll "
            "send you a confirmation letter for your bank.",
            "Sorry for the worry! Looking at order {order}, there's one completed charge and one pending "
            "authorization, which your bank will drop within a few business days without any action from you. If "
            "it hasn't disappeared after a week, let me know and I'll contact our payment provider.",
        ],
    ),
    intent(
        "billing.invoice", "any",
        ["Invoice request", "Receipt", "Invoice for {order}"],
        [
            "Can I get an invoice for order {order}? I need it for work.",
            "Do you provide tax invoices?",
            "I need a receipt for my {item} purchase.",
            "How do I download an invoice for my order?",
            "Can you add my company name to the invoice for {order}?",
            "receipt please for {order}",
        ],
        [
            "You can download an invoice for any order from Account > Orders at {site}/account: open the order "
            "and click Download invoice. For guest orders, or if you need a company name or tax ID added, reply "
            "with the details and I'll email you an updated PDF invoice.",
            "Every order has a downloadable invoice under Account > Orders at {site}/account. If you checked out "
            "as a guest or need your company details on it, just reply with the company name and address and "
            "I'll send a PDF invoice by email.",
        ],
    ),
    intent(
        "billing.declined_card", "any",
        ["Payment declined", "Card declined", "Checkout payment failed"],
        [
            "My card keeps getting declined at checkout.",
            "Payment failed but my card works everywhere else.",
            "Why was my payment declined? Trying to buy the {item}.",
            "Checkout says 'payment could not be processed'.",
            "Card declined even though I have money, card number {card}",
            "can't pay, card declined",
        ],
        [
            "Sorry for the trouble at checkout! Declines usually happen when the billing address doesn't exactly "
            "match the one your bank has on file, or when the bank blocks an online payment for security. Please "
            "double-check the billing address and try again, or pay with PayPal. Your bank can tell you the exact "
            "reason; we never see it. For your security, please never send card details by email.",
            "Most declines come from a billing address that doesn't match your bank's records or a security block "
            "by the bank. Check the address, try once more, or use PayPal or Apple Pay instead. If it still fails, "
            "your bank can tell you why. For your security, please never send card details by email.",
        ],
    ),
]

DISCOUNT_CODES = [
    intent(
        "discount_codes.not_working", "any",
        ["Discount code not working", "Promo code invalid", "Code {code}"],
        [
            "My discount code {code} isn't working.",
            "The code {code} says invalid at checkout.",
            "Why won't my promo code apply?",
            "I got a {code} code in my welcome email but it doesn't work.",
            "code {code} not valid??",
            "Tried to use {code} on the {item} and nothing happened.",
        ],
        [
            "Sorry the code isn't working! The most common reasons are that the code has expired, that the cart "
            "contains sale items (codes don't apply to sale items), or that another code is already applied, "
            "since only one discount code can be used per order. If it's still valid, reply with the code and "
            "I'll apply it to your order manually.",
            "Codes won't work on sale items, and only one discount code can be used per order, so those are the "
            "first things to check. If your cart has only full-price items and {code} still says invalid, reply "
            "with a screenshot and I'll apply the discount for you.",
        ],
    ),
    intent(
        "discount_codes.stacking", "any",
        ["Combine discount codes", "Two promo codes", "Stacking discounts"],
        [
            "Can I use two discount codes on one order?",
            "I have a {code} code and a birthday code - can I combine them?",
            "Can I stack my student discount with {code}?",
            "Does the {code} code work together with free shipping?",
            "can i use multiple promo codes",
            "Is it possible to apply the {code} code plus a gift card?",
        ],
        [
            "Only one discount code can be used per order, so codes can't be combined with each other. You can "
            "still use a gift card alongside your code, and free standard shipping on orders over ${free_ship} "
            "applies automatically on top of any discount.",
            "You can apply one discount code per order, so pick the one that saves you more. Gift cards aren't "
            "discount codes, so you can combine a gift card with your code, and orders over ${free_ship} still "
            "ship free.",
        ],
    ),
    intent(
        "discount_codes.sale_items", "any",
        ["Code doesn't work on sale items", "Discount on sale price?"],
        [
            "Why can't I use my code on sale items?",
            "Does {code} work on clearance stuff?",
            "My code worked on the {item} but not on the sale jacket in my cart.",
            "Can I use a discount code on top of a sale price?",
            "code not applying to the sale section?",
            "Is the {code} discount valid on sale products?",
        ],
        [
            "Discount codes can't be used on sale items, because those prices are already reduced. Your code will "
            "still apply to any full-price items in the same cart, and remember that only one discount code can "
            "be used per order.",
            "Our discount codes don't apply to sale items, so the code only reduces the full-price items in your "
            "cart. If you have a choice, the code usually saves more on a full-price item than the sale does.",
        ],
    ),
    intent(
        "discount_codes.price_match", "any",
        ["Price match", "Price dropped after I bought", "Price adjustment"],
        [
            "Do you price match? I found the {item} cheaper at another store.",
            "The {item} dropped in price a week after I bought it. Can I get the difference back?",
            "Another retailer has the {item} for less. Will you match it?",
            "Price adjustment possible? Bought the {item} on {order_date} and now it's cheaper.",
            "price match policy?",
            "Will you match an online marketplace price on the {item}?",
        ],
        [
            "Yes, we match the price of an identical, in-stock item from another authorized US retailer, and if "
            "our own price drops within {price_match_days} days of your purchase, we'll refund the difference. "
            "Reply with a link to the lower price and your order number, and we'll adjust it. Marketplace sellers "
            "and clearance events aren't included.",
            "We're happy to price match an identical in-stock item from an authorized US retailer, and if our "
            "price drops within {price_match_days} days of your purchase, we'll refund the difference. Just "
            "reply with the link and your order number.",
        ],
    ),
]

HOURS_LOCATION = [
    intent(
        "hours_location.store_hours", "any",
        ["Store hours", "Opening times", "Are you open on Sunday?"],
        [
            "What time does your store open on Sunday?",
            "What are your store hours?",
            "Is the Boulder store open on holidays?",
            "When does the flagship store close today?",
            "store hours?",
            "Are you open late on weekends?",
        ],
        [
            "Our flagship store at {store_address} is open every day from {store_hours}, weekends included. On "
            "major holidays hours can change, and we post them at {site}/store ahead of time. See you soon!",
            "The store is open every day from {store_hours}, including Sundays. You'll find us at "
            "{store_address}, and holiday hours are posted at {site}/store a week ahead.",
        ],
    ),
    intent(
        "hours_location.support_hours", "any",
        ["Support hours", "When can I call?", "Customer service hours"],
        [
            "What are your customer service hours?",
            "When can I call you?",
            "Is your chat open on weekends?",
            "What time does support close?",
            "hours for phone support?",
            "I tried calling at 7pm and nobody answered, when are you open?",
        ],
        [
            "Our support team is available by phone and chat {support_days}, {support_hours} Eastern. Outside "
            "those hours, email {support_email} and we'll reply the next business day. For in-store questions, "
            "the store is open every day from {store_hours}.",
            "You can reach us by phone on {phone} or by chat {support_days}, {support_hours} Eastern. Emails to "
            "{support_email} are answered within one business day, including those sent at weekends.",
        ],
    ),
    intent(
        "hours_location.address", "any",
        ["Store location", "Where are you?", "Directions to the store"],
        [
            "Where is your store?",
            "What's the address of the flagship store?",
            "Is there parking at your shop?",
            "How do I get to your store?",
            "do you have a physical store?",
            "Can I pick up an online order at the store?",
        ],
        [
            "Our flagship store is at {store_address}. The store is open every day from {store_hours}. There's "
            "free customer parking behind the building, and you can choose free in-store pickup at checkout; "
            "we'll email you when your order is ready to collect.",
            "You'll find our flagship store at {store_address}, with free parking behind the building. The store "
            "is open every day from {store_hours}, and online orders can be picked up there for free if you choose "
            "in-store pickup at checkout.",
        ],
    ),
    intent(
        "hours_location.contact", "any",
        ["Contact details", "Phone number?", "How to reach you"],
        [
            "What's your phone number?",
            "How can I contact customer service?",
            "Is there an email I can write to?",
            "Do you have live chat?",
            "I want to talk to a real person",
            "Best way to reach you?",
        ],
        [
            "You can call us on {phone} or use the chat on our website, {support_days}, {support_hours} Eastern. "
            "You can also email us any time at {support_email}, and we reply within one business day.",
            "The quickest way is chat on {site} or a phone call to {phone}, both {support_days}, {support_hours} "
            "Eastern. Emails to {support_email} are answered within one business day.",
        ],
    ),
]

ACCOUNT_INTENTS: list[Intent] = ACCOUNT + BILLING + DISCOUNT_CODES + HOURS_LOCATION
