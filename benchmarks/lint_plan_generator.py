"""Write a realistic large tracking plan for lint benchmarks (500 events by default).

Usage: python benchmarks/lint_plan_generator.py OUT.yaml [--events 500]

The plan has a shared property library, reusable types, nested objects and
arrays, enums and patterns, identify and group traits, pages and screens, so
that every lint rule has real work to do. It lints clean under 'recommended',
so the timing measures the rules, not the rendering of findings.
"""

from __future__ import annotations

import argparse
import random

OBJECTS = [
    "Order", "Product", "Cart", "Checkout", "Coupon", "Wishlist", "Review", "Account", "Profile", "Invoice",
    "Subscription", "Payment", "Refund", "Shipment", "Return", "Message", "Chatbot", "Conversation", "Report",
    "Dashboard", "Team", "Workspace", "Project", "Document", "Comment", "Notification", "Survey", "Campaign",
    "Integration", "Webhook", "Segment", "Audience", "Experiment", "Variant", "Filter", "Search", "Video",
    "Article", "Lesson", "Course", "Badge", "Reward", "Referral", "Ticket", "Agent", "Schedule", "Booking",
]
QUALIFIERS = [
    "", "Draft", "Bulk", "Guest", "Saved", "Shared", "Archived", "Scheduled", "Premium", "Trial", "Team",
    "Public", "Private", "Mobile", "Embedded",
]
ACTIONS = [
    "Created", "Updated", "Deleted", "Viewed", "Opened", "Closed", "Started", "Finished", "Submitted",
    "Approved", "Rejected", "Exported", "Imported", "Renamed", "Moved", "Copied", "Restored", "Archived",
    "Shared", "Downloaded", "Uploaded", "Clicked", "Selected", "Cancelled", "Paused", "Resumed", "Sent",
]
SHARED = {
    "order_id": "{type: string, min_length: 1, description: Unique order id.}",
    "currency": "{type: string, enum: [USD, EUR, GBP, JPY], description: ISO 4217 code.}",
    "price": "{type: number, minimum: 0, description: Unit price.}",
    "user_role": "{type: string, enum: [owner, admin, member, guest], description: Role of the acting user.}",
    "source": "{type: string, enum: [web, ios, android, api], description: Where the action came from.}",
    "workspace_id": '{type: string, pattern: "^ws_[a-z0-9]{10}$", description: Workspace id.}',
    "item_count": "{type: integer, minimum: 0, description: Number of items involved.}",
    "duration_ms": "{type: integer, minimum: 0, description: Duration in milliseconds.}",
}
TYPES = """\
types:
  product:
    description: One line item.
    properties:
      product_id: {type: string, required: true}
      price: {required: true}
      quantity: {type: integer, minimum: 1}
      category: {type: string}
  address:
    description: A postal address.
    properties:
      street: {type: string}
      city: {type: string, required: true}
      postal_code: {type: string, pattern: "^[A-Z0-9 -]{3,10}$"}
      country: {type: string, min_length: 2, max_length: 2}
"""


def event_names(count: int, rng: random.Random) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        obj = rng.choice(OBJECTS)
        qualifier = rng.choice(QUALIFIERS)
        action = rng.choice(ACTIONS)
        name = " ".join(part for part in (qualifier, obj, action) if part)
        key = name.lower().replace(" ", "")
        if key in seen:
            continue
        seen.add(key)
        names.append(name)
    return names


def plan_text(events: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    lines = [
        "plan: Benchmark Plan",
        "version: 1.0.0",
        "description: A large generated plan for lint benchmarks.",
        "defaults:",
        "  additional_properties: false",
        "",
        "properties:",
    ]
    lines += [f"  {name}: {body}" for name, body in SHARED.items()]
    lines += ["", TYPES, "events:"]
    for index, name in enumerate(event_names(events, rng)):
        lines += [
            f"  {name}:",
            f"    description: Fired when a user's {name.lower()} action completes.",
            f"    owner: team-{index % 9}",
            "    tags: [generated]",
            "    properties:",
        ]
        for shared in rng.sample(sorted(SHARED), 3):
            lines.append(f"      {shared}: {{required: {str(rng.random() < 0.5).lower()}}}")
        lines.append(f"      note_{index % 40}: {{type: string, max_length: 200}}")
        lines.append("      status: {type: string, enum: [active, inactive, pending]}")
        if index % 3 == 0:
            lines.append("      products: {type: array, items: product, min_items: 1}")
        if index % 5 == 0:
            lines += [
                "      context_info:",
                "        type: object",
                "        properties:",
                "          shipping_address: {type: address}",
                "          tags: {type: array, items: {type: string, enum: [alpha, beta, gamma]}, unique_items: true}",
                '          reference: {type: string, pattern: "^ref-[0-9]{6}$"}',
            ]
        if index % 7 == 0:
            lines.append("      placed_at: {type: string, format: date-time}")
    lines += [
        "",
        "identify:",
        "  traits:",
        "    email: {type: string, format: email}",
        "    plan: {type: string, enum: [free, pro, enterprise]}",
        "    created_at: {type: string, format: date-time}",
        "group:",
        "  traits:",
        "    name: {type: string}",
        "    employees: {type: integer, minimum: 0}",
        "pages:",
        "  Pricing:",
        "    description: The pricing page.",
        "    properties:",
        "      path: {type: string, required: true}",
        "screens:",
        "  Home:",
        "    description: The app's home screen.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="file to write the plan to")
    parser.add_argument("--events", type=int, default=500, help="number of track events (default 500)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(plan_text(args.events, args.seed))


if __name__ == "__main__":
    main()
