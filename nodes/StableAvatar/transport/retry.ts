import { FalApiError, FalNetworkError } from './errors';
import { pause } from './pause';

/** Transient answers worth another try: rate limit and the gateway's 5xx family. */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Failures that prove the request never reached fal, so nothing was created. */
const NEVER_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Answers that say fal turned the request away without creating a job. */
const REJECTED_STATUSES = new Set([429, 503]);

export interface RetryPolicy {
	/** Total tries, the first one included. */
	attempts: number;
	/** Delay before the second try; doubles each time, with jitter. */
	baseDelayMs: number;
	maxDelayMs: number;
	isRetryable: (error: unknown) => boolean;
}

/** For reads and idempotent calls: any transient failure. */
export function isTransient(error: unknown): boolean {
	if (error instanceof FalNetworkError) return true;
	if (error instanceof FalApiError) {
		// fal's own time-to-start deadline (x-fal-request-timeout) is final, not transient.
		if (error.userDeadline) return false;
		// An answer with an error_type is fal's verdict on the job (e.g. runner_server_error on the
		// result fetch): asking again gives the same answer. Gateway hiccups carry no error_type.
		// (A status request carries no verdict: see isPollHiccup.)
		if (error.errorType) return false;
		return TRANSIENT_STATUSES.has(error.status);
	}
	return false;
}

/**
 * For a status poll or stream while a job is waited for: a failed answer to one of them is no verdict
 * on the job (a failed job is told by its status body, COMPLETED with an error, and at the result
 * fetch). So any 5xx, 408 or 429, with an error_type or not, and any reset is tried again, within the
 * wait's own bounds. A 401/403/404 cannot heal by asking again (the key, or a job fal does not know),
 * nor can a 200 that is not a status at all: those stay final.
 */
export function isPollHiccup(error: unknown): boolean {
	if (error instanceof FalNetworkError) return true;
	return error instanceof FalApiError && (error.status >= 500 || error.status === 408 || error.status === 429);
}

/**
 * For submit: retry only when the failed attempt surely created no job, so a retry can never start
 * a second paid job. A reset connection or a 502/504 is ambiguous and is not retried.
 */
export function surelyCreatedNothing(error: unknown): boolean {
	if (error instanceof FalNetworkError) return NEVER_CONNECTED_CODES.has(error.code);
	if (error instanceof FalApiError) return REJECTED_STATUSES.has(error.status);
	return false;
}

/**
 * A submit that fal refused outright (a 4xx answer other than 408: bad input, key, endpoint) created
 * no job either, though asking again would not help.
 */
export function refusedBeforeAnyJob(error: unknown): boolean {
	if (surelyCreatedNothing(error)) return true;
	return error instanceof FalApiError && error.status >= 400 && error.status < 500 && error.status !== 408;
}

export const READ_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8_000, isRetryable: isTransient };
export const STATUS_POLICY: RetryPolicy = { ...READ_POLICY, isRetryable: isPollHiccup };
export const WRITE_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 8_000, isRetryable: isTransient };
export const SUBMIT_POLICY: RetryPolicy = {
	attempts: 4,
	baseDelayMs: 1_000,
	maxDelayMs: 8_000,
	isRetryable: surelyCreatedNothing,
};

export async function withRetry<T>(policy: RetryPolicy, signal: AbortSignal, operation: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		const outcome = await settle(operation);
		if (outcome.ok) return outcome.value;
		if (attempt >= policy.attempts || signal.aborted || !policy.isRetryable(outcome.error)) throw outcome.error;
		await pause(backoffDelay(policy, attempt, outcome.error), signal);
	}
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs an async step and reports how it ended, so the caller decides what a failure means. */
export async function settle<T>(step: () => Promise<T>): Promise<Settled<T>> {
	try {
		return { ok: true, value: await step() };
	} catch (error) {
		return { ok: false, error };
	}
}

function backoffDelay(policy: RetryPolicy, attempt: number, error: unknown): number {
	const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	const jittered = exponential * (0.75 + Math.random() * 0.5);
	const retryAfterMs = error instanceof FalApiError ? (error.retryAfterMs ?? 0) : 0;
	return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs));
}
