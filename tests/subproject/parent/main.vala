/* The parent project's Vala program: the same sum, with the vapi that the
 * subproject's dependency carries. */
async int sum_items () throws Error {
	Value[] values = { 1, 2, 3 };
	var gen = new Agen.Generator.values (values);
	int sum = 0;
	Value item;
	while (yield gen.next_async (null, out item))
		sum += item.get_int ();
	return sum;
}

int main () {
	var loop = new MainLoop ();
	int sum = 0;
	sum_items.begin ((obj, res) => {
		try {
			sum = sum_items.end (res);
		} catch (Error e) {
			error ("%s", e.message);
		}
		loop.quit ();
	});
	loop.run ();
	return sum == 6 ? 0 : 1;
}
