/**
 * One fal job from start to finish: submit, wait, fetch the result. Whatever goes wrong after the
 * submit, the error carries the request id. A stopped run cancels the job on fal; a bound that runs
 * out cancels it too, unless the user chose to leave it running (a job that never left the queue is
 * always cancelled: that is free). fal removes a queued job, but only signals a running one, which
 * may run, and bill, to its end.
 */
import { FalAbortedError, withRequestId } from './errors';
import type { TimeoutReason } from './jobProgress';
import type { FalQueue, JobRef, JobStatus } from './queue';
import { waitForCompletion } from './wait';

export interface RunJobOptions {
	endpointId: string;
	input: object;
	/** Bounds rendering, counted from the moment the job is first seen running. */
	timeoutMs: number;
	/** Bounds the time in fal's queue; then the job is cancelled while still queued, which is free. */
	maxQueueWaitMs: number;
	/** The wait is over by then whatever else (ms since epoch), e.g. before n8n's execution timeout. */
	mustEndBy?: number;
	/** What a render or execution timeout does to the job: cancel it, or leave it running for a later Get Result. */
	onTimeout: 'cancel' | 'keepRunning';
	signal: AbortSignal;
	onStatus?: (status: JobStatus) => void;
	/** Called as soon as fal has accepted the job, before any waiting: the place to record its request id. */
	onSubmitted?: (ref: JobRef) => void;
}

/** `startedAt`: when the job left fal's queue, as seen (or, for a job seen only once done, estimated from its GPU time). */
export type JobRun =
	| { kind: 'finished'; ref: JobRef; status: JobStatus; result: Record<string, unknown>; submittedAt: number; startedAt: number; completedAt: number }
	| { kind: 'timedOut'; ref: JobRef; reason: TimeoutReason; lastStatus: string; cancelled: boolean; submittedAt: number; startedAt?: number };

export async function runJob(queue: FalQueue, options: RunJobOptions): Promise<JobRun> {
	const submittedAt = Date.now();
	const ref = await queue.submit(options.endpointId, options.input);
	options.onSubmitted?.(ref);
	try {
		const outcome = await waitForCompletion(queue, ref, {
			initialStatus: ref.queuePosition === undefined ? undefined : { status: 'IN_QUEUE', queuePosition: ref.queuePosition, logs: [] },
			submittedAt,
			renderTimeoutMs: options.timeoutMs,
			maxQueueWaitMs: options.maxQueueWaitMs,
			mustEndBy: options.mustEndBy,
			signal: options.signal,
			onStatus: options.onStatus,
		});
		if (outcome.kind === 'completed') return await finished(queue, ref, outcome.status, submittedAt, outcome.startedAt);
		const timedOut = { kind: 'timedOut', ref, reason: outcome.reason, lastStatus: outcome.lastStatus, submittedAt, startedAt: outcome.startedAt } as const;
		if (outcome.reason !== 'queueWait' && options.onTimeout === 'keepRunning') return { ...timedOut, cancelled: false };
		const cancel = await queue.cancelQuietly(ref);
		// It finished just as the bound ran out: it was paid for, so fetch it.
		if (cancel === 'alreadyCompleted') return await finished(queue, ref, { status: 'COMPLETED', logs: [] }, submittedAt, outcome.startedAt);
		return { ...timedOut, cancelled: cancel === 'cancellationRequested' };
	} catch (error) {
		throw options.signal.aborted ? await cancelAfterStop(queue, ref) : withRequestId(error, ref.requestId);
	}
}

/** The run was stopped: cancel the job, and say whether fal took the cancel. */
async function cancelAfterStop(queue: FalQueue, ref: JobRef): Promise<FalAbortedError> {
	return new FalAbortedError(ref.requestId, (await queue.cancelQuietly(ref)) === 'cancellationRequested');
}

async function finished(queue: FalQueue, ref: JobRef, status: JobStatus, submittedAt: number, seenStartedAt?: number): Promise<JobRun> {
	const completedAt = Date.now();
	// A COMPLETED job may have failed: the result fetch is where fal says how (422, 5xx, error_type).
	const result = await queue.result(ref);
	const startedAt = seenStartedAt ?? Math.max(submittedAt, completedAt - (status.inferenceSeconds ?? 0) * 1000);
	return { kind: 'finished', ref, status, result, submittedAt, startedAt, completedAt };
}
