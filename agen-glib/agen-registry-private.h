/* agen-registry-private.h: the started, unfinished generators of each main context
 *
 * Included by the engine only, which registers a generator when its body
 * starts and unregisters it when it finishes or is disposed. The registry
 * knows links, not generators: a link is two pointers inside the
 * generator, so a million suspended generators cost the registry nothing
 * but those.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _AgenRegistryLink AgenRegistryLink;

struct _AgenRegistryLink
{
  AgenRegistryLink *prev;
  AgenRegistryLink *next;
};

typedef void (*AgenRegistryFunc) (AgenRegistryLink *link,
                                  gpointer          user_data);

void _agen_registry_add      (GMainContext     *context,
                              AgenRegistryLink *link);
void _agen_registry_remove   (GMainContext     *context,
                              AgenRegistryLink *link);
void _agen_registry_take_all (GMainContext     *context,
                              AgenRegistryFunc  func,
                              gpointer          user_data);

G_END_DECLS
