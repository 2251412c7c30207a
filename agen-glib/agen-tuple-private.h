/* agen-tuple-private.h: for agen-pull.c, which makes the tuples of the
 * combinators that yield several values at once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-tuple.h"

G_BEGIN_DECLS

AgenTuple *_agen_tuple_new_take_array (GValueArray *array);

G_END_DECLS
