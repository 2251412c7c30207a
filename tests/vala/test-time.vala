/* test-time.vala: the time operators and the awaitable timer from Vala.
 *
 * docs/reference/semantics.xml, section contract-time: Agen.sleep_async
 * is an async method, debounce/throttle/timeout are methods, and retry
 * takes a Vala lambda as its factory (which may throw).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Harness;

Value int_value (int n) {
	var v = Value (typeof (int));
	v.set_int (n);
	return v;
}

async void test_sleep () throws Error {
	var started = get_monotonic_time ();
	assert (yield Agen.sleep_async (10, null));
	assert (get_monotonic_time () - started >= 10000);

	var cancellable = new Cancellable ();
	cancellable.cancel ();
	try {
		yield Agen.sleep_async (60000, cancellable);
		assert_not_reached ();
	} catch (IOError.CANCELLED e) {
	}
}

async void test_debounce_throttle () throws Error {
	Value[] values = { int_value (1), int_value (2), int_value (3) };
	var debounced = yield new Agen.Generator.values (values).debounce (20).collect_async (null);
	assert (debounced.length == 1);
	assert_int (debounced[0], 3);
	var throttled = yield new Agen.Generator.values (values).throttle (20).collect_async (null);
	assert (throttled.length == 2);
	assert_int (throttled[0], 1);
	assert_int (throttled[1], 3);
}

async void test_retry () throws Error {
	uint made = 0;
	var retry = Agen.Generator.retry ((attempt) => {
		made++;
		Value[] values = { int_value ((int) attempt) };
		var source = new Agen.Generator.values (values);
		if (attempt > 1)
			return source;
		/* The first attempt fails before its first item. */
		return source.map ((item, out result) => {
			throw new IOError.HOST_UNREACHABLE ("attempt %d", item.get_int ());
		});
	}, 3, 1, false);
	var items = yield retry.collect_async (null);
	assert (made == 2);
	assert (items.length == 1);
	assert_int (items[0], 2);

	/* A factory that throws ends the retry with its error. */
	var failing = Agen.Generator.retry ((attempt) => {
		throw new IOError.NOT_FOUND ("no source");
	}, 3, 0, false);
	try {
		yield failing.collect_async (null);
		assert_not_reached ();
	} catch (IOError.NOT_FOUND e) {
		assert (e.message == "retry: attempt 1: no source");
	}
}

int main (string[] args) {
	Test.init (ref args);
	add ("/vala/time/sleep", (cb) => test_sleep.begin (cb), (r) => test_sleep.end (r));
	add ("/vala/time/debounce-throttle", (cb) => test_debounce_throttle.begin (cb),
	     (r) => test_debounce_throttle.end (r));
	add ("/vala/time/retry", (cb) => test_retry.begin (cb), (r) => test_retry.end (r));
	return Test.run ();
}
