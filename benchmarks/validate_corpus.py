"""Generate a realistic validation corpus: a 24-event plan and an NDJSON log with about 5% invalid messages.

    python benchmarks/validate_corpus.py OUT_DIR --events 200000

writes OUT_DIR/plan.yaml and OUT_DIR/events.ndjson (deterministic for a given --seed).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

PLAN = """\
plan: Benchmark Shop
version: 1.0.0
defaults:
  additional_properties: false
properties:
  product_id: {type: string, min_length: 1}
  sku: {type: string, pattern: "^[A-Z]{3}-[0-9]{4,6}$"}
  currency: {type: string, enum: [USD, EUR, GBP, CAD, AUD, JPY]}
  price: {type: number, minimum: 0}
  quantity: {type: integer, minimum: 1, maximum: 1000}
  order_id: {type: string, pattern: "^ord_[0-9a-f]{12}$"}
  category: {type: string, max_length: 64}
  coupon: {type: string, nullable: true, max_length: 32}
  list_id: {type: string}
types:
  product:
    properties:
      product_id: {required: true}
      sku: {required: true}
      name: {type: string, max_length: 200}
      price: {required: true}
      quantity: {}
      category: {}
      brand: {type: string}
      variant: {type: string}
      position: {type: integer, minimum: 1}
      url: {type: string, format: uri}
      image_url: {type: string, format: uri}
events:
  Products Searched:
    properties:
      query: {type: string, min_length: 1, max_length: 256, required: true}
  Product List Viewed:
    properties:
      list_id: {required: true}
      category: {}
      products: {type: array, items: product, max_items: 100}
  Product List Filtered:
    properties:
      list_id: {required: true}
      filters: {type: array, items: {type: object, properties: {type: {type: string, required: true}, value: {type: string, required: true}}}}
      sorts: {type: array, items: {type: object, properties: {type: {type: string, required: true}, value: {type: string, enum: [asc, desc], required: true}}}}
  Promotion Viewed:
    properties:
      promotion_id: {type: string, required: true}
      creative: {type: string}
      name: {type: string}
      position: {type: string}
  Promotion Clicked:
    properties:
      promotion_id: {type: string, required: true}
      creative: {type: string}
      name: {type: string}
      position: {type: string}
  Product Clicked: {properties: {product_id: {required: true}, sku: {required: true}, price: {}, position: {type: integer, minimum: 1}}}
  Product Viewed:
    properties:
      product_id: {required: true}
      sku: {required: true}
      category: {}
      name: {type: string}
      brand: {type: string}
      price: {required: true}
      currency: {required: true}
      url: {type: string, format: uri}
  Product Added:
    properties:
      cart_id: {type: string, format: uuid, required: true}
      product_id: {required: true}
      sku: {required: true}
      price: {required: true}
      quantity: {required: true}
  Product Removed:
    properties:
      cart_id: {type: string, format: uuid, required: true}
      product_id: {required: true}
      quantity: {}
  Cart Viewed:
    properties:
      cart_id: {type: string, format: uuid, required: true}
      products: {type: array, items: product, required: true}
  Checkout Started:
    properties:
      order_id: {required: true}
      value: {type: number, minimum: 0}
      revenue: {type: number, minimum: 0}
      shipping: {type: number, minimum: 0}
      tax: {type: number, minimum: 0}
      currency: {required: true}
      coupon: {}
      products: {type: array, items: product, min_items: 1, required: true}
  Checkout Step Viewed:
    properties:
      checkout_id: {type: string, required: true}
      step: {type: integer, minimum: 1, maximum: 10, required: true}
      shipping_method: {type: string, enum: [standard, express, pickup]}
      payment_method: {type: string, enum: [card, paypal, invoice, gift_card]}
  Checkout Step Completed:
    properties:
      checkout_id: {type: string, required: true}
      step: {type: integer, minimum: 1, maximum: 10, required: true}
      shipping_method: {type: string, enum: [standard, express, pickup]}
      payment_method: {type: string, enum: [card, paypal, invoice, gift_card]}
  Payment Info Entered:
    properties:
      checkout_id: {type: string, required: true}
      order_id: {}
      payment_method: {type: string, enum: [card, paypal, invoice, gift_card], required: true}
  Order Completed:
    properties:
      order_id: {required: true}
      checkout_id: {type: string}
      total: {type: number, minimum: 0, required: true}
      revenue: {type: number, minimum: 0}
      shipping: {type: number, minimum: 0}
      tax: {type: number, minimum: 0}
      discount: {type: number, minimum: 0}
      coupon: {}
      currency: {required: true}
      placed_at: {type: string, format: date-time}
      products: {type: array, items: product, min_items: 1, required: true}
  Order Updated:
    properties:
      order_id: {required: true}
      total: {type: number, minimum: 0}
      currency: {}
      products: {type: array, items: product}
  Order Refunded:
    properties:
      order_id: {required: true}
      total: {type: number, minimum: 0, required: true}
      currency: {required: true}
      reason: {type: string, enum: [damaged, late, wrong_item, other]}
  Order Cancelled:
    properties:
      order_id: {required: true}
      reason: {type: string, enum: [customer, fraud, stock, other], required: true}
  Coupon Entered: {properties: {order_id: {}, cart_id: {type: string, format: uuid}, coupon_id: {type: string, required: true}}}
  Coupon Applied: {properties: {order_id: {}, cart_id: {type: string, format: uuid}, coupon_id: {type: string, required: true}, discount: {type: number, minimum: 0}}}
  Coupon Denied: {properties: {order_id: {}, coupon_id: {type: string, required: true}, reason: {type: string}}}
  Product Added to Wishlist: {properties: {wishlist_id: {type: string, required: true}, product_id: {required: true}, sku: {}}}
  Product Shared:
    properties:
      share_via: {type: string, enum: [email, sms, facebook, twitter, whatsapp], required: true}
      share_message: {type: string, max_length: 500}
      recipient: {type: string, format: email}
      product_id: {required: true}
  Product Reviewed:
    properties:
      product_id: {required: true}
      review_id: {type: string, required: true}
      review_body: {type: string, max_length: 2000}
      rating: {type: integer, minimum: 1, maximum: 5, required: true}
      tags: {type: array, items: {type: string}, unique_items: true, max_items: 10}
