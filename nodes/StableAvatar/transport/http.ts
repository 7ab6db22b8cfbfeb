/**
 * The transport's view of HTTP: small enough that the fal protocol code below it does not know
 * (or care) that n8n carries the requests. `helpers/falHttp.ts` implements it with n8n's helpers.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT';

/** A body to stream: bytes arrive chunk by chunk and are never held whole. */
export type ByteStream = AsyncIterable<Uint8Array>;

export interface FalHttpRequest {
	method: HttpMethod;
	url: string;
	headers?: Record<string, string>;
	/** Sent as JSON. */
	json?: object;
	/** Sent as raw bytes (uploads). */
	body?: Buffer | ByteStream;
	/** Answer body left unread, as a stream (downloads, the SSE status stream). */
	streamResponse?: boolean;
	/** Ends this request early, in addition to the run being stopped (e.g. a stream no longer needed). */
	signal?: AbortSignal;
}

export interface FalHttpResponse {
	status: number;
	/** Header names in lower case. */
	headers: Record<string, string>;
	/** The text of the answer, or the unread stream when `streamResponse` was set. */
	body: string | ByteStream;
}

export interface FalHttp {
	/** A call to fal's API (queue, storage initiate), with the API key attached. */
	api(request: FalHttpRequest): Promise<FalHttpResponse>;
	/**
	 * Like `api`, but not tied to the run's cancel signal: cancelling a job must still work after the
	 * user stopped the workflow, because that stop is exactly when the job needs cancelling.
	 */
	apiDetached(request: FalHttpRequest): Promise<FalHttpResponse>;
	/** A call to a signed upload URL or the CDN: these must never see the API key. */
	anonymous(request: FalHttpRequest): Promise<FalHttpResponse>;
	/** Fires when the run is stopped. */
	signal: AbortSignal;
}

/** Stops reading a response stream and frees its connection. */
export function closeStream(body: ByteStream): void {
	(body as { destroy?: () => void }).destroy?.();
}
