/** Where fal lives, and how its queue URLs are built from an endpoint id. */

export const FAL_QUEUE_ORIGIN = 'https://queue.fal.run';
export const FAL_STORAGE_ORIGIN = 'https://rest.fal.ai';
export const DEFAULT_ENDPOINT_ID = 'fal-ai/stable-avatar';
/** fal's public keys for webhook signatures. */
export const FAL_JWKS_URL = 'https://rest.alpha.fal.ai/.well-known/jwks.json';

export interface FalOrigins {
	queue: string;
	storage: string;
}

/** A blank base URL means fal's production origins; a set one serves both queue and storage paths. */
export function falOrigins(baseUrl?: string): FalOrigins {
	const base = customBase(baseUrl);
	if (!base) return { queue: FAL_QUEUE_ORIGIN, storage: FAL_STORAGE_ORIGIN };
	return { queue: base, storage: base };
}

/** The JWKS of fal's webhook keys; a set base URL serves it too (a proxy, the local emulator). */
export function jwksUrl(baseUrl?: string): string {
	const base = customBase(baseUrl);
	return base ? `${base}/.well-known/jwks.json` : FAL_JWKS_URL;
}

/** The credential's Base URL without surrounding space or trailing slashes; '' when not set. */
function customBase(baseUrl?: string): string {
	return (baseUrl ?? '').trim().replace(/\/+$/, '');
}

/** Adds `reference=` to a webhook URL, whether or not it already has a query. */
export function withReference(webhookUrl: string, reference: string): string {
	const url = new URL(webhookUrl);
	url.searchParams.set('reference', reference);
	return url.toString();
}

export interface JobUrls {
	status: string;
	statusStream: string;
	result: string;
	cancel: string;
}

/**
 * Submit uses the full endpoint id; status, result and cancel use only `owner/alias`
 * (`fal-ai/flux/dev` submits to `/fal-ai/flux/dev` but polls `/fal-ai/flux/requests/{id}/status`).
 */
export function jobUrls(queueOrigin: string, endpointId: string, requestId: string): JobUrls {
	const [owner, alias] = endpointId.split('/');
	const base = `${queueOrigin}/${owner}/${alias}/requests/${encodeURIComponent(requestId)}`;
	return {
		status: `${base}/status`,
		statusStream: `${base}/status/stream`,
		result: base,
		cancel: `${base}/cancel`,
	};
}

export function submitUrl(queueOrigin: string, endpointId: string, webhookUrl?: string): string {
	const url = `${queueOrigin}/${endpointId}`;
	return webhookUrl ? `${url}?fal_webhook=${encodeURIComponent(webhookUrl)}` : url;
}

/**
 * An endpoint id is `owner/alias` with an optional sub-path, e.g. `fal-ai/stable-avatar`. A segment
 * may not start with a dot: `..` or `.` would lead the keyed request to another path on fal.
 */
export function isValidEndpointId(endpointId: string): boolean {
	return /^[\w-][\w.-]*(\/[\w-][\w.-]*)+$/.test(endpointId);
}

export function isHttpUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
	} catch {
		return false;
	}
}
