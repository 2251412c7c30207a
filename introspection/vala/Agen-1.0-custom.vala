// Agen-1.0-custom.vala: declarations merged into agen-glib-1.0.vapi by vapigen.

namespace Agen {
	/**
	 * What {@link Generator.defer} runs when the body finishes. In C it is a
	 * GDestroyNotify called with its data: a Vala delegate with a target.
	 */
	[CCode (cheader_filename = "agen-glib/agen.h", cname = "GDestroyNotify", instance_pos = 0)]
	public delegate void DeferFunc ();
}
