/* test-cancel.vala: cancelling operations from Vala.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Harness;

/* Runs gen.next_async (cancellable) in the background; done() is TRUE
 * once it completed, with its outcome in the fields. */
class PendingNext : Object {
	public bool done = false;
	public bool yielded = false;
	public Value item;
	public Error? error = null;

	public PendingNext (Agen.Generator gen, Cancellable? cancellable) {
		gen.next_async.begin (cancellable, (obj, res) => {
			try {
				yielded = gen.next_async.end (res, out item);
			} catch (Error e) {
				error = e;
			}
			done = true;
		});
	}
}

/* gated: cancelling while the body awaits the gate fails the operation
 * with CANCELLED; the body's cleanup runs. */
async void test_cancel_at_await () throws Error {
	var log = new AgenTest.Log ();
	var gate = new AgenTest.Gate ();
	var gen = AgenTest.gated (3, gate, log);
	var cancellable = new Cancellable ();

	var op = new PendingNext (gen, cancellable);
	yield wait_for (() => gate.get_n_waiters () == 1);
	assert (!op.done);
	assert_state (gen, Agen.GeneratorState.RUNNING);

	cancellable.cancel ();
	yield wait_for (() => op.done);
	expect_error (op.error, IOError.quark (), IOError.CANCELLED);
	assert_log (log, { "cleanup" });
	assert_state (gen, Agen.GeneratorState.FINISHED);
	/* The body's own cancellable was cancelled: the gate dropped the wait. */
	assert (gate.get_n_waiters () == 0);

	Value item;
	assert (!yield gen.next_async (null, out item));
}

/* The same with yield: the awaiting coroutine gets IOError.CANCELLED. */
async void test_cancel_yield () throws Error {
	var log = new AgenTest.Log ();
	var gate = new AgenTest.Gate ();
	var gen = AgenTest.gated (3, gate, log);
	var cancellable = new Cancellable ();
	Value item;

	/* The first item comes through an opened gate. */
	uint opener = Timeout.add (1, () => {
		gate.open ();
		return Source.CONTINUE;
	});
	assert (yield gen.next_async (cancellable, out item));
	assert_int (item, 0);
	Source.remove (opener);
	/* This runs inside gate.open (), which would release the next wait too. */
	yield idle ();

	uint canceller = Timeout.add (1, () => {
		if (gate.get_n_waiters () == 0)
			return Source.CONTINUE;
		cancellable.cancel ();
		return Source.REMOVE;
	});
	try {
		yield gen.next_async (cancellable, out item);
		assert_not_reached ();
	} catch (IOError.CANCELLED e) {
	}
	assert (cancellable.is_cancelled ());
	assert_log (log, { "cleanup" });
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert (!yield gen.next_async (null, out item));
	/* canceller removed itself. */
	assert (MainContext.default ().find_source_by_id (canceller) == null);
}

/* Cancelled before the operation starts: CANCELLED, the generator untouched. */
async void test_cancelled_before () throws Error {
	var log = new AgenTest.Log ();
	var gen = AgenTest.counter (2, log);
	var cancellable = new Cancellable ();
	cancellable.cancel ();
	Value item;

	try {
		yield gen.next_async (cancellable, out item);
		assert_not_reached ();
	} catch (IOError.CANCELLED e) {
	}
	assert_state (gen, Agen.GeneratorState.CREATED);
	assert_log (log, {});

	assert (yield gen.next_async (null, out item));
	assert_int (item, 0);
	try {
		yield gen.close_async (cancellable);
		assert_not_reached ();
	} catch (IOError.CANCELLED e) {
	}
	assert_state (gen, Agen.GeneratorState.SUSPENDED);
	assert (yield gen.next_async (null, out item));
	assert_int (item, 1);
	assert (!yield gen.next_async (null, out item));
	assert_log (log, { "cleanup" });
}

/* cleanup_awaits: cancelling an in-flight close (3.13): close fails with
 * CANCELLED and the generator is finished. */
async void test_cancel_close () throws Error {
	var log = new AgenTest.Log ();
	var gate = new AgenTest.Gate ();
	var gen = AgenTest.cleanup_awaits (3, gate, log);
	var cancellable = new Cancellable ();
	Value item;

	assert (yield gen.next_async (null, out item));
	uint canceller = Timeout.add (1, () => {
		if (gate.get_n_waiters () == 0)
			return Source.CONTINUE;
		cancellable.cancel ();
		return Source.REMOVE;
	});
	try {
		yield gen.close_async (cancellable);
		assert_not_reached ();
	} catch (IOError.CANCELLED e) {
	}
	assert (MainContext.default ().find_source_by_id (canceller) == null);
	assert_log (log, { "cleanup start" });
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert (!yield gen.next_async (null, out item));
}

int main (string[] args) {
	Test.init (ref args);
	add ("/vala/cancel/at-await", (cb) => test_cancel_at_await.begin (cb), (r) => test_cancel_at_await.end (r));
	add ("/vala/cancel/yield", (cb) => test_cancel_yield.begin (cb), (r) => test_cancel_yield.end (r));
	add ("/vala/cancel/before", (cb) => test_cancelled_before.begin (cb), (r) => test_cancelled_before.end (r));
	add ("/vala/cancel/close", (cb) => test_cancel_close.begin (cb), (r) => test_cancel_close.end (r));
	return Test.run ();
}
