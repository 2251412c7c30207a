# test_random.py: random operation sequences, CPython's async generators as
# the oracle (see twins.py). Bounded so that the suite stays fast.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os

import pytest

pytest.importorskip('hypothesis', reason='python3-hypothesis is not installed')

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import twins  # noqa: E402

MAX_EXAMPLES = int(os.environ.get('AGEN_HYPOTHESIS_EXAMPLES', '500'))

SENT = st.sampled_from([1, -7, 'text', 2 ** 40, True, 2.5, None])


def operations(throwable):
    return st.one_of(
        st.just(('anext',)),
        st.tuples(st.just('asend'), SENT),
        st.tuples(st.just('athrow'), st.sampled_from(throwable)),
        st.just(('aclose',)),
    )


def resolutions(throwable):
    return st.lists(st.one_of(st.just('open'), st.just('cancel'),
                              st.tuples(st.just('concurrent'), operations(throwable))),
                    max_size=3)


@st.composite
def scenarios(draw):
    body = draw(st.sampled_from(sorted(twins.BODIES)))
    throwable = twins.throwable(body)
    n = draw(st.integers(min_value=0, max_value=4))
    steps = draw(st.lists(st.tuples(operations(throwable), resolutions(throwable)), max_size=8))
    return body, n, steps


@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=os.environ.get("AGEN_HYPOTHESIS_RANDOM") is None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=scenarios())
def test_random_operations_agree_with_cpython(run, scenario):
    body, n, steps = scenario
    run(twins.compare(body, steps, n))
