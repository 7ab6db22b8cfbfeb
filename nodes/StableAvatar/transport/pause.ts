/**
 * Every pause of the transport (between polls, before a reconnect, in a retry's backoff) goes through
 * here, so that it ends on the run's stop whatever n8n runs us. n8n-workflow's `sleep(ms, signal)` ends
 * on its signal only in newer 2.x; in 1.x and 2.0–2.33 it ignores the signal. So the stop is watched
 * here, and the host's sleep is taken in short slices: where it cannot be cut short, the timer of the
 * slice under way runs out on its own a moment later, and nothing waits on it.
 */
import { sleep } from 'n8n-workflow';

import { FalAbortedError } from './errors';

/** The longest a host timer may outlive a stop (on hosts whose sleep ignores the signal). */
const SLICE_MS = 1_000;

/** Resolves after `ms`; rejects with FalAbortedError as soon as `signal` aborts (or if it already has). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
	for (const endsAt = Date.now() + ms; ; ) {
		if (signal.aborted) throw new FalAbortedError(undefined, false);
		const left = endsAt - Date.now();
		if (left <= 0) return;
		await sliceOrStop(Math.min(left, SLICE_MS), signal);
	}
}

async function sliceOrStop(ms: number, signal: AbortSignal): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const onAbort = () => reject(new FalAbortedError(undefined, false));
		signal.addEventListener('abort', onAbort, { once: true });
		// A host whose sleep honours the signal also clears its timer on a stop.
		void sleep(ms, signal)
			.then(resolve, onAbort)
			.finally(() => signal.removeEventListener('abort', onAbort));
	});
}
