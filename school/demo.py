"""The demo school (being written)."""

DEMO_PASSWORD = "schoolpoort-demo-2026"


def seed() -> bool:
    return False


def print_logins(echo) -> None:
    echo("(no demo logins yet)")
