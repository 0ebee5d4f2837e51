"""`aurora-platform:app.loadBalancer`: the blog's public HTTPS entry (an internet-facing Application Load Balancer).

Writing the section turns the load balancer on (`enabled` defaults to true once the section exists; `enabled: false`
keeps the settings and builds nothing). There is no public load balancer without a domain: HTTPS needs a certificate,
the certificate needs a name, and ACM validates it through a record in a Route 53 hosted zone of the account, so
`domain` and `hostedZoneId` are required. A stack without them has no load balancer at all, never a plaintext one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .reader import Problems, Section

# The HTTPS listener's policies this project accepts: TLS 1.3 with TLS 1.2 at the least, from the ALB guide's table
# ("Security policies for your Application Load Balancer", docs.aws.amazon.com/elasticloadbalancing/latest/
# application/describe-ssl-policies.html). The default is the console's default there, a hybrid post-quantum policy
# with the restricted (forward-secret AES-GCM) TLS 1.2 ciphers; the API's own default, ELBSecurityPolicy-2016-08,
# still allows TLS 1.0. The pack's `elb-tls-policy-modern` rule accepts the same family.
SSL_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
)
# ELB.12: "monitor" lets ambiguous (request-smuggling) requests through; AWS's default is defensive.
DESYNC_MODES = ("defensive", "strictest")
# A DNS name ACM can issue a public certificate for: lower-case letters, digits and hyphens, labels of 1-63
# characters not starting or ending with a hyphen, at least two labels, 253 characters at most.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_PATTERN = rf"(?:{_LABEL}\.)+[a-z][a-z0-9-]{{0,61}}[a-z0-9]"
DOMAIN_TEXT = ("a fully qualified domain name for the blog in lower case, without a trailing dot or a wildcard, "
               "e.g. \"blog.example.com\" (253 characters at most)")
# Route 53 hosted zone ids: "Z" and upper-case letters and digits (Z0123456789ABCDEFGHIJ, Z2FDTNDATAQYW2).
HOSTED_ZONE_ID = r"Z[A-Z0-9]{1,31}"
HOSTED_ZONE_TEXT = ("the id of the public Route 53 hosted zone that holds the domain, e.g. \"Z0123456789ABCDEFGHIJ\" "
                    "(`aws route53 list-hosted-zones-by-name`; without the /hostedzone/ prefix)")
HEALTH_PATH = r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}"
MAX_LOG_DAYS = 3650


@dataclass(frozen=True)
class LoadBalancerSettings:
    enabled: bool = False
    domain: str | None = None
    hosted_zone_id: str | None = None
    health_check_path: str = "/healthz"
    ssl_policy: str = SSL_POLICIES[0]
    desync_mitigation_mode: str = "defensive"
    # The parser's default: on in production, off elsewhere.
    deletion_protection: bool = False
    access_log_expiration_days: int = 90

    @property
    def url(self) -> str:
        return f"https://{self.domain}"


def parse_load_balancer(app: Section, problems: Problems, production: bool) -> LoadBalancerSettings:
    """`aurora-platform:app.loadBalancer`, read from the app section `app`. Absent or null: no load balancer."""
    section = app.section("loadBalancer")
    # Written as a mapping (even `{}`), the load balancer is wanted; a value of another shape is only that error.
    present = isinstance(app.raw.get("loadBalancer"), Mapping) or bool(section.raw)
    defaults = LoadBalancerSettings()
    enabled = section.boolean("enabled", present)
    hint = "" if problems.is_secret(f"{section.key}.domain") else _domain_hint(section.raw.get("domain"))
    domain = section.string("domain", None, allowed=DOMAIN_TEXT + hint, check=_valid_domain)
    zone = section.string("hostedZoneId", None, pattern=HOSTED_ZONE_ID, allowed=HOSTED_ZONE_TEXT)
    path = section.string("healthCheckPath", defaults.health_check_path, pattern=HEALTH_PATH,
                          allowed="an absolute URL path the container answers with 200 when healthy, e.g. "
                                  "\"/healthz\" (no query string, 1024 characters at most)")
    policy = section.string("sslPolicy", defaults.ssl_policy, choices=SSL_POLICIES)
    desync = section.string("desyncMitigationMode", defaults.desync_mitigation_mode, choices=DESYNC_MODES)
    protection = section.boolean("deletionProtection", production)
    days = section.integer("accessLogExpirationDays", defaults.access_log_expiration_days, minimum=1,
                           maximum=MAX_LOG_DAYS)
    if enabled:
        for name, value in (("domain", domain), ("hostedZoneId", zone)):
            if value is None and not section.has(name):
                what = DOMAIN_TEXT if name == "domain" else HOSTED_ZONE_TEXT
                problems.add_text(f"{section.key}.{name}",
                                  f"is required when {section.key}.enabled is true (the default once the section "
                                  f"is written): the blog is served over HTTPS only, with an ACM certificate "
                                  f"validated through DNS; allowed: {what}; or set {section.key}.enabled: false "
                                  "(no public load balancer)")
    if production and enabled and section.has("deletionProtection") and not protection:
        problems.add(f"{section.key}.deletionProtection", section.raw.get("deletionProtection"),
                     "true in production (the default there): deleting the load balancer takes the blog off the "
                     "internet")
        protection = True
    section.finish()
    return LoadBalancerSettings(enabled=enabled, domain=domain, hosted_zone_id=zone, health_check_path=path,
                                ssl_policy=policy, desync_mitigation_mode=desync, deletion_protection=protection,
                                access_log_expiration_days=days)


def _valid_domain(value: str) -> bool:
    # The last label starts with a letter, so an IPv4 address is no domain here either.
    return len(value) <= 253 and bool(re.fullmatch(DOMAIN_PATTERN, value))


def _domain_hint(value: object) -> str:
    """The commonest near misses, said in plain words after what is allowed."""
    if not isinstance(value, str) or _valid_domain(value):
        return ""
    if value.startswith(("http://", "https://")):
        return "; this is a URL: give the host name alone (the stack exports the URL, https://<domain>)"
    if value.endswith("."):
        return "; drop the trailing dot"
    if value.startswith("*."):
        return "; the certificate and the alias record are for one name, not a wildcard"
    if value != value.lower() and _valid_domain(value.lower()):
        return f"; write it in lower case: {value.lower()} (ACM stores names in lower case)"
    return ""
