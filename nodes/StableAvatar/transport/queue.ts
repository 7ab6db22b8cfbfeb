/**
 * fal's queue protocol: submit, status (one-off and as an SSE stream), result, cancel.
 * Knows fal's answers and their traps (no FAILED status, errors surfacing only on the result fetch);
 * knows nothing of n8n.
 */
import { FalAbortedError, FalApiError, falApiErrorFrom, FalNetworkError, FalProtocolError, parseJsonObject } from './errors';
import { closeStream, type ByteStream, type FalHttp, type FalHttpRequest, type FalHttpResponse } from './http';
import { Limiter } from './limiter';
import { READ_POLICY, refusedBeforeAnyJob, settle, STATUS_POLICY, SUBMIT_POLICY, withRetry, WRITE_POLICY } from './retry';
import { readServerSentEvents } from './sse';
import { isHttpUrl, jobUrls, type JobUrls, submitUrl } from './urls';

export interface JobRef {
	endpointId: string;
	requestId: string;
	urls: JobUrls;
}

export interface FalLogEntry {
	message: string;
	level?: string;
	source?: string;
	timestamp?: string;
}

/** fal knows IN_QUEUE, IN_PROGRESS and COMPLETED; anything else is treated as still running. */
export interface JobStatus {
	status: string;
	queuePosition?: number;
	logs: FalLogEntry[];
	/** Seconds of GPU time, reported at COMPLETED. */
	inferenceSeconds?: number;
	/** A COMPLETED job may still have failed: then these say so (the details come with the result). */
	error?: string;
	errorType?: string;
}

export interface FalFile {
	url: string;
	contentType?: string;
	fileName?: string;
	fileSize?: number;
}

export type CancelOutcome = 'cancellationRequested' | 'alreadyCompleted' | 'notFound';

/**
 * Short calls (submit, status, result, cancel) in flight at once, per node run: a batch with every
 * item in flight opens a handful of connections for them, not one per item. Status streams are not
 * counted here: only running jobs (and the next in line) hold one.
 */
export const SHORT_CALLS_AT_ONCE = 5;

/** A job fal just accepted, and where it stood in fal's queue then (0 = next to start). */
export type SubmittedJob = JobRef & { queuePosition?: number };

export interface SubmitOptions {
	webhookUrl?: string;
}

export class FalQueue {
	constructor(
		private readonly http: FalHttp,
		private readonly queueOrigin: string,
		private readonly shortCalls = new Limiter(SHORT_CALLS_AT_ONCE),
	) {}

	/** Builds the reference for a job started earlier (Get Status, Get Result, Cancel). */
	ref(endpointId: string, requestId: string): JobRef {
		return { endpointId, requestId, urls: jobUrls(this.queueOrigin, endpointId, requestId) };
	}

	/**
	 * Starts a job. Retried only when the failed attempt surely created no job (see SUBMIT_POLICY).
	 * No submit starts after the run was stopped, and none is abandoned once sent: fal may have
	 * accepted the job already, so the answer is awaited, and a job that arrives after a stop is
	 * cancelled at once; the error names it.
	 */
	async submit(endpointId: string, input: object, options: SubmitOptions = {}): Promise<SubmittedJob> {
		const request: FalHttpRequest = { method: 'POST', url: submitUrl(this.queueOrigin, endpointId, options.webhookUrl), json: input };
		const submitted = await settle(async () =>
			await withRetry(SUBMIT_POLICY, this.http.signal, async () =>
				await this.shortCalls.run(async () => {
					if (this.http.signal.aborted) throw new FalAbortedError(undefined, false);
					return await expectJson(await this.http.apiDetached(request), 'Submitting the job');
				}),
			),
		);
		if (!submitted.ok) throw submitOutcomeUnknown(submitted.error);
		const answer = submitted.value;
		const requestId = answer.request_id;
		if (typeof requestId !== 'string' || requestId === '') {
			throw new FalProtocolError('fal accepted the job but its answer has no request_id');
		}
		const ref = { endpointId, requestId, urls: this.urlsFromSubmit(answer, endpointId, requestId) };
		if (this.http.signal.aborted) {
			throw new FalAbortedError(requestId, (await this.cancelQuietly(ref)) === 'cancellationRequested');
		}
		return typeof answer.queue_position === 'number' ? { ...ref, queuePosition: answer.queue_position } : ref;
	}

	async status(ref: JobRef, withLogs = false): Promise<JobStatus> {
		const url = `${ref.urls.status}?logs=${withLogs ? 1 : 0}`;
		const answer = await withRetry(STATUS_POLICY, this.http.signal, async () =>
			await this.shortCalls.run(async () => await expectJson(await this.http.api({ method: 'GET', url }), 'Checking the job status')),
		);
		return parseStatus(answer);
	}

	/**
	 * Follows the SSE status stream: yields each status until COMPLETED (then fal closes the stream).
	 * Ends early if the stream breaks or closes without COMPLETED; the caller falls back to polling.
	 * `stop` ends the stream from outside (the caller's wait is over), closing its connection.
	 */
	async *statusStream(ref: JobRef, withLogs: boolean, stop: AbortSignal): AsyncGenerator<JobStatus> {
		const response = await this.http.api({
			method: 'GET',
			url: `${ref.urls.statusStream}?logs=${withLogs ? 1 : 0}`,
			headers: { Accept: 'text/event-stream' },
			streamResponse: true,
			signal: stop,
		});
		const body = response.body as ByteStream;
		if (response.status !== 200) {
			closeStream(body);
			throw falApiErrorFrom(response.status, response.headers, '', 'Following the job status');
		}
		for await (const data of readServerSentEvents(body)) {
			const event = parseJsonObject(data);
			if (!event) continue;
			const status = parseStatus(event);
			yield status;
			if (status.status === 'COMPLETED') return;
		}
	}

