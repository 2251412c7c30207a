/* test-operators.vala: flat_map, switch_map, scan, distinct and tee from
 * Vala.
 *
 * docs/reference/semantics.xml, sections contract-higher-order,
 * contract-state and contract-share: the operators take Vala lambdas (a
 * flat-map lambda returns a new generator, or throws), tee gives a
 * GenericArray of branches.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Harness;

Value int_value (int n) {
	var v = Value (typeof (int));
	v.set_int (n);
	return v;
}

Agen.Generator ints (int[] values) {
	Value[] items = {};
	foreach (var n in values)
		items += int_value (n);
	return new Agen.Generator.values (items);
}

async int[] drain (Agen.Generator gen) throws Error {
	int[] got = {};
	Value item;
	while (yield gen.next_async (null, out item))
		got += item.get_int ();
	return got;
}

void assert_ints (int[] got, int[] expected) {
	assert (got.length == expected.length);
	for (int i = 0; i < got.length; i++)
		assert (got[i] == expected[i]);
}

/* Each item becomes a generator of x items from 10 * x. */
async void test_flat_map () throws Error {
	var flat = ints ({ 1, 2, 3 }).flat_map ((item) => {
		int x = item.get_int ();
		int[] values = {};
		for (int i = 0; i < x; i++)
			values += 10 * x + i;
		return ints (values);
	});
	assert_ints (yield drain (flat), { 10, 20, 21, 30, 31, 32 });

	var merged = ints ({ 1, 2 }).flat_map_merge (2, (item) => ints ({ item.get_int () }));
	var got = yield drain (merged);
	assert (got.length == 2);
}

/* A lambda that throws ends the flat map with its error. */
async void test_flat_map_throws () throws Error {
	var flat = ints ({ 1 }).switch_map ((item) => {
		throw new IOError.INVALID_DATA ("no inner");
	});
	try {
		yield drain (flat);
		assert_not_reached ();
	} catch (IOError.INVALID_DATA e) {
	}
}

async void test_scan_distinct () throws Error {
	var sums = ints ({ 1, 2, 3 }).scan (null, (acc, item, out result) => {
		result = int_value (acc.get_int () + item.get_int ());
		return true;
	});
	assert_ints (yield drain (sums), { 1, 3, 6 });
	assert_ints (yield drain (ints ({ 1, 1, 2, 2, 1 }).distinct (null)), { 1, 2, 1 });
}

async void test_tee () throws Error {
	var branches = ints ({ 1, 2, 3 }).tee (2, 0);
	assert (branches.length == 2);
	assert_ints (yield drain (branches[0]), { 1, 2, 3 });
	assert_ints (yield drain (branches[1]), { 1, 2, 3 });
}

int main (string[] args) {
	Test.init (ref args);
	add ("/vala/operators/flat-map", (cb) => test_flat_map.begin (cb), (r) => test_flat_map.end (r));
	add ("/vala/operators/flat-map-throws", (cb) => test_flat_map_throws.begin (cb),
	     (r) => test_flat_map_throws.end (r));
	add ("/vala/operators/scan-distinct", (cb) => test_scan_distinct.begin (cb),
	     (r) => test_scan_distinct.end (r));
	add ("/vala/operators/tee", (cb) => test_tee.begin (cb), (r) => test_tee.end (r));
	return Test.run ();
}
