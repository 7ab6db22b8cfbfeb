import { FILES_PREFIX } from './router';
import type { JobRuntime } from './queue';
import type { JobRecord } from './types';

/** The bodies fal answers for a job: status (poll and stream), result, and the webhook it posts. */
export interface Answer {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
}

export function jobUrls(origin: string, job: JobRuntime) {
	const base = `${origin}/${job.app}/requests/${job.record.requestId}`;
	return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
}

export function videoUrl(origin: string, requestId: string): string {
	return `${origin}${FILES_PREFIX}${requestId}/output.mp4`;
}

/** 202 while queued or running (also for odd statuses), 200 once COMPLETED. */
export function statusAnswer(origin: string, job: JobRuntime, queuePosition: number, withLogs: boolean): Answer {
	const { record } = job;
	const common = { status: record.status, request_id: record.requestId, ...jobUrls(origin, job) };
	const logs = withLogs ? job.logs.slice() : null;
	if (record.status === 'IN_QUEUE') return { status: 202, body: { ...common, queue_position: queuePosition } };
	if (record.status !== 'COMPLETED') return { status: 202, body: { ...common, logs } };
	const inferenceSeconds = record.startedAt && record.completedAt ? (record.completedAt - record.startedAt) / 1000 : null;
	const body: Record<string, unknown> = { ...common, logs, metrics: { inference_time: inferenceSeconds } };
	const { outcome } = record;
	if (outcome.kind === 'completed-with-error' && !removedByCancel(record)) {
		body.error = outcome.error;
		body.error_type = outcome.errorType ?? 'runner_server_error';
	}
	return { status: 200, body };
}

/**
 * The result endpoint. Two answers are undocumented at fal and chosen here as plausible:
 * before completion 400 `{detail: "Request is still in progress"}`, and for a cancelled job
 * 499 `{detail: "Request was cancelled", error_type: "client_cancelled"}` (fal's documented type and code).
 */
export function resultAnswer(origin: string, job: JobRuntime, resultTtlMs: number, now = Date.now()): Answer {
	const { record } = job;
	const requestIdHeader = { 'x-fal-request-id': record.requestId };
	if (record.status !== 'COMPLETED') {
		return { status: 400, body: { detail: 'Request is still in progress' }, headers: requestIdHeader };
	}
	if (now - (record.completedAt ?? now) > resultTtlMs) {
		return { status: 404, body: { detail: `Request ${record.requestId} not found (result expired)` }, headers: requestIdHeader };
	}
	if (removedByCancel(record)) {
		return errorAnswer(499, 'Request was cancelled', 'client_cancelled', record.requestId);
	}
	const { outcome } = record;
	switch (outcome.kind) {
		case 'validation':
			return {
				status: 422,
				body: { detail: [{ loc: outcome.loc, msg: outcome.msg, type: outcome.type ?? 'value_error' }] },
				headers: requestIdHeader,
			};
		case 'validation-string':
			return { status: 422, body: { detail: outcome.detail }, headers: requestIdHeader };
		case 'server':
			return errorAnswer(outcome.status, outcome.detail, outcome.errorType, record.requestId);
		case 'completed-with-error':
			return errorAnswer(500, outcome.error, outcome.errorType ?? 'runner_server_error', record.requestId);
		case 'no-video':
			return { status: 200, body: {}, headers: requestIdHeader };
		case 'bad-video-url':
			return { status: 200, body: { video: { url: outcome.url, content_type: 'video/mp4' } }, headers: requestIdHeader };
		default:
			return {
				status: 200,
				body: {
					video: {
						url: videoUrl(origin, record.requestId),
						content_type: 'video/mp4',
						file_name: 'output.mp4',
						file_size: record.videoBytes,
					},
				},
				headers: requestIdHeader,
			};
	}
}

function errorAnswer(status: number, detail: string, errorType: string, requestId: string): Answer {
	return {
		status,
		body: { detail, error_type: errorType },
		headers: { 'x-fal-request-id': requestId, 'x-fal-error-type': errorType },
	};
}

/** What fal POSTs to `fal_webhook`: the result body as payload, status ERROR when the result is not a 200. */
export function webhookBody(origin: string, job: JobRuntime): Record<string, unknown> {
	const result = resultAnswer(origin, job, Infinity);
	const body: Record<string, unknown> = {
		request_id: job.record.requestId,
		gateway_request_id: job.gatewayRequestId ?? job.record.requestId,
		status: result.status === 200 ? 'OK' : 'ERROR',
		payload: result.body,
	};
	if (result.status !== 200) body.error = `Invalid status code: ${result.status}`;
	return body;
}

/** A job cancelled while queued never ran: no video, a client_cancelled result. */
export function removedByCancel(record: JobRecord): boolean {
	return record.cancelledWhile === 'IN_QUEUE';
}
