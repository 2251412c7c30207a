/* test-close.vala: close_async from Vala.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Harness;

/* counter: close at a yield runs the cleanup. */
async void test_close_at_yield () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (3, log);
	Value item;

	assert (yield gen.next_async (null, out item));
	assert_int (item, 0);
	assert (yield gen.close_async ());
	assert_log (log, { "cleanup" });
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert (!yield gen.next_async (null, out item));
	assert (yield gen.close_async (null));
	assert_log (log, { "cleanup" });
}

/* close before the start: TRUE, the body never called. */
async void test_close_before_start () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (3, log);
	Value item;

	assert (yield gen.close_async ());
	assert_log (log, {});
	assert (!yield gen.next_async (null, out item));
	assert_log (log, {});
}

/* yields_in_close: a body that yields during close makes close fail with
 * Agen.Error.IGNORED_EXIT; it stays suspended at that yield. */
async void test_yield_during_close () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.yields_in_close (3, log);
	Value item;

	assert (yield gen.next_async (null, out item));
	assert_int (item, 0);
	try {
		yield gen.close_async ();
		assert_not_reached ();
	} catch (Agen.Error.IGNORED_EXIT e) {
	}
	assert_log (log, { "ignoring exit" });

	/* A later close fails the same way, without entering the body. */
	try {
		yield gen.close_async ();
		assert_not_reached ();
	} catch (Agen.Error e) {
		assert (e is Agen.Error.IGNORED_EXIT);
	}
	assert_log (log, { "ignoring exit" });

	/* A later next resumes the body. */
	assert (yield gen.next_async (null, out item));
	assert_int (item, 1);
	assert (yield gen.next_async (null, out item));
	assert_int (item, 2);
	assert (!yield gen.next_async (null, out item));
	assert_log (log, { "ignoring exit", "cleanup" });
}

/* raises_in_cleanup: close fails with the cleanup's error; finished. */
async void test_cleanup_raises () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.raises_in_cleanup (3, log);
	Value item;

	assert (yield gen.next_async (null, out item));
	try {
		yield gen.close_async ();
		assert_not_reached ();
	} catch (IOError.FAILED e) {
		assert (e.message == "cleanup failed");
	}
	assert_log (log, { "cleanup" });
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert (!yield gen.next_async (null, out item));
	assert (yield gen.close_async ());
}

/* cleanup_awaits: the cleanup run by close may await. */
async void test_cleanup_awaits () throws Error {
	var log = new AgenTest.Log ();
	var gate = new AgenTest.Gate ();
	var gen = AgenTest.cleanup_awaits (3, gate, log);
	Value item;

	assert (yield gen.next_async (null, out item));
	bool closed = false;
	Error? close_error = null;
	gen.close_async.begin (null, (obj, res) => {
		try {
			closed = gen.close_async.end (res);
		} catch (Error e) {
			close_error = e;
		}
	});
	yield wait_for (() => gate.get_n_waiters () == 1);
	assert_log (log, { "cleanup start" });
	assert_state (gen, Agen.GeneratorState.RUNNING);
	gate.open ();
	yield wait_for (() => closed || close_error != null);
	if (close_error != null)
		throw close_error;
	assert_log (log, { "cleanup start", "cleanup end" });
	assert_state (gen, Agen.GeneratorState.FINISHED);
}

int main (string[] args) {
	Test.init (ref args);
	add ("/vala/close/at-yield", (cb) => test_close_at_yield.begin (cb), (r) => test_close_at_yield.end (r));
	add ("/vala/close/before-start", (cb) => test_close_before_start.begin (cb), (r) => test_close_before_start.end (r));
	add ("/vala/close/yield-during-close", (cb) => test_yield_during_close.begin (cb), (r) => test_yield_during_close.end (r));
	add ("/vala/close/cleanup-raises", (cb) => test_cleanup_raises.begin (cb), (r) => test_cleanup_raises.end (r));
	add ("/vala/close/cleanup-awaits", (cb) => test_cleanup_awaits.begin (cb), (r) => test_cleanup_awaits.end (r));
	return Test.run ();
}