	/** The job's output; for a job that failed this is where fal says why (422, 5xx with error_type). */
	async result(ref: JobRef): Promise<Record<string, unknown>> {
		return await withRetry(READ_POLICY, this.http.signal, async () =>
			await this.shortCalls.run(async () => await expectJson(await this.http.api({ method: 'GET', url: ref.urls.result }), 'Fetching the result')),
		);
	}

	async cancel(ref: JobRef, { detached = false } = {}): Promise<CancelOutcome> {
		const send = detached ? this.http.apiDetached.bind(this.http) : this.http.api.bind(this.http);
		const request: FalHttpRequest = { method: 'PUT', url: ref.urls.cancel };
		const response = await withRetry(WRITE_POLICY, detached ? neverAborted : this.http.signal, async () => {
			const answer = await this.shortCalls.run(async () => await send(request));
			if (answer.status >= 500 || answer.status === 429) throw falApiErrorFrom(answer.status, answer.headers, textOf(answer), 'Cancelling the job');
			return answer;
		});
		const status = parseJsonObject(textOf(response))?.status;
		if (status === 'ALREADY_COMPLETED') return 'alreadyCompleted';
		if (status === 'NOT_FOUND' || response.status === 404) return 'notFound';
		if (response.status >= 200 && response.status < 300) return 'cancellationRequested';
		throw falApiErrorFrom(response.status, response.headers, textOf(response), 'Cancelling the job');
	}

	/**
	 * Cancels a job, even after the run was stopped; 'failed' when fal could not be reached. fal removes
	 * a queued job; a running one only gets the signal and may run (and bill) to its end.
	 */
	async cancelQuietly(ref: JobRef): Promise<CancelOutcome | 'failed'> {
		const outcome = await settle(async () => await this.cancel(ref, { detached: true }));
		return outcome.ok ? outcome.value : 'failed';
	}

	/**
	 * fal's answer carries the job's URLs; they are used when they point at the queue origin we
	 * submitted to. Any other host would receive the API key, so then our own URLs are used.
	 */
	private urlsFromSubmit(answer: Record<string, unknown>, endpointId: string, requestId: string): JobUrls {
		const built = jobUrls(this.queueOrigin, endpointId, requestId);
		const sameOrigin = (value: unknown): value is string =>
			typeof value === 'string' && isHttpUrl(value) && new URL(value).origin === new URL(this.queueOrigin).origin;
		const status = sameOrigin(answer.status_url) ? answer.status_url : built.status;
		return {
			status,
			statusStream: status === built.status ? built.statusStream : `${status}/stream`,
			result: sameOrigin(answer.response_url) ? answer.response_url : built.result,
			cancel: sameOrigin(answer.cancel_url) ? answer.cancel_url : built.cancel,
		};
	}
}

/**
 * A submit that failed in a way that does not prove fal created nothing (a reset connection, a 502 or
 * 504 from the gateway): the job may exist and bill. The error says so, so the user checks first.
 */
function submitOutcomeUnknown(error: unknown): unknown {
	if ((error instanceof FalNetworkError || error instanceof FalApiError) && !refusedBeforeAnyJob(error)) {
		error.jobMayExist = true;
	}
	return error;
}

/** Reads the video file out of a result; anything unusable is an error, never a silent empty output. */
export function videoFromResult(result: Record<string, unknown>): FalFile {
	const video = result.video as Record<string, unknown> | string | undefined;
	const file = typeof video === 'string' ? { url: video } : video;
	if (!file || typeof file !== 'object' || typeof file.url !== 'string') {
		throw new FalProtocolError('fal reported success but the result has no video');
	}
	if (!isHttpUrl(file.url)) {
		throw new FalProtocolError(`fal's result has a video URL that is not http(s): ${file.url.slice(0, 100)}`);
	}
	return {
		url: file.url,
		contentType: typeof file.content_type === 'string' ? file.content_type : undefined,
		fileName: typeof file.file_name === 'string' ? file.file_name : undefined,
		fileSize: typeof file.file_size === 'number' ? file.file_size : undefined,
	};
}

export function parseStatus(body: Record<string, unknown>): JobStatus {
	if (typeof body.status !== 'string') throw new FalProtocolError('fal sent a job status without a status field');
	const metrics = body.metrics as Record<string, unknown> | undefined;
	return {
		status: body.status,
		queuePosition: typeof body.queue_position === 'number' ? body.queue_position : undefined,
		logs: Array.isArray(body.logs) ? (body.logs as FalLogEntry[]).filter((log) => typeof log?.message === 'string') : [],
		inferenceSeconds: typeof metrics?.inference_time === 'number' ? metrics.inference_time : undefined,
		error: typeof body.error === 'string' ? body.error : undefined,
		errorType: typeof body.error_type === 'string' ? body.error_type : undefined,
	};
}

/** 2xx with a JSON object, or the matching error (with fal's explanation) thrown. */
async function expectJson(response: FalHttpResponse, action: string): Promise<Record<string, unknown>> {
	const text = textOf(response);
	if (response.status < 200 || response.status >= 300) throw falApiErrorFrom(response.status, response.headers, text, action);
	const body = parseJsonObject(text);
	if (!body) throw new FalProtocolError(`${action}: fal answered ${response.status} with something that is not a JSON object`);
	return body;
}

function textOf(response: FalHttpResponse): string {
	return typeof response.body === 'string' ? response.body : '';
}

const neverAborted = new AbortController().signal;
