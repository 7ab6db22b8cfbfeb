/**
 * Waiting for a job. While it is far back in fal's queue it is polled, less and less often: a queued
 * job needs no open connection. Once it runs (or is about to) it is followed on fal's SSE status
 * stream, so a finished job is noticed at once, with polling as a safety net that takes over when the
 * stream breaks, ends early or stalls. So the sockets held are about the running jobs, not the items.
 * Which bound applies (queue wait, render time, the run's own end) is JobProgress's business.
 * A failed poll or stream is no verdict on the job: it is tried again until a bound runs out.
 */
import { FalAbortedError } from './errors';
import { JobProgress, type TimeoutReason, type WaitBounds } from './jobProgress';
import { pause } from './pause';
import type { FalQueue, JobRef, JobStatus } from './queue';
import { isPollHiccup, settle } from './retry';

export interface WaitOptions extends WaitBounds {
	/** What fal said at submit, if it said where the job stands: saves the first poll. */
	initialStatus?: JobStatus;
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

/** `startedAt`: when the job was first seen running (undefined if it never was). */
export type WaitOutcome =
	| { kind: 'completed'; status: JobStatus; startedAt?: number }
	| { kind: 'timedOut'; reason: TimeoutReason; lastStatus: string; startedAt?: number };

export async function waitForCompletion(queue: FalQueue, ref: JobRef, options: WaitOptions): Promise<WaitOutcome> {
	const progress = new JobProgress(options);
	const report = (status: JobStatus) => {
		progress.see(status);
		options.onStatus?.(status);
	};
	const inQueue = await waitInQueue(queue, ref, progress, report, options.signal, options.initialStatus);
	return inQueue ?? (await follow(queue, ref, progress, report, options.signal));
}

/** Polls a job far back in the queue; undefined once it runs or nears the head (then it is followed). */
async function waitInQueue(
	queue: FalQueue,
	ref: JobRef,
	progress: JobProgress,
	report: (status: JobStatus) => void,
	signal: AbortSignal,
	initialStatus?: JobStatus,
): Promise<WaitOutcome | undefined> {
	let known = initialStatus;
	for (let attempt = 0; ; attempt++) {
		const polled = known ? ({ ok: true, value: known } as const) : await settle(async () => await queue.status(ref));
		known = undefined;
		if (polled.ok) {
			report(polled.value);
			if (polled.value.status === 'COMPLETED') return { kind: 'completed', status: polled.value, startedAt: progress.startedAt };
			if (progress.worthFollowing()) return undefined;
		} else if (!isPollHiccup(polled.error)) {
			throw polled.error;
		}
		const bound = progress.deadline();
		const remaining = bound.at - Date.now();
		if (remaining <= 0) return timedOut(progress, bound.reason);
		await pause(Math.min(progress.nextQueuedPollMs(attempt), remaining), signal);
	}
}

/**
 * The stream, the polls and the deadline race; the first with an answer wins. Once it is known (or the
 * run is stopped) the others end at their next step, and the wait returns when they have.
 */
async function follow(
	queue: FalQueue,
	ref: JobRef,
	progress: JobProgress,
	report: (status: JobStatus) => void,
	signal: AbortSignal,
): Promise<WaitOutcome> {
	const timing = DEFAULT_WAIT_TIMING;
	const over = new AbortController();
	// The wait is over: a winner is known, or the run was stopped.
	const until = AbortSignal.any([signal, over.signal]);
	const ended = () => new FalAbortedError(undefined, false);
	// The stream's state, shared with the poll loop: polls are rare while it is up, and one is made at
	// once when it drops, since a stream that ends early may mean the job has just finished.
	let streamUp = false;
	let streamDropped = new AbortController();
	const completed = (status: JobStatus): WaitOutcome => ({ kind: 'completed', status, startedAt: progress.startedAt });

	// A stream that ended with COMPLETED has closed its connection already; aborting its request
	// afterwards would only make n8n's HTTP stack tear it down a second time (for every item of a batch).
	const streamStop = new AbortController();
	const stopStream = () => streamStop.abort();
	until.addEventListener('abort', stopStream, { once: true });

	/** Undefined once the stream is given up: polling alone goes on. */
	const followStream = async (): Promise<WaitOutcome | undefined> => {
		for (let attempt = 0; ; attempt++) {
			streamUp = true;
			streamDropped = new AbortController();
			const streamed = await settle(async () => {
				for await (const status of queue.statusStream(ref, true, streamStop.signal)) {
					report(status);
					if (status.status === 'COMPLETED') return status;
				}
				return undefined;
			});
			if (streamed.ok && streamed.value) {
				until.removeEventListener('abort', stopStream);
				return completed(streamed.value);
			}
			// A broken stream is no failure of the job: polling covers for it while we reconnect.
			streamUp = false;
			streamDropped.abort();
			if (until.aborted) throw ended();
			if (attempt >= timing.streamRetryMs.length) return undefined;
			await pause(timing.streamRetryMs[attempt], until);
		}
	};

	const poll = async (): Promise<WaitOutcome> => {
		for (let safety = 0, fallback = 0; ; ) {
			if (streamUp) {
				const delay = timing.safetyPollMs[Math.min(safety++, timing.safetyPollMs.length - 1)];
				await settle(async () => await pause(delay, AbortSignal.any([until, streamDropped.signal])));
				fallback = 0;
			} else {
				await pause(timing.fallbackPollMs[Math.min(fallback++, timing.fallbackPollMs.length - 1)], until);
			}
			if (until.aborted) throw ended();
			const polled = await settle(async () => await queue.status(ref));
			if (polled.ok) {
				report(polled.value);
				if (polled.value.status === 'COMPLETED') return completed(polled.value);
			} else if (!isPollHiccup(polled.error)) {
				throw polled.error;
			}
			// A failed poll (after its own retries) is tried again at the next tick; the deadline bounds the wait.
		}
	};

	const deadline = async (): Promise<WaitOutcome> => {
		for (;;) {
			const bound = progress.deadline();
			const remaining = bound.at - Date.now();
			if (remaining <= 0) return timedOut(progress, bound.reason);
			// A job that starts trades the queue bound for the render bound: look again then.
			const wake = progress.startedAt === undefined ? AbortSignal.any([until, progress.started]) : until;
			await settle(async () => await pause(remaining, wake));
			if (until.aborted) throw ended();
		}
	};

	const racers = [followStream(), poll(), deadline()];
	try {
		return await firstAnswer(racers);
	} finally {
		over.abort();
		// The losers end with the abort; their rejections are expected and must not go unhandled.
		await Promise.allSettled(racers);
	}
}

/** The first answer any racer comes back with (one that comes back with none drops out), or the first failure. */
async function firstAnswer<T>(racers: Array<Promise<T | undefined>>): Promise<T> {
	return await new Promise<T>((resolve, reject) => {
		for (const racer of racers) {
			void racer.then((answer) => {
				if (answer !== undefined) resolve(answer);
			}, reject);
		}
	});
}

function timedOut(progress: JobProgress, reason: TimeoutReason): WaitOutcome {
	return { kind: 'timedOut', reason, lastStatus: progress.lastStatus, startedAt: progress.startedAt };
}
