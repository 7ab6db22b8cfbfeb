/**
 * The checks a delivery passes before anything costly happens: no credential is loaded and nothing
 * is fetched for a call that is malformed, stale, too large, not JSON, or carries a reference Submit
 * would never have sent. Forged calls are refused for the price of reading their headers.
 */
import type { IDataObject } from 'n8n-workflow';

import { referenceProblem } from '../StableAvatar/helpers/reference';
import { parseJsonObject } from '../StableAvatar/transport/errors';
import { isTimestampFresh, parseSignatureHeaders, type WebhookSignatureHeaders } from '../StableAvatar/transport/webhooks/signature';

/** fal's delivery is a small JSON object (the video's URL, or an error body): 1 MiB is plenty. */
export const MAX_DELIVERY_BYTES = 1024 * 1024;

export type RefusalReason =
	| 'missingHeaders'
	| 'malformedHeaders'
	| 'staleTimestamp'
	| 'oversizedBody'
	| 'unparsableBody'
	| 'mismatchedRequestId'
	| 'badReference';

export interface Arrival {
	rawBody: Buffer;
	/** The signed headers; undefined when Verify Signature is off. */
	signed?: WebhookSignatureHeaders;
	reference: string | null;
}

export type Precheck = { ok: true; arrival: Arrival } | { ok: false; reason: RefusalReason };

export interface IncomingDelivery {
	headers: Record<string, string | string[] | undefined>;
	/** Reads the body (n8n usually has it already); called only once the headers passed. */
	rawBody: () => Promise<Buffer | undefined>;
	query: IDataObject;
	verifySignature: boolean;
	nowMs?: number;
}

export async function precheckDelivery(incoming: IncomingDelivery): Promise<Precheck> {
	const { headers, verifySignature, nowMs = Date.now() } = incoming;
	let signed: WebhookSignatureHeaders | undefined;
	if (verifySignature) {
		const parsed = parseSignatureHeaders(headers);
		if (!parsed.ok) return parsed;
		if (!isTimestampFresh(parsed.headers.timestamp, nowMs)) return { ok: false, reason: 'staleTimestamp' };
		signed = parsed.headers;
	}
	const reference = referenceOf(incoming.query);
	if (reference === undefined) return { ok: false, reason: 'badReference' };
	// Told too large by its own Content-Length: not even read.
	if (Number(single(headers['content-length'])) > MAX_DELIVERY_BYTES) return { ok: false, reason: 'oversizedBody' };
	const rawBody = (await incoming.rawBody()) ?? Buffer.alloc(0);
	if (rawBody.length > MAX_DELIVERY_BYTES) return { ok: false, reason: 'oversizedBody' };
	if (signed) {
		const body = parseJsonObject(rawBody.toString('utf8'));
		if (!body) return { ok: false, reason: 'unparsableBody' };
		// The signature covers the header's request id and the body: they must name the same job.
		if (body.request_id !== undefined && body.request_id !== signed.requestId) return { ok: false, reason: 'mismatchedRequestId' };
	}
	return { ok: true, arrival: { rawBody, signed, reference } };
}

/** null when the URL has none; undefined when it has one Submit would have refused. */
function referenceOf(query: IDataObject | undefined): string | null | undefined {
	const value = query?.reference;
	if (value === undefined || value === '') return null;
	if (typeof value !== 'string' || referenceProblem(value) !== undefined) return undefined;
	return value;
}

function single(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}
