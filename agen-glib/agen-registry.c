/* agen-registry.c: the started, unfinished generators of each main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-registry-private.h"

/* An intrusive list per context, under one lock: a generator may be
 * disposed in any thread. The entries are weak: a generator leaves when it
 * finishes or is disposed, or when a shutdown takes it. */
G_LOCK_DEFINE_STATIC (registry);
static GHashTable *registry;   /* GMainContext * → the first AgenRegistryLink */

void
_agen_registry_add (GMainContext     *context,
                    AgenRegistryLink *link)
{
  AgenRegistryLink *head;

  G_LOCK (registry);
  if (registry == NULL)
    registry = g_hash_table_new (NULL, NULL);
  head = g_hash_table_lookup (registry, context);
  link->prev = NULL;
  link->next = head;
  if (head != NULL)
    head->prev = link;
  g_hash_table_insert (registry, context, link);
  G_UNLOCK (registry);
}

/* A link that is not in the list (never added, or taken by a shutdown) is
 * left alone: only a list's first link has no predecessor. */
void
_agen_registry_remove (GMainContext     *context,
                       AgenRegistryLink *link)
{
  G_LOCK (registry);
  if (link->prev != NULL)
    link->prev->next = link->next;
  else if (registry != NULL && g_hash_table_lookup (registry, context) == link)
    {
      if (link->next != NULL)
        g_hash_table_insert (registry, context, link->next);
      else
        g_hash_table_remove (registry, context);
    }
  else
    {
      G_UNLOCK (registry);
      return;
    }
  if (link->next != NULL)
    link->next->prev = link->prev;
  link->prev = link->next = NULL;
  G_UNLOCK (registry);
}

/*
 * _agen_registry_take_all:
 *
 * Takes every link of @context out of the registry, calling @func for each
 * with the lock held: a generator disposed in another thread meanwhile
 * waits until its link is out.
 */
void
_agen_registry_take_all (GMainContext     *context,
                         AgenRegistryFunc  func,
                         gpointer          user_data)
{
  AgenRegistryLink *link;

  G_LOCK (registry);
  link = registry != NULL ? g_hash_table_lookup (registry, context) : NULL;
  if (link != NULL)
    g_hash_table_remove (registry, context);
  while (link != NULL)
    {
      AgenRegistryLink *next = link->next;

      link->prev = link->next = NULL;
      func (link, user_data);
      link = next;
    }
  G_UNLOCK (registry);
}
