/* agen-tsan-private.h: what GLib orders, told to ThreadSanitizer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/* GLib is not built with ThreadSanitizer: what its futex-based GMutex
 * orders (agen-glib's own locks, a GMainContext handing a source attached
 * in one thread to the thread that dispatches it) is invisible to it, and
 * every access so ordered would be reported as a race. These annotations
 * say where the order is (tools/run-tests runs the threaded tests under
 * ThreadSanitizer); in any other build they are nothing. */
#if defined(__SANITIZE_THREAD__)
# define AGEN_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define AGEN_TSAN 1
# endif
#endif
#ifdef AGEN_TSAN
void __tsan_acquire (void *addr);
void __tsan_release (void *addr);
#else
# define __tsan_acquire(addr) ((void) 0)
# define __tsan_release(addr) ((void) 0)
#endif
