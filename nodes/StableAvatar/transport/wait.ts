/**
 * Waiting for a job: follow fal's SSE status stream (a finished job is noticed at once, with one
 * request), with polling as a safety net that takes over when the stream breaks, ends early or stalls.
 */
import { sleep } from 'n8n-workflow';

import type { FalQueue, JobRef, JobStatus } from './queue';
import { isTransient, settle } from './retry';

export interface WaitOptions {
	/** Give up at this time (ms since epoch). */
	deadline: number;
	/** The run's cancel signal. */
	signal: AbortSignal;
	onStatus?: (status: JobStatus) => void;
}

export interface WaitTiming {
	/** While the stream is up, a poll now and then catches a stream that stalls silently. */
	safetyPollMs: number[];
	/** Without a stream: poll soon, then back off. */
	fallbackPollMs: number[];
	/** Reconnect a broken stream after these delays; after the last one polling alone goes on. */
	streamRetryMs: number[];
}

export const DEFAULT_WAIT_TIMING: WaitTiming = {
	safetyPollMs: [5_000, 10_000, 20_000, 30_000],
	fallbackPollMs: [500, 1_000, 2_000, 3_000, 5_000, 8_000, 10_000],
	streamRetryMs: [1_000, 3_000, 10_000],
};

export type WaitOutcome = { kind: 'completed'; status: JobStatus } | { kind: 'timedOut'; lastStatus: string };

export async function waitForCompletion(queue: FalQueue, ref: JobRef, options: WaitOptions): Promise<WaitOutcome> {
	const timing = DEFAULT_WAIT_TIMING;
	// Ends the stream, the poll loop and the deadline timer once one of them has the answer.
	const finished = new AbortController();
	const stopAll = () => finished.abort();
	options.signal.addEventListener('abort', stopAll, { once: true });
	// The stream's state, shared with the poll loop: polls are rare while it is up, and one is made at
	// once when it drops, since a stream that ends early may mean the job has just finished.
	let streamUp = false;
	let streamDropped = new AbortController();
	let lastStatus = 'IN_QUEUE';
	const report = (status: JobStatus) => {
		lastStatus = status.status;
		options.onStatus?.(status);
	};

	const followStream = async (): Promise<WaitOutcome> => {
		for (let attempt = 0; ; attempt++) {
			streamUp = true;
			streamDropped = new AbortController();
			const streamed = await settle(async () => {
				for await (const status of queue.statusStream(ref, true, finished.signal)) {
					report(status);
					if (status.status === 'COMPLETED') return status;
				}
				return undefined;
			});
			if (streamed.ok && streamed.value) return { kind: 'completed', status: streamed.value };
			// A broken stream is no failure of the job: polling covers for it while we reconnect.
			streamUp = false;
			streamDropped.abort();
			if (finished.signal.aborted || attempt >= timing.streamRetryMs.length) return await forever(finished.signal);
			await sleep(timing.streamRetryMs[attempt], finished.signal);
		}
	};

	const poll = async (): Promise<WaitOutcome> => {
		for (let safety = 0, fallback = 0; ; ) {
			if (streamUp) {
				const delay = timing.safetyPollMs[Math.min(safety++, timing.safetyPollMs.length - 1)];
				await settle(async () => await sleep(delay, AbortSignal.any([finished.signal, streamDropped.signal])));
				fallback = 0;
			} else {
				await sleep(timing.fallbackPollMs[Math.min(fallback++, timing.fallbackPollMs.length - 1)], finished.signal);
			}
			if (finished.signal.aborted) return await forever(finished.signal);
			const polled = await settle(async () => await queue.status(ref));
			if (polled.ok) {
				report(polled.value);
				if (polled.value.status === 'COMPLETED') return { kind: 'completed', status: polled.value };
			} else if (!isTransient(polled.error)) {
				throw polled.error;
			}
			// A poll that failed for a passing reason (after its own retries) is tried again at the
			// next tick; the deadline bounds the whole wait.
		}
	};

	const deadline = async (): Promise<WaitOutcome> => {
		await sleep(Math.max(0, options.deadline - Date.now()), finished.signal);
		return { kind: 'timedOut', lastStatus };
	};

	const racers = [followStream(), poll(), deadline()];
	try {
		return await Promise.race(racers);
	} finally {
		stopAll();
		options.signal.removeEventListener('abort', stopAll);
		// The losers end with the abort; their rejections are expected and must not go unhandled.
		await Promise.allSettled(racers);
	}
}

async function forever(signal: AbortSignal): Promise<never> {
	await sleep(2 ** 31 - 1, signal);
	throw new Error('unreachable');
}
