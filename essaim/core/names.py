"""The one namespace of public names on this instance: people's handles and communities'
addresses (slugs) are both `acct:name@host` on the fediverse (WebFinger), so a name is one
person's or one community's, never both.

Handles and slugs never change once given, so the rule is first come, first served: a new
community's address skips every handle (communities sits above accounts and reads them), and
a new handle skips every name another domain registered as taken here (a community's address:
accounts sits below communities and cannot read them). Opting in to the fediverse checks it
again, for names given before this rule."""

from collections.abc import Callable

_taken: list[Callable[[str], bool]] = []


def register(taken: Callable[[str], bool]) -> None:
    """Add a domain's check "is this name mine already?" (from its AppConfig.ready())."""
    if taken not in _taken:
        _taken.append(taken)


def is_taken_elsewhere(name: str) -> bool:
    """Whether a domain other than accounts holds `name`."""
    return any(taken(name) for taken in _taken)