identify:
  traits:
    email: {type: string, format: email}
    first_name: {type: string}
    last_name: {type: string}
    plan: {type: string, enum: [free, pro, enterprise]}
    created_at: {type: string, format: date-time}
pages:
  Home: {properties: {path: {type: string, required: true}, referrer: {type: string}, title: {type: string}, url: {type: string, format: uri}}}
  Product: {properties: {path: {type: string, required: true}, referrer: {type: string}, title: {type: string}, url: {type: string, format: uri}}}
  Checkout: {properties: {path: {type: string, required: true}, referrer: {type: string}, title: {type: string}, url: {type: string, format: uri}}}
"""

EVENT_WEIGHTS = {
    "Products Searched": 8, "Product List Viewed": 8, "Product List Filtered": 3, "Promotion Viewed": 4,
    "Promotion Clicked": 2, "Product Clicked": 8, "Product Viewed": 14, "Product Added": 7, "Product Removed": 2,
    "Cart Viewed": 4, "Checkout Started": 3, "Checkout Step Viewed": 3, "Checkout Step Completed": 3,
    "Payment Info Entered": 2, "Order Completed": 3, "Order Updated": 1, "Order Refunded": 1, "Order Cancelled": 1,
    "Coupon Entered": 1, "Coupon Applied": 1, "Coupon Denied": 1, "Product Added to Wishlist": 2,
    "Product Shared": 1, "Product Reviewed": 1, "#identify": 4, "#page": 10,
}  # fmt: skip

BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka"]
CATEGORIES = ["shoes", "shirts", "games", "books", "garden", "kitchen", "toys", "audio"]
WORDS = ["red", "blue", "running", "classic", "wireless", "organic", "mini", "pro", "deluxe", "travel"]
CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY"]


class Maker:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.t0 = datetime(2024, 6, 1, tzinfo=timezone.utc)
        self.users = [(f"user_{n:06d}", str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))) for n in range(5000)]

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))

    def ts(self, i: int) -> str:
        return (self.t0 + timedelta(milliseconds=173 * i)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def sku(self) -> str:
        r = self.rnd
        return f"{''.join(r.choice('ABCDEFGHJKLMNPQRSTUVWXYZ') for _ in range(3))}-{r.randint(1000, 999999)}"

    def product(self, position: int) -> dict[str, Any]:
        r = self.rnd
        pid = f"p{r.randint(1, 99999)}"
        out: dict[str, Any] = {
            "product_id": pid,
            "sku": self.sku(),
            "name": f"{r.choice(WORDS).title()} {r.choice(WORDS)} {r.choice(CATEGORIES)}",
            "price": round(r.uniform(1, 400), 2),
            "quantity": r.randint(1, 4),
            "category": r.choice(CATEGORIES),
            "brand": r.choice(BRANDS),
            "position": position,
        }
        if r.random() < 0.5:
            out["url"] = f"https://shop.example.com/p/{pid}"
            out["image_url"] = f"https://cdn.example.com/img/{pid}.jpg"
        return out

    def properties(self, event: str) -> dict[str, Any]:
        r = self.rnd
        order_id = f"ord_{r.getrandbits(48):012x}"
        cart = self.uid()
        if event == "Products Searched":
            return {"query": " ".join(r.sample(WORDS, 2))}
        if event in ("Product List Viewed",):
            return {"list_id": f"list_{r.randint(1, 500)}", "category": r.choice(CATEGORIES), "products": [self.product(i + 1) for i in range(r.randint(2, 6))]}
        if event == "Product List Filtered":
            return {"list_id": f"list_{r.randint(1, 500)}", "filters": [{"type": "brand", "value": r.choice(BRANDS)}], "sorts": [{"type": "price", "value": r.choice(["asc", "desc"])}]}
        if event.startswith("Promotion"):
            return {"promotion_id": f"promo_{r.randint(1, 90)}", "creative": "banner_top", "name": "summer_sale", "position": "home_banner"}
        if event == "Product Clicked":
            return {"product_id": f"p{r.randint(1, 99999)}", "sku": self.sku(), "price": round(r.uniform(1, 400), 2), "position": r.randint(1, 24)}
        if event == "Product Viewed":
            p = self.product(1)
            return {"product_id": p["product_id"], "sku": p["sku"], "category": p["category"], "name": p["name"], "brand": p["brand"], "price": p["price"], "currency": r.choice(CURRENCIES), "url": f"https://shop.example.com/p/{p['product_id']}"}
        if event == "Product Added":
            return {"cart_id": cart, "product_id": f"p{r.randint(1, 99999)}", "sku": self.sku(), "price": round(r.uniform(1, 400), 2), "quantity": r.randint(1, 3)}
        if event == "Product Removed":
            return {"cart_id": cart, "product_id": f"p{r.randint(1, 99999)}", "quantity": 1}
        if event == "Cart Viewed":
            return {"cart_id": cart, "products": [self.product(i + 1) for i in range(r.randint(1, 4))]}
        if event in ("Checkout Started", "Order Completed", "Order Updated"):
            products = [self.product(i + 1) for i in range(r.randint(1, 4))]
            total = round(sum(p["price"] * p["quantity"] for p in products), 2)
            out: dict[str, Any] = {"order_id": order_id, "currency": r.choice(CURRENCIES), "products": products}
            if event == "Checkout Started":
                out.update(value=total, revenue=total, shipping=4.99, tax=round(total * 0.2, 2), coupon=r.choice([None, "SUMMER10"]))
            else:
                out.update(total=total, revenue=total, shipping=4.99, tax=round(total * 0.2, 2))
            if event == "Order Completed":
                out.update(checkout_id=f"co_{r.randint(1, 10**6)}", discount=0, coupon=None, placed_at=self.ts(r.randint(0, 10**6)))
            return out
        if event.startswith("Checkout Step"):
            return {"checkout_id": f"co_{r.randint(1, 10**6)}", "step": r.randint(1, 4), "shipping_method": r.choice(["standard", "express", "pickup"]), "payment_method": r.choice(["card", "paypal"])}
        if event == "Payment Info Entered":
            return {"checkout_id": f"co_{r.randint(1, 10**6)}", "order_id": order_id, "payment_method": "card"}
        if event == "Order Refunded":
            return {"order_id": order_id, "total": round(r.uniform(5, 300), 2), "currency": r.choice(CURRENCIES), "reason": "damaged"}
        if event == "Order Cancelled":
            return {"order_id": order_id, "reason": r.choice(["customer", "stock"])}
        if event.startswith("Coupon"):
            out = {"order_id": order_id, "coupon_id": "SUMMER10"}
            if event == "Coupon Applied":
                out["discount"] = 5.0
            if event == "Coupon Denied":
                out["reason"] = "expired"
            return out
        if event == "Product Added to Wishlist":
            return {"wishlist_id": f"wl_{r.randint(1, 9999)}", "product_id": f"p{r.randint(1, 99999)}", "sku": self.sku()}
        if event == "Product Shared":
            return {"share_via": "email", "share_message": "Look at this!", "recipient": "friend@example.com", "product_id": f"p{r.randint(1, 99999)}"}
        if event == "Product Reviewed":
            return {"product_id": f"p{r.randint(1, 99999)}", "review_id": f"rv_{r.randint(1, 10**6)}", "review_body": "Great value, fast shipping.", "rating": r.randint(1, 5), "tags": ["value", "shipping"]}
        raise AssertionError(event)

    def message(self, i: int, kind: str) -> dict[str, Any]:
        r = self.rnd
        user, anonymous = r.choice(self.users)
        page = r.choice(["Home", "Product", "Checkout"])
        path = {"Home": "/", "Product": f"/p/p{r.randint(1, 99999)}", "Checkout": "/checkout"}[page]
        message: dict[str, Any] = {"anonymousId": anonymous, "messageId": self.uid()}
        if r.random() < 0.7:
            message["userId"] = user
        message["context"] = {
            "library": {"name": "analytics.js", "version": "next-1.64.0"},
            "ip": f"198.51.100.{r.randint(1, 254)}",
            "locale": r.choice(["en-US", "de-DE", "fr-FR", "en-GB"]),
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Safari/537.36",
            "page": {"path": path, "referrer": "https://www.google.com/", "title": f"{page} - Shop", "url": f"https://shop.example.com{path}"},
        }
        message["integrations"] = {}
        stamp = self.ts(i)
        message.update(timestamp=stamp, originalTimestamp=stamp, sentAt=stamp, receivedAt=stamp)
        if kind == "#identify":
            message["type"] = "identify"
            message["userId"] = user
            message["traits"] = {"email": f"{user}@example.com", "first_name": "Ada", "last_name": "Lovelace", "plan": r.choice(["free", "pro", "enterprise"]), "created_at": self.ts(r.randint(0, 10**6))}
        elif kind == "#page":
            message["type"] = "page"
            message["name"] = page
            message["properties"] = {"path": path, "referrer": "https://www.google.com/", "title": f"{page} - Shop", "url": f"https://shop.example.com{path}"}
        else:
            message["type"] = "track"
            message["event"] = kind
            message["properties"] = self.properties(kind)
        return message

    def break_it(self, message: dict[str, Any]) -> dict[str, Any]:
        """One realistic mistake: wrong type, bad enum, missing field, unplanned property or event, bad pattern."""
        r = self.rnd
        message = copy.deepcopy(message)
        fields = message.get("properties") or message.get("traits") or {}
        choice = r.randrange(7)
        if choice == 0 and fields:
            key = r.choice(sorted(fields))
            fields[key] = str(fields[key]) if not isinstance(fields[key], str) else 12345
        elif choice == 1 and "currency" in fields:
            fields["currency"] = "usd"
        elif choice == 2 and fields:
            del fields[sorted(fields)[0]]
        elif choice == 3:
            fields["debug_mode"] = True
        elif choice == 4 and message.get("type") == "track":
            message["event"] = message["event"].lower()
        elif choice == 5 and isinstance(fields.get("products"), list) and fields["products"]:
            fields["products"][0]["sku"] = "bad sku"
        else:
            message["timestamp"] = "yesterday"
        return message


def write_corpus(description: str, plan: str, make: Callable[[int], Any], kinds: dict[str, int]) -> None:
    """The command line of a corpus generator: ``make(seed)`` gives an object with ``rnd``, ``message(i, kind)``
    and ``break_it(message)``; ``kinds`` weighs the kinds of message it makes."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--invalid", type=float, default=0.05, help="share of invalid messages")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "plan.yaml").write_text(plan, encoding="utf-8")
    maker = make(args.seed)
    names = list(kinds)
    weights = [kinds[k] for k in names]
    with open(args.out / "events.ndjson", "w", encoding="utf-8") as out:
        for i in range(args.events):
            message = maker.message(i, maker.rnd.choices(names, weights)[0])
            if maker.rnd.random() < args.invalid:
                message = maker.break_it(message)
            out.write(json.dumps(message, separators=(",", ":")) + "\n")


def main() -> None:
    write_corpus(__doc__ or "", PLAN, Maker, EVENT_WEIGHTS)

if __name__ == "__main__":
    main()
