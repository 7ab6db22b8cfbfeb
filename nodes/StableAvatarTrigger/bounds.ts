/**
 * How long the trigger's download may stay silent, and take in all, before it is cut (and
 * retried; in the end the execution starts with an error item naming the request id). One object so
 * an engine test can shorten the wait; nothing else changes it.
 */
export const downloadBounds = {
	/** No byte for this long: the connection is cut. */
	idleMs: 30_000,
	/** A video of a few minutes takes seconds; this bounds a trickle that never stalls outright. */
	totalMs: 15 * 60_000,
};
