"""Text output writes computed numbers with the one formatter, in ASCII (a script may read
it): a short exponent (2.5e-7, not 2.5e-07), a hyphen for minus; JSON keeps every digit."""

import re

from cli.app import run

LONG_EXPONENT = re.compile(r"\de[-+]0\d")


def test_gradcheck_and_inspect_text_use_short_exponents_in_ascii(capsys):
    for argv in (["gradcheck"], ["inspect"]):
        run(argv)
        text = capsys.readouterr().out
        assert re.search(r"\de-\d", text), text  # the seed has tiny gradients
        assert not LONG_EXPONENT.search(text), text
        assert not re.search("\u2212\\d", text)  # names may have it (y−y'), numbers not
