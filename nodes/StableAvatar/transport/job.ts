/**
 * One fal job from start to finish: submit, wait, fetch the result. Whatever goes wrong after the
 * submit, the error carries the request id; a stopped run or a timeout cancels the job on fal
 * (unless the user chose to leave it running) so it stops billing.
 */
import { FalAbortedError, withRequestId } from './errors';
import type { FalQueue, JobRef, JobStatus } from './queue';
import { waitForCompletion } from './wait';

export interface RunJobOptions {
	endpointId: string;
	input: object;
	timeoutMs: number;
	/** What a timeout does to the job: cancel it, or leave it running for a later Get Result. */
	onTimeout: 'cancel' | 'keepRunning';
	signal: AbortSignal;
	onStatus?: (status: JobStatus) => void;
	/** Called as soon as fal has accepted the job, before any waiting: the place to record its request id. */
	onSubmitted?: (ref: JobRef) => void;
}

export type JobRun =
	| { kind: 'finished'; ref: JobRef; status: JobStatus; result: Record<string, unknown>; submittedAt: number; completedAt: number }
	| { kind: 'timedOut'; ref: JobRef; lastStatus: string; cancelled: boolean; submittedAt: number };

export async function runJob(queue: FalQueue, options: RunJobOptions): Promise<JobRun> {
	const submittedAt = Date.now();
	const ref = await queue.submit(options.endpointId, options.input);
	options.onSubmitted?.(ref);
	try {
		const outcome = await waitForCompletion(queue, ref, {
			deadline: submittedAt + options.timeoutMs,
			signal: options.signal,
			onStatus: options.onStatus,
		});
		if (outcome.kind === 'timedOut') {
			const cancelled = options.onTimeout === 'cancel' && (await cancelQuietly(queue, ref));
			return { kind: 'timedOut', ref, lastStatus: outcome.lastStatus, cancelled, submittedAt };
		}
		const completedAt = Date.now();
		// A COMPLETED job may have failed: the result fetch is where fal says how (422, 5xx, error_type).
		const result = await queue.result(ref);
		return { kind: 'finished', ref, status: outcome.status, result, submittedAt, completedAt };
	} catch (error) {
		throw options.signal.aborted ? await cancelAfterStop(queue, ref) : withRequestId(error, ref.requestId);
	}
}

/** The run was stopped: cancel the job so it stops billing, and say whether that worked. */
async function cancelAfterStop(queue: FalQueue, ref: JobRef): Promise<FalAbortedError> {
	return new FalAbortedError(ref.requestId, await cancelQuietly(queue, ref));
}

/** Cancels a job, even after the run was stopped; true when fal took the cancellation. */
export async function cancelQuietly(queue: FalQueue, ref: JobRef): Promise<boolean> {
	try {
		return (await queue.cancel(ref, { detached: true })) === 'cancellationRequested';
	} catch {
		return false;
	}
}
