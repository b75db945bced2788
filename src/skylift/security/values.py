"""Is a value a real secret? References, placeholders and weak defaults, as data.

A value under a secret-looking key is one of:

* **empty** — nothing set (``""``, ``null``, ``~``);
* **not a secret** — a boolean, a short number, a file path (the key names a file);
* **reference** — resolved at deploy time, not a secret itself: ``${VAR}``,
  ``$VAR``, ``{{ jinja }}``, ``{% … %}``, ``<%= erb %>``, ``#{spring}``,
  ``%(name)s``, ``lookup('env', …)``, ``vault_…`` variables, ansible-vault
  (``!vault`` / ``$ANSIBLE_VAULT``), AWS Secrets Manager / SSM ARNs and
  ``{{resolve:…}}``, Azure Key Vault references (``@Microsoft.KeyVault(…)``,
  ``https://….vault.azure.net/secrets/…``), GCP Secret Manager names
  (``projects/…/secrets/…``, ``sm://…``);
* **placeholder** — obviously not filled in: ``<…>``, ``YOUR_…``,
  ``REPLACE_ME``, ``xxx``, ``***``, ``…``, ``TODO``, ``example``, ``dummy``,
  ``placeholder``, ``sample``, ``fake`` (AWS's documented ``…EXAMPLE`` keys too);
* **weak** — a well-known default password (``changeme``, ``admin``, ``123456`` …);
* **literal** — anything else: a secret committed in the file.
"""

from __future__ import annotations

import re
from enum import StrEnum


class ValueKind(StrEnum):
    """What a value under a secret-looking key turns out to be."""

    EMPTY = "empty"
    NOT_SECRET = "not-secret"  # noqa: S105 - a kind name
    REFERENCE = "reference"
    PLACEHOLDER = "placeholder"
    WEAK = "weak"
    LITERAL = "literal"


_EMPTY = frozenset({"", "null", "none", "nil", "~", "undefined", '""', "''"})
_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled"})

_REFERENCE = re.compile(
    r"""
      \$\{[^}]*\}                         # ${VAR}, ${var.x}, ${VAR:-default}
    | ^\$[A-Za-z_][A-Za-z0-9_]*$           # $VAR
    | \$\([^)]*\)                         # $(command)
    | \{\{.*\}\}                          # {{ jinja / helm / go template }}, {{resolve:…}}
    | \{%.*%\}                            # {% jinja %}
    | <%=?.*%>                            # ERB
    | \#\{[^}]*\}                         # #{spring / ruby}
    | %\([A-Za-z_]\w*\)[sd]               # %(name)s
    | ^%[A-Za-z_]\w*%$                    # %WINDOWS_VAR%
    | \blookup\s*\(                       # ansible lookup(...)
    | \bquery\s*\(
    | ^vault_\w+$                         # a vault_ variable name
    | ^\$ANSIBLE_VAULT                    # an encrypted ansible-vault blob
    | ^!vault\b
    | ^arn:aws[\w-]*:(secretsmanager|ssm|kms):
    | ^(ssm|secretsmanager|sm|gcp-secret|gcpsm|akv|keyvault|azurekeyvault|vault|op|doppler)://
    | ^@Microsoft\.KeyVault\(
    | \.vault\.azure\.net/secrets/
    | ^projects/[^/]+/secrets/
    | ^(env|secret|file):[A-Za-z_]          # env:VAR, secret:name, file:path
    | \bprocess\.env\b | \bos\.environ\b | \bgetenv\b
    """,
    re.VERBOSE,
)

_PLACEHOLDER = re.compile(
    r"""
      ^<[^<>]*>$                          # <password>
    | ^\[[^\[\]]*\]$                      # [password]
    | ^your[_\-\s.]                       # YOUR_SECRET_KEY, your-password
    | ^(replace|change|insert|enter|put|set|fill|add)[_\-\s.]?(me|it|this|here|your|in)\b
    | ^x{3,}$ | ^\*{3,}$ | ^\.{3,}$ | ^…$ | ^-+$ | ^_+$ | ^0+$
    | ^(todo|tbd|fixme|n/?a|redacted|hidden|masked|secret-here|password-here)$
    | example | dummy | placeholder | sample | \bfake\b | \btest[_-]?only\b
    """,
    re.VERBOSE | re.IGNORECASE,
)

#: well-known default and weak passwords (lower case)
WEAK_VALUES = frozenset(
    {
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "password",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "password1",
        "password123",
        "admin",
        "admin123",
        "administrator",
        "root",
        "toor",
        "secret",
        "letmein",
        "welcome",
        "welcome1",
        "qwerty",
        "default",
        "guest",
        "test",
        "test123",
        "pass",
        "pass123",
        "1234",
        "12345",
        "123456",
        "12345678",
        "123456789",
        "postgres",
        "mysql",
        "sa",
        "oracle",
        "master",
        "trustno1",
    }
)

_PATH = re.compile(r"^(/|\./|\.\./|~/|[A-Za-z]:\\)[^\s]*$|^[^\s]+\.(pem|key|pub|crt|p12|pfx|jks)$")
_SHORT_NUMBER = re.compile(r"^-?\d{1,5}(\.\d+)?$")


_DEFAULTED = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_.]*(?::-|:=|:(?![?])|-|=)([^}]*)\}$")


def reference_default(value: str) -> str | None:
    """The literal default of a reference that has one: ``${DB_PASSWORD:-s3cret}`` (shell,
    compose), ``${DB_PASSWORD:s3cret}`` (Spring) → ``s3cret``; ``None`` otherwise (no
    default, an empty one, ``${VAR:?message}``)."""
    m = _DEFAULTED.match(unquote(value))
    if m is None or not m.group(1).strip():
        return None
    return m.group(1).strip()


def unquote(value: str) -> str:
    """Strip surrounding whitespace and one level of matching quotes."""
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'`":
        return v[1:-1]
    return v


def classify_value(value: str) -> ValueKind:
    """What kind of value this is (see the module docstring)."""
    v = unquote(value)
    lower = v.lower()
    if lower in _EMPTY or not v.strip():
        return ValueKind.EMPTY
    if lower in WEAK_VALUES:
        return ValueKind.WEAK
    if lower in _BOOLEAN or _SHORT_NUMBER.match(v):
        return ValueKind.NOT_SECRET
    if _REFERENCE.search(v):
        return ValueKind.REFERENCE
    if _PLACEHOLDER.search(v):
        return ValueKind.PLACEHOLDER
    if _PATH.match(v):
        return ValueKind.NOT_SECRET
    return ValueKind.LITERAL
