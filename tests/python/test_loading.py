# test_loading.py: the override checks, when it loads, that the typelib it
# found is one it works with, and says what it found where when not.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys
import types

import pytest

from gi.repository import Agen

override = sys.modules['gi.overrides.Agen']


def test_the_override_is_loaded_and_matches_the_library():
    assert hasattr(Agen, 'run'), 'gi.repository.Agen is not the override'
    assert Agen.check_version(*override.REQUIRED_LIBRARY_VERSION) is None
    assert (Agen.get_major_version(), Agen.get_minor_version(), Agen.get_micro_version()) \
        >= override.REQUIRED_LIBRARY_VERSION


def test_an_older_library_fails_with_what_and_where():
    older = types.SimpleNamespace(check_version=lambda *v: 'agen-glib version too old (micro mismatch)')
    with pytest.raises(ImportError) as raised:
        override._check_library(older, (1, 0, 1))
    message = str(raised.value)
    assert 'agen-glib version too old (micro mismatch)' in message
    assert 'Agen-1.0.typelib' in message          # the typelib found, by path
    assert '1.0.1' in message                      # what the override needs
    assert override.__file__ in message


def test_a_library_before_versioning_fails_too():
    with pytest.raises(ImportError, match='older than 1.0'):
        override._check_library(types.SimpleNamespace())
