/* agen.h: asynchronous generators (PEP 525) for GLib
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define AGEN_INSIDE
#include "agen-version.h"
#include "agen-version-macros.h"
#include "agen-enums.h"
#include "agen-error.h"
#include "agen-generator.h"
#include "agen-emitter.h"
#include "agen-async-producer.h"
#include "agen-close-error.h"
#include "agen-shutdown.h"
#include "agen-sources.h"
#include "agen-combinators.h"
#include "agen-list-model.h"
#include "agen-share.h"
#include "agen-macros.h"
#include "agen-timer.h"
#include "agen-tuple.h"
#include "agen-value-item.h"
#undef AGEN_INSIDE
