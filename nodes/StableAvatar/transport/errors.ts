/**
 * What can go wrong when talking to fal, as plain errors that carry what a user needs:
 * the HTTP status, fal's own words (`detail`, `error_type`, the field a 422 names) and, once a job
 * exists, its request id. The node layer turns these into n8n errors.
 */

export interface FieldError {
	/** The input field fal complains about, e.g. `audio_url` (from `loc: ["body", "audio_url"]`). */
	field?: string;
	message: string;
}

export interface FalApiErrorDetails {
	status: number;
	/** fal's explanation: `detail`, or the fields a 422 names. */
	detail: string;
	/** e.g. `runner_disconnected` (body `error_type` or header `X-Fal-Error-Type`). */
	errorType?: string;
	fieldErrors?: FieldError[];
	/** From `Retry-After`. */
	retryAfterMs?: number;
	/** A 504 for fal's own time-to-start deadline (`X-Fal-Request-Timeout-Type: user`): final. */
	userDeadline?: boolean;
	requestId?: string;
}

export class FalApiError extends Error {
	readonly status: number;
	readonly detail: string;
	readonly errorType?: string;
	readonly fieldErrors: FieldError[];
	readonly retryAfterMs?: number;
	readonly userDeadline: boolean;
	requestId?: string;
	/** Set when a submit failed without proof that no job was created. */
	jobMayExist = false;

	constructor(message: string, details: FalApiErrorDetails) {
		super(message);
		this.name = 'FalApiError';
		this.status = details.status;
		this.detail = details.detail;
		this.errorType = details.errorType;
		this.fieldErrors = details.fieldErrors ?? [];
		this.retryAfterMs = details.retryAfterMs;
		this.userDeadline = details.userDeadline ?? false;
		this.requestId = details.requestId;
	}
}

/** The connection failed before an answer arrived (refused, reset, timed out). */
export class FalNetworkError extends Error {
	/** Set when a submit failed without proof that no job was created. */
	jobMayExist = false;

	constructor(
		readonly code: string,
		message: string,
		public requestId?: string,
	) {
		super(message);
		this.name = 'FalNetworkError';
	}
}

/** fal answered, but not with something this client can use (not JSON, no video, odd URL…). */
export class FalProtocolError extends Error {
	constructor(
		message: string,
		public requestId?: string,
	) {
		super(message);
		this.name = 'FalProtocolError';
	}
}

/**
 * The job did not finish within a bound: `render` (Timeout, counted from the job's start), `queueWait`
 * (Max Queue Wait: it never started) or `execution` (the workflow's own execution timeout was near).
 * `cancelled`: fal took the cancel (a queued job is then removed; a running one may still run on).
 */
export class FalTimeoutError extends Error {
	constructor(
		readonly requestId: string,
		readonly waitedMs: number,
		readonly lastStatus: string,
		readonly cancelled: boolean,
		readonly reason: 'render' | 'queueWait' | 'execution' = 'render',
	) {
		super(timeoutMessage(requestId, waitedMs, reason));
		this.name = 'FalTimeoutError';
	}
}

function timeoutMessage(requestId: string, waitedMs: number, reason: FalTimeoutError['reason']): string {
	const seconds = Math.round(waitedMs / 1000);
	if (reason === 'queueWait') return `The fal job ${requestId} waited ${seconds} s in fal's queue without starting`;
	if (reason === 'execution') return `The fal job ${requestId} had not finished when the workflow's execution timeout was near`;
	return `The fal job ${requestId} did not finish within ${seconds} s of rendering`;
}

/** The run was stopped by the user; `cancelled` says whether the job on fal was cancelled too. */
export class FalAbortedError extends Error {
	constructor(
		public requestId: string | undefined,
		readonly cancelled: boolean,
	) {
		super('The workflow was stopped');
		this.name = 'FalAbortedError';
	}
}

export type FalError = FalApiError | FalNetworkError | FalProtocolError | FalTimeoutError | FalAbortedError;

export function isFalError(error: unknown): error is FalError {
	return (
		error instanceof FalApiError ||
		error instanceof FalNetworkError ||
		error instanceof FalProtocolError ||
		error instanceof FalTimeoutError ||
		error instanceof FalAbortedError
	);
}

/** Attaches the request id to an error raised after the job was created, so it is never lost. */
export function withRequestId<T>(error: T, requestId: string): T {
	if (isFalError(error) && !error.requestId) (error as { requestId?: string }).requestId = requestId;
	return error;
}

/** Turns a non-2xx answer into a FalApiError with fal's own explanation. */
export function falApiErrorFrom(status: number, headers: Record<string, string>, text: string, action: string): FalApiError {
	const body = parseJsonObject(text);
	const errorType = stringOr(body?.error_type) ?? headers['x-fal-error-type'];
	const fieldErrors = fieldErrorsFrom(body?.detail);
	const detail =
		fieldErrors.length > 0
			? fieldErrors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ')
			: (stringOr(body?.detail) ?? stringOr(body?.error) ?? stringOr(body?.message) ?? shorten(text) ?? 'no details given');
	const retryAfterSeconds = Number(headers['retry-after']);
	return new FalApiError(`${action} failed: fal answered ${status} (${detail})`, {
		status,
		detail,
		errorType,
		fieldErrors,
		retryAfterMs: Number.isFinite(retryAfterSeconds) ? Math.min(retryAfterSeconds, 60) * 1000 : undefined,
		userDeadline: headers['x-fal-request-timeout-type'] === 'user',
	});
}

/** 422 bodies carry `detail: [{ loc: ["body", "audio_url"], msg }]`, or sometimes a plain string. */
function fieldErrorsFrom(detail: unknown): FieldError[] {
	if (!Array.isArray(detail)) return [];
	return detail.map((entry) => {
		const loc: unknown[] = Array.isArray(entry?.loc) ? entry.loc : [];
		const path = loc.filter((part) => part !== 'body').join('.');
		return { field: path || undefined, message: stringOr(entry?.msg) ?? JSON.stringify(entry) };
	});
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return value !== null && typeof value === 'object' && !Array.isArray(value)
			? (value as Record<string, unknown>)
			: undefined;
	} catch {
		return undefined;
	}
}

function stringOr(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function shorten(text: string): string | undefined {
	const trimmed = text.trim();
	if (!trimmed) return undefined;
	return trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
}
