"""Security scanning (secrets, misconfiguration) and migration policies."""
