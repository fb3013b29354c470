"""The self-contained HTML audit report: content, escaping, links, and a real browser."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from collections import Counter
from collections.abc import Sequence
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from compat_checker.audit.html import PAGE_ROWS, render_html
from compat_checker.audit.model import (
    AuditReport,
    BaselineInfo,
    Exposure,
    FileError,
    Finding,
    HistoryEvent,
    InventoryField,
    PackageSummary,
    ServiceSummary,
    Shard,
    Totals,
)

LEVELS = ("PUBLIC", "LOW", "MEDIUM", "HIGH")
CHROMIUM = Path("/usr/bin/chromium")
HOSTILE_SCRIPT = "</script><script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'


# ---------------------------------------------------------------------------------------------
# building reports by hand


def field(
    package: str,
    path: str,
    type_: str,
    level: str,
    *,
    file: str,
    line: int,
    pii: str | None = None,
    annotated: bool = False,
    reasoning: str = "",
) -> InventoryField:
    return InventoryField(
        element=f"{package}.{path}" if package else path,
        file=file,
        line=line,
        package=package,
        field_path=path,
        type=type_,
        sensitivity=level,
        pii_type=pii,
        annotated=annotated,
        existing_annotation=f"SENSITIVITY_{level}" if annotated else None,
        reasoning=reasoning or f"name {path.rsplit('.', 1)[-1]!r} suggests {pii or 'no PII'}",
    )


def assemble(
    inventory: list[InventoryField],
    *,
    exposures: Sequence[Exposure] = (),
    findings: Sequence[Finding] = (),
    services: Sequence[ServiceSummary] = (),
    errors: Sequence[FileError] = (),
    **header: object,
) -> AuditReport:
    """A consistent report: packages and totals computed from the inventory and findings."""
    files = sorted({f.file for f in inventory} | {e.file for e in errors})
    # Grouped in one pass each, so that the bench's 500k-field reports build in seconds.
    by_package: dict[str, list[InventoryField]] = {}
    for f in inventory:
        by_package.setdefault(f.package, []).append(f)
    findings_in: Counter[str] = Counter()  # findings whose element lies in the package
    for x in findings:
        parts = x.element.split(".")
        findings_in.update(
            prefix
            for prefix in (".".join(parts[:i]) for i in range(1, len(parts)))
            if prefix in by_package
        )
    packages = []
    for name, mine in sorted(by_package.items()):
        packages.append(
            PackageSummary(
                package=name,
                files=len({f.file for f in mine}),
                fields=len(mine),
                by_level={lv: sum(f.sensitivity == lv for f in mine) for lv in LEVELS},
                unannotated={
                    lv: sum(f.sensitivity == lv and not f.annotated for f in mine) for lv in LEVELS
                },
                findings=findings_in[name],
            )
        )
    totals = Totals(
        files=len(files),
        fields=len(inventory),
        pii_fields=sum(f.sensitivity != "PUBLIC" for f in inventory),
        by_level={lv: sum(f.sensitivity == lv for f in inventory) for lv in LEVELS},
        unannotated={
            lv: sum(f.sensitivity == lv and not f.annotated for f in inventory) for lv in LEVELS
        },
        exposures=len(exposures),
        findings_by_rule=dict(Counter(x.rule for x in findings)),
        findings_by_severity={
            s: sum(x.severity == s for x in findings) for s in ("ERROR", "WARNING", "INFO")
        },
    )
    defaults: dict[str, object] = {
        "tool": "protoguard 0.1.0",
        "root": "apis",
        "commit": "9f1c2e7d4b3a59e8c0d1f2a3b4c5d6e7f8091a2b",
        "history": "ran",
    }
    return AuditReport(
        **{**defaults, **header},
        files=files,
        totals=totals,
        packages=packages,
        services=list(services),
        inventory=inventory,
        exposures=list(exposures),
        findings=list(findings),
        errors=list(errors),
    )


def unannotated_finding(f: InventoryField) -> Finding:
    return Finding(
        id=hashlib.sha256(f"AUDIT_PII_UNANNOTATED:{f.element}".encode()).hexdigest()[:16],
        rule="AUDIT_PII_UNANNOTATED",
        severity="ERROR" if f.sensitivity == "HIGH" else "WARNING",
        element=f.element,
        file=f.file,
        line=f.line,
        message=f"{f.field_path} looks like {f.pii_type} ({f.sensitivity}) but has no (pii.v1.sensitivity)",
        fix=f"Annotate the field: `[(pii.v1.sensitivity) = SENSITIVITY_{f.sensitivity}]`",
    )


def sample_report() -> AuditReport:
    """A realistic small audit of an API repository (also the screenshot's data)."""
    spec = {
        "acme.identity.v1": (
            "acme/identity/v1/user.proto",
            [
                ("User.id", "string", "PUBLIC", None, True),
                ("User.email", "string", "MEDIUM", "email", True),
                ("User.phone_number", "string", "MEDIUM", "phone", False),
                ("User.date_of_birth", "google.type.Date", "HIGH", "date_of_birth", False),
                ("User.national_id", "string", "HIGH", "government_id", False),
                ("User.display_name", "string", "LOW", "name", True),
                ("User.last_login_ip", "string", "LOW", "ip_address", False),
                ("User.Address.street", "string", "MEDIUM", "address", False),
                ("User.Address.postal_code", "string", "LOW", "address", False),
                ("User.create_time", "google.protobuf.Timestamp", "PUBLIC", None, False),
            ],
        ),
        "acme.billing.v1": (
            "acme/billing/v1/payments.proto",
            [
                ("PaymentMethod.card_number", "string", "HIGH", "payment_card", False),
                ("PaymentMethod.cvv", "string", "HIGH", "payment_card", False),
                ("PaymentMethod.iban", "string", "HIGH", "bank_account", True),
                ("PaymentMethod.holder_name", "string", "MEDIUM", "name", True),
                ("Invoice.id", "string", "PUBLIC", None, False),
                ("Invoice.amount", "google.type.Money", "PUBLIC", None, False),
                ("Invoice.billing_email", "string", "MEDIUM", "email", False),
                ("Invoice.currency", "string", "PUBLIC", None, False),
            ],
        ),
        "acme.orders.v1": (
            "acme/orders/v1/orders.proto",
            [
                ("Order.id", "string", "PUBLIC", None, False),
                ("Order.items", "OrderItem", "PUBLIC", None, False),
                ("Order.shipping_address", "string", "MEDIUM", "address", True),
                ("Order.customer_note", "string", "LOW", "free_text", False),
                ("Order.status", "Order.Status", "PUBLIC", None, False),
                ("OrderItem.sku", "string", "PUBLIC", None, False),
                ("OrderItem.quantity", "int32", "PUBLIC", None, False),
            ],
        ),
        "acme.support.v1": (
            "acme/support/v1/tickets.proto",
            [
                ("Ticket.id", "string", "PUBLIC", None, False),
                ("Ticket.reporter_email", "string", "MEDIUM", "email", False),
                ("Ticket.body", "string", "LOW", "free_text", False),
                ("Ticket.attachment_url", "string", "LOW", "url", False),
            ],
        ),
        "acme.catalog.v1": (
            "acme/catalog/v1/catalog.proto",
            [
                ("Product.sku", "string", "PUBLIC", None, False),
                ("Product.title", "string", "PUBLIC", None, False),
                ("Product.price", "google.type.Money", "PUBLIC", None, False),
                ("Product.tags", "string", "PUBLIC", None, False),
            ],
        ),
    }
    inventory = [
        field(pkg, path, type_, level, file=file, line=12 + 3 * i, pii=pii, annotated=ann)
        for pkg, (file, rows) in spec.items()
        for i, (path, type_, level, pii, ann) in enumerate(rows)
    ]
    findings = [
        unannotated_finding(f) for f in inventory if f.sensitivity != "PUBLIC" and not f.annotated
    ]
    findings += [
        Finding(
            id="reuse-0001",
            rule="AUDIT_FIELD_NUMBER_REUSED",
            severity="ERROR",
            element="acme.billing.v1.PaymentMethod.cvv",
            file="acme/billing/v1/payments.proto",
            line=15,
            message="field number 4 of PaymentMethod was deleted and later reused by cvv: "
            "old clients decode it as expiry_month",
            fix='Renumber cvv to an unused number and add `reserved 4; reserved "expiry_month";`',
            history=[
                HistoryEvent(
                    commit="1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
                    date="2022-03-14T10:02:11+01:00",
                    event="added",
                    field="expiry_month",
                    type="int32",
                ),
                HistoryEvent(
                    commit="2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e",
                    date="2023-06-01T16:45:00+02:00",
                    event="deleted",
                    field="expiry_month",
                    type="int32",
                ),
                HistoryEvent(
                    commit="3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f",
                    date="2024-01-09T09:12:40+01:00",
                    event="reused",
                    field="cvv",
                    type="string",
                ),
            ],
        ),
        Finding(
            id="reserve-0002",
            rule="AUDIT_DELETED_NOT_RESERVED",
            severity="WARNING",
            element="acme.orders.v1.Order",
            file="acme/orders/v1/orders.proto",
            line=9,
            message="field number 7 (gift_message) was deleted without `reserved 7;`",
            fix='Add `reserved 7; reserved "gift_message";` to Order.',
        ),
        Finding(
            id="expose-0003",
            rule="AUDIT_HIGH_EXPOSURE",
            severity="WARNING",
            element="acme.identity.v1.UserService.ListUsers",
            file="acme/identity/v1/user_service.proto",
            line=21,
            message="ListUsers returns HIGH fields (date_of_birth, national_id) in bulk "
            "without (pii.v1.audit_pii_access)",
            fix="Return a redacted view in list responses or mark the method audit_pii_access.",
        ),
    ]
    exposures = [
        Exposure(
            element="acme.identity.v1.UserService.GetUser",
            service="acme.identity.v1.UserService",
            method="GetUser",
            file="acme/identity/v1/user_service.proto",
            line=14,
            sensitivity="HIGH",
            bulk=False,
            audit_pii_access=True,
            note="returns User (date_of_birth, national_id)",
        ),
        Exposure(
            element="acme.identity.v1.UserService.ListUsers",
            service="acme.identity.v1.UserService",
            method="ListUsers",
            file="acme/identity/v1/user_service.proto",
            line=21,
            sensitivity="HIGH",
            bulk=True,
            audit_pii_access=False,
            note="repeated User in ListUsersResponse.users",
        ),
        Exposure(
            element="acme.billing.v1.PaymentService.SearchPaymentMethods",
            service="acme.billing.v1.PaymentService",
            method="SearchPaymentMethods",
            file="acme/billing/v1/payment_service.proto",
            line=30,
            sensitivity="HIGH",
            bulk=True,
            audit_pii_access=True,
            note="repeated PaymentMethod (card_number, cvv, iban)",
        ),
    ]
    services = [
        ServiceSummary(
            service="acme.identity.v1.UserService",
            package="acme.identity.v1",
            file="acme/identity/v1/user_service.proto",
            methods=5,
            max_sensitivity="HIGH",
            exposures=2,
            unaudited_pii_methods=3,
        ),
        ServiceSummary(
            service="acme.billing.v1.PaymentService",
            package="acme.billing.v1",
            file="acme/billing/v1/payment_service.proto",
            methods=4,
            max_sensitivity="HIGH",
            exposures=1,
            unaudited_pii_methods=1,
        ),
        ServiceSummary(
            service="acme.orders.v1.OrderService",
            package="acme.orders.v1",
            file="acme/orders/v1/order_service.proto",
            methods=6,
            max_sensitivity="MEDIUM",
            exposures=0,
            unaudited_pii_methods=2,
        ),
        ServiceSummary(
            service="acme.catalog.v1.CatalogService",
            package="acme.catalog.v1",
            file="acme/catalog/v1/catalog_service.proto",
            methods=3,
            max_sensitivity="PUBLIC",
            exposures=0,
            unaudited_pii_methods=0,
        ),
    ]
    errors = [
        FileError(
            file="legacy/v0/broken.proto",
            message="legacy/v0/broken.proto:4:1: syntax error: expected ';'",
        )
    ]
    return assemble(
        inventory,
        exposures=exposures,
        findings=findings,
        services=services,
        errors=errors,
        baseline=BaselineInfo(file="audit-baseline.json", known=41, fixed=3),
    )


def hostile_report() -> AuditReport:
    """Every string a pull request controls, made hostile."""
    evil = field(
        "evil" + HOSTILE_ATTR,
        "Msg." + HOSTILE_SCRIPT,
        HOSTILE_ATTR,
        "HIGH",
        file="javascript:alert(1)//x.proto",
        line=3,
        pii=HOSTILE_SCRIPT,
        reasoning="// " + HOSTILE_SCRIPT + " " + HOSTILE_ATTR,
    )
    protocol_relative = field("p", "M.f", "string", "LOW", file="//evil.example/x.proto", line=1)
    finding = Finding(
        id=HOSTILE_ATTR,
        rule=HOSTILE_SCRIPT,
        severity="ERROR",
        element=evil.element,
        file=evil.file,
        line=3,
        message=HOSTILE_SCRIPT,
        fix=HOSTILE_ATTR,
        history=[
            HistoryEvent(
                commit=HOSTILE_ATTR,
                date=HOSTILE_SCRIPT,
                event="reused",
                field=HOSTILE_SCRIPT,
                type="x",
            )
        ],
    )
    return assemble(
        [evil, protocol_relative],
        findings=[finding],
        errors=[FileError(file=HOSTILE_ATTR, message=HOSTILE_SCRIPT)],
        root=HOSTILE_SCRIPT,
        tool=HOSTILE_ATTR,
        baseline=BaselineInfo(file=HOSTILE_SCRIPT, known=0, fixed=0),
    )


def large_report(n: int) -> AuditReport:
    """n fields over 40 packages, a finding for every unannotated PII field."""
    inventory = []
    for i in range(n):
        pkg = f"corp.domain{i % 40:02d}.v1"
        inventory.append(
            field(
                pkg,
                f"Message{i // 25}.field_{i}",
                "string",
                LEVELS[(i * 7) % 4],
                file=f"corp/domain{i % 40:02d}/v1/m{i // 25}.proto",
                line=5 + i % 25,
                pii="email" if i % 4 else None,
                annotated=i % 3 == 0,
            )
        )
    findings = [
        unannotated_finding(f) for f in inventory if f.sensitivity != "PUBLIC" and not f.annotated
    ]
    return assemble(inventory, findings=findings)


# ---------------------------------------------------------------------------------------------
# a small DOM from html.parser


VOID = {"meta", "link", "input", "br", "img", "hr", "source", "area", "base", "col", "wbr", "embed"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if n.tag == tag and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}>"
        return found[0]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(document: str) -> Node:
    builder = TreeBuilder()
    builder.feed(document)
    builder.close()
    assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
    return builder.root


def body_rows(dom: Node, table_id: str) -> list[Node]:
    return dom.find("table", id=table_id).find("tbody").find_all("tr")


# ---------------------------------------------------------------------------------------------
# content


def test_summary_cards_show_the_totals():
    report = sample_report()
    dom = parse(render_html(report))
    cards = {n.attrs["data-stat"]: n for n in dom.find_all("div") if "data-stat" in n.attrs}

    def value(stat: str) -> str:
        return next(n for n in cards[stat].iter() if n.has_class("value")).text()

    totals = report.totals
    assert value("files") == str(totals.files) == "6"
    assert value("fields") == str(totals.fields)
    assert value("pii") == str(totals.pii_fields)
    assert value("unannotated") == str(
        sum(totals.unannotated[lv] for lv in ("HIGH", "MEDIUM", "LOW"))
    )
    assert value("exposures") == "3"
    assert value("findings") == str(len(report.findings))
    findings_card = cards["findings"].text()
    for severity, count in totals.findings_by_severity.items():
        assert f"{severity} {count}" in findings_card
    unannotated_card = cards["unannotated"].text()
    assert f"HIGH {totals.unannotated['HIGH']}" in unannotated_card


def test_header_states_scope_history_and_baseline():
    dom = parse(render_html(sample_report()))
    header = dom.find("header").text()
    assert "apis" in header and "9f1c2e7d4b3a" in header
    assert "whole repository" in header
    assert "git history scanned" in header
    assert "audit-baseline.json" in header and "41 already known" in header and "3 fixed" in header

    shard = sample_report().model_copy(
        update={
            "shard": Shard(index=2, count=4),
            "history": "skipped",
            "baseline": None,
            "commit": None,
        }
    )
    header = parse(render_html(shard)).find("header").text()
    assert "shard 2 of 4" in header
    assert "reused field numbers were not checked" in header
    assert "not a git work tree" in header
    assert "every finding is shown" in header

    merged = sample_report().model_copy(update={"merged_from": 3, "history": "unavailable"})
    header = parse(render_html(merged)).find("header").text()
    assert "merged from 3 shard reports" in header
    assert "no git history" in header


def test_every_finding_has_a_row_with_its_details():
    report = sample_report()
    rows = body_rows(parse(render_html(report)), "findings-table")
    assert sorted(r.attrs["data-id"] for r in rows) == sorted(f.id for f in report.findings)
    by_id = {r.attrs["data-id"]: r for r in rows}
    for finding in report.findings:
        text = by_id[finding.id].text()
        for part in (finding.severity, finding.rule, finding.element, finding.message, finding.fix):
            assert part.replace("`", "") in text  # backticked spans become <code>
        assert f"{finding.file}:{finding.line}" in text
    # errors first, and the reused number's history sits in a collapsed <details>
    assert [r.attrs["data-severity"] for r in rows][:3] == ["ERROR"] * 3
    history = by_id["reuse-0001"].find("details")
    assert "open" not in history.attrs
    assert "3 events" in history.find("summary").text()
    assert [li.text().split()[2] for li in history.find_all("li")] == ["added", "deleted", "reused"]


def test_exposures_list_bulk_reads_first():
    rows = body_rows(parse(render_html(sample_report())), "exposures-table")
    methods = [r.find("b").text() for r in rows]
    assert methods == ["ListUsers", "SearchPaymentMethods", "GetUser"]
    assert "no" in rows[0].text()  # ListUsers is not access-audited


def test_chart_has_one_bar_group_per_package():
    report = sample_report()
    dom = parse(render_html(report))
    svg = dom.find("svg")
    assert svg.attrs["role"] == "img"
    assert svg.find("title").text() == "Fields by sensitivity level per package"
    bars = [g for g in svg.find_all("g") if g.has_class("bar")]
    assert sorted(g.attrs["data-package"] for g in bars) == sorted(
        p.package for p in report.packages
    )
    # the package with the most HIGH fields comes first
    assert bars[0].attrs["data-package"] == "acme.billing.v1"
    for bar in bars:
        package = next(p for p in report.packages if p.package == bar.attrs["data-package"])
        rects = bar.find_all("rect")
        assert [r.attrs["class"] for r in rects] == [
            f"seg-{lv}" for lv in ("HIGH", "MEDIUM", "LOW", "PUBLIC") if package.by_level[lv]
        ]
        assert all(r.find("title").text() for r in rects)
        assert f"{package.fields} fields" in bar.find("title").text()
    legend = dom.find("div", **{"class": "legend"}).text()
    for level, count in report.totals.by_level.items():
        assert f"{level} {count}" in legend


def test_tables_for_packages_services_inventory_and_errors():
    report = sample_report()
    dom = parse(render_html(report))
    assert len(body_rows(dom, "packages-table")) == len(report.packages)
    assert len(body_rows(dom, "services-table")) == len(report.services)
    inventory = body_rows(dom, "inventory-table")
    assert len(inventory) == len(report.inventory)
    assert Counter(r.attrs["data-level"] for r in inventory) == Counter(report.totals.by_level)
    missing = [r for r in inventory if "missing" in r.text()]
    assert len(missing) == sum(report.totals.unannotated[lv] for lv in ("HIGH", "MEDIUM", "LOW"))
    assert "syntax error" in body_rows(dom, "errors-table")[0].text()
    # every sortable column has a button to click; numeric ones say so for the script
    for th in dom.find("table", id="packages-table").find_all("th"):
        assert th.find("button")
    assert dom.find("th", data_col="fields").attrs["data-type"] == "num"


def test_empty_report_renders_empty_states():
    report = assemble([])
    dom = parse(render_html(report))
    assert dom.find_all("table") == []
    texts = [p.text() for p in dom.find_all("p") if p.has_class("empty")]
    assert "No findings." in texts and "No packages were audited." in texts
    assert "Every file was parsed." in texts


def test_output_is_deterministic():
    assert render_html(sample_report()) == render_html(sample_report())
    assert render_html(large_report(300)) == render_html(large_report(300))


# ---------------------------------------------------------------------------------------------
# links


def test_links_use_link_base_when_given():
    base = "https://github.com/acme/apis/blob/9f1c2e7d4b3a59e8c0d1f2a3b4c5d6e7f8091a2b/"
    dom = parse(render_html(sample_report(), link_base=base))
    row = next(r for r in body_rows(dom, "findings-table") if r.attrs["data-id"] == "reuse-0001")
    link = row.find("a")
    assert link.attrs["href"] == base + "acme/billing/v1/payments.proto#L15"
    assert link.text() == "acme/billing/v1/payments.proto:15"


def test_links_are_relative_without_link_base():
    dom = parse(render_html(sample_report()))
    hrefs = {a.text(): a.attrs["href"] for a in dom.find_all("a") if a.has_class("loc")}
    assert hrefs["acme/billing/v1/payments.proto:15"] == "./acme/billing/v1/payments.proto#L15"
    # services and errors link to the file itself
    assert hrefs["acme/identity/v1/user_service.proto"] == "./acme/identity/v1/user_service.proto"
    assert hrefs["legacy/v0/broken.proto"] == "./legacy/v0/broken.proto"


def test_paths_with_spaces_and_hashes_are_encoded():
    report = assemble([field("p", "M.f", "string", "LOW", file="my dir/a#b?.proto", line=7)])
    links = [a for a in parse(render_html(report)).find_all("a") if a.has_class("loc")]
    assert links[0].attrs["href"] == "./my%20dir/a%23b%3F.proto#L7"
    assert links[0].text() == "my dir/a#b?.proto:7"


# ---------------------------------------------------------------------------------------------
# untrusted text


def test_hostile_strings_are_escaped_everywhere():
    report = hostile_report()
    document = render_html(report, link_base=None)
    dom = parse(document)
    # exactly one script element: ours, at the end; no injected tags or handler attributes
    assert document.count("<script") == 1
    assert len(dom.find_all("script")) == 1
    assert dom.find_all("img") == []
    for node in dom.iter():
        assert not any(name.startswith("on") for name in node.attrs), node.attrs
    # the hostile text survives as text
    text = dom.text()
    assert HOSTILE_SCRIPT in text and HOSTILE_ATTR in text
    assert dom.find("title").text() == f"protoguard audit: {HOSTILE_SCRIPT}"
    finding_row = body_rows(dom, "findings-table")[0]
    assert finding_row.attrs["data-id"] == HOSTILE_ATTR
    assert HOSTILE_SCRIPT in finding_row.find("details").text()


def test_backticked_spans_become_code_without_unescaping():
    finding = Finding(
        id="f1",
        rule="AUDIT_DELETED_NOT_RESERVED",
        severity="WARNING",
        element="p.M",
        file="p.proto",
        line=2,
        message="number 7 was deleted without `reserved 7;`",
        fix="Add `reserved 7;` and `" + HOSTILE_SCRIPT + "`",
    )
    report = assemble(
        [field("p", "M.f", "string", "LOW", file="p.proto", line=3)], findings=[finding]
    )
    document = render_html(report)
    row = body_rows(parse(document), "findings-table")[0]
    codes = [c.text() for c in row.find_all("code") if c.has_class("q")]
    assert codes == ["reserved 7;", "reserved 7;", HOSTILE_SCRIPT]
    assert document.count("<script") == 1


def test_hostile_paths_never_become_scripts_or_other_hosts():
    dom = parse(render_html(hostile_report()))
    hrefs = [a.attrs["href"] for a in dom.find_all("a") if a.has_class("loc")]
    assert hrefs, "no links rendered"
    for href in hrefs:
        assert not href.lower().lstrip().startswith(("javascript:", "//", "data:"))
        assert href.startswith("./")
    assert "./javascript%3Aalert%281%29//x.proto#L3" in hrefs
    assert ".///evil.example/x.proto#L1" in hrefs  # a path under ./, not a host


def test_page_is_self_contained():
    document = render_html(sample_report())
    dom = parse(document)
    assert not re.search(r"https?://", document)
    assert "<script src" not in document.lower() and "<link" not in document.lower()
    for node in dom.iter():
        assert "src" not in node.attrs, node.tag
        if node.tag == "a":
            assert not node.attrs["href"].startswith(("http:", "https:", "//"))
    for css in (s.text() for s in dom.find_all("style")):
        assert "url(" not in css and "@import" not in css and "@font-face" not in css
    csp = next(
        m for m in dom.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp.attrs["content"]
    # the only external URLs with a link base are the file links themselves
    linked = render_html(sample_report(), link_base="https://github.com/acme/apis/blob/abc/")
    urls = re.findall(r"""(\w[\w-]*)=["']https?://""", linked)
    assert urls and set(urls) == {"href"}
    assert all(
        a.tag == "a" for a in parse(linked).iter() if a.attrs.get("href", "").startswith("https:")
    )


# ---------------------------------------------------------------------------------------------
# a real browser


def inject_script(document: str, script: str) -> str:
    """Append a test script after ours, allowed by the page's CSP through its hash."""
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    document = document.replace("script-src ", f"script-src 'sha256-{digest}' ", 1)
    return document.replace("</body>", f"<script>{script}</script></body>", 1)


def dump_dom(page: Path, tmp_path: Path, *, window: str = "1400,1800") -> str:
    """The DOM after the page's scripts ran, from headless Chromium, which must log nothing to
    the console (no script error, no CSP violation). Host resolution is off, so a stray
    external reference fails instead of reaching the network."""
    if not CHROMIUM.exists():
        pytest.skip("needs headless Chromium at /usr/bin/chromium: apt-get install -y chromium")
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",  # the page's console: script errors, CSP violations
            "--v=0",
            f"--window-size={window}",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "the page logged errors"
    return result.stdout


def script_result(document: str) -> dict[str, object]:
    """What an injected script left in <body data-test>, without parsing a large DOM."""
    found = re.search(r'<body[^>]* data-test="([^"]*)"', document)
    assert found, "the test script did not run"
    return json.loads(unescape(found.group(1)))


SORT_AND_FILTER = """
(function () {
  var out = {};
  document.querySelector('#findings-table th[data-col="rule"] button').click();
  var level = document.querySelector('.toolbar[data-for="inventory-table"] select[data-attr="level"]');
  level.value = "HIGH";
  level.dispatchEvent(new Event("change"));
  out.inventoryCount = document.querySelector('.toolbar[data-for="inventory-table"] .count').textContent;
  document.querySelector('#packages-table th[data-col="fields"] button').click();
  document.querySelector('#packages-table th[data-col="fields"] button').click();
  document.body.setAttribute("data-test", JSON.stringify(out));
})();
"""

LINK_BASE = "https://github.com/acme/apis/blob/9f1c2e7d4b3a59e8c0d1f2a3b4c5d6e7f8091a2b/"
URL_ATTRIBUTES = ("href", "src", "srcset", "action", "formaction", "poster", "data", "xlink:href")


def test_page_runs_in_headless_chromium(tmp_path):
    report = sample_report()
    page = tmp_path / "audit.html"
    document = render_html(report, link_base=LINK_BASE)
    page.write_text(inject_script(document, SORT_AND_FILTER), encoding="utf-8")
    rendered = dump_dom(page, tmp_path)
    dom = parse(rendered)
    body = dom.find("body")
    assert body.attrs.get("data-ready") == "1", "the page script did not run"

    # every table and the chart made it into the rendered DOM
    for table_id in (
        "findings-table",
        "exposures-table",
        "packages-table",
        "services-table",
        "inventory-table",
        "errors-table",
    ):
        assert body_rows(dom, table_id), table_id
    chart = dom.find("svg")
    assert chart.has_class("chart")
    assert len([g for g in chart.find_all("g") if g.has_class("bar")]) == len(report.packages)
    assert chart.find_all("rect")

    # the only URLs that point anywhere are the file links under the link base
    external = [
        (node, name, value)
        for node in dom.iter()
        for name, value in node.attrs.items()
        if name in URL_ATTRIBUTES and value and re.match(r"\s*(https?:)?//", value, re.I)
    ]
    assert external, "no file links rendered"
    for node, name, value in external:
        assert node.tag == "a" and node.has_class("loc") and name == "href", (node.tag, name)
        assert value.startswith(LINK_BASE), value
    assert not any("src" in node.attrs for node in dom.iter())
    findings_link = body_rows(dom, "findings-table")[0].find("a").attrs["href"]
    assert re.fullmatch(re.escape(LINK_BASE) + r"[\w/.-]+\.proto#L\d+", findings_link)

    # sorted by rule, ascending, stable within a rule
    rules_th = dom.find("th", data_col="rule")
    assert rules_th.attrs["aria-sort"] == "ascending"
    rules = [r.find("code").text() for r in body_rows(dom, "findings-table")]
    assert rules == sorted(rules) and len(rules) == len(report.findings)
    # the level filter hid every non-HIGH inventory row and said so
    high = report.totals.by_level["HIGH"]
    counted = script_result(rendered)["inventoryCount"]
    assert counted == f"{high} of {report.totals.fields} rows match"
    visible = [r for r in body_rows(dom, "inventory-table") if "hidden" not in r.attrs]
    assert len(visible) == high and all(r.attrs["data-level"] == "HIGH" for r in visible)
    # two clicks on a numeric column sort it descending, numerically
    fields = [int(r.find_all("td")[2].text()) for r in body_rows(dom, "packages-table")]
    assert fields == sorted(fields, reverse=True)
    assert dom.find("th", data_col="fields").attrs["aria-sort"] == "descending"


def test_hostile_report_runs_no_injected_script_in_chromium(tmp_path):
    page = tmp_path / "audit.html"
    page.write_text(render_html(hostile_report()), encoding="utf-8")
    dom = parse(dump_dom(page, tmp_path))
    assert dom.find("body").attrs.get("data-ready") == "1"
    assert len(dom.find_all("script")) == 1
    assert dom.find_all("img") == []
    assert HOSTILE_SCRIPT in dom.find("title").text()


PAGE_WIDTH = """
document.body.setAttribute("data-test", JSON.stringify({
  page: document.documentElement.scrollWidth, window: document.documentElement.clientWidth}));
"""


@pytest.mark.parametrize("width", [800, 1400])
def test_wide_tables_scroll_inside_their_panel_not_the_page(tmp_path, width):
    page = tmp_path / "audit.html"
    page.write_text(inject_script(render_html(sample_report()), PAGE_WIDTH), encoding="utf-8")
    measured = script_result(dump_dom(page, tmp_path, window=f"{width},1200"))
    assert measured["page"] == measured["window"]


COUNT_VISIBLE = """
(function () {
  var rows = document.querySelectorAll("#inventory-table tbody tr");
  var shown = 0;
  for (var i = 0; i < rows.length; i++) if (!rows[i].hidden) shown++;
  var count = document.querySelector('.toolbar[data-for="inventory-table"] .count').textContent;
  var more = document.querySelector('.toolbar[data-for="inventory-table"] .more');
  more.click();
  var shownAfterMore = 0;
  for (var j = 0; j < rows.length; j++) if (!rows[j].hidden) shownAfterMore++;
  document.body.setAttribute("data-test", JSON.stringify(
    {rows: rows.length, shown: shown, count: count, shownAfterMore: shownAfterMore}));
})();
"""


@pytest.mark.slow
def test_large_inventory_pages_in_headless_chromium(tmp_path):
    page = tmp_path / "audit.html"
    page.write_text(
        inject_script(render_html(large_report(20_000), max_rows=20_000), COUNT_VISIBLE), "utf-8"
    )
    document = dump_dom(page, tmp_path)
    assert re.search(r'<body[^>]* data-ready="1"', document), "the page script did not run"
    assert script_result(document) == {
        "rows": 20_000,
        "shown": PAGE_ROWS,
        "count": f"20,000 rows · showing the first {PAGE_ROWS}",
        "shownAfterMore": 2 * PAGE_ROWS,
    }
