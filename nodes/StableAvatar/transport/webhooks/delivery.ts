/**
 * What fal POSTs when a job ends: `{ request_id, gateway_request_id, status: "OK" | "ERROR", payload,
 * error?, payload_error? }`. Parsed into the finished video, or the failure in fal's own words (a 422
 * names the field, a 5xx its `error_type`). Never throws: every delivery becomes something to show.
 */
import { FalApiError, falApiErrorFrom, FalProtocolError, parseJsonObject } from '../errors';
import { videoFromResult, type FalFile } from '../queue';

interface DeliveryBase {
	requestId: string;
	gatewayRequestId?: string;
}

export type FalDelivery =
	| (DeliveryBase & { status: 'OK'; video: FalFile })
	| (DeliveryBase & { status: 'ERROR'; error: FalApiError | FalProtocolError });

/** `requestId` is the signed header's, used when the body does not name one. */
export function parseDelivery(rawBody: Buffer, requestId: string): FalDelivery {
	const body = parseJsonObject(rawBody.toString('utf8'));
	if (!body) return failed({ requestId }, new FalProtocolError('fal sent a job outcome that is not a JSON object', requestId));
	const base: DeliveryBase = {
		requestId: typeof body.request_id === 'string' && body.request_id !== '' ? body.request_id : requestId,
		gatewayRequestId: typeof body.gateway_request_id === 'string' ? body.gateway_request_id : undefined,
	};
	const payload = body.payload;
	if (typeof body.payload_error === 'string' && body.payload_error !== '') {
		return failed(base, new FalProtocolError(`fal could not pass on the job's output: ${body.payload_error}`, base.requestId));
	}
	if (body.status !== 'OK') return failed(base, jobError(body, payload, base.requestId));
	if (!isObject(payload)) return failed(base, new FalProtocolError('fal reported success but sent no output', base.requestId));
	try {
		return { ...base, status: 'OK', video: videoFromResult(payload) };
	} catch (error) {
		return failed(base, error instanceof FalProtocolError ? withId(error, base.requestId) : new FalProtocolError(String(error), base.requestId));
	}
}

/** `error` reads "Invalid status code: 422"; the payload is the error body the result route would have sent. */
function jobError(body: Record<string, unknown>, payload: unknown, requestId: string): FalApiError {
	const status = Number(/\b(\d{3})\b/.exec(typeof body.error === 'string' ? body.error : '')?.[1] ?? 500);
	const text = isObject(payload) ? JSON.stringify(payload) : typeof body.error === 'string' ? body.error : '';
	const headers: Record<string, string> = {};
	const error = falApiErrorFrom(status, headers, text, 'The fal job');
	error.requestId = requestId;
	return error;
}

function failed(base: DeliveryBase, error: FalApiError | FalProtocolError): FalDelivery {
	return { ...base, status: 'ERROR', error };
}

function withId(error: FalProtocolError, requestId: string): FalProtocolError {
	error.requestId ??= requestId;
	return error;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}
