/**
 * The transport's HTTP (transport/http.ts) carried by n8n's own request helpers, so proxies and SSRF
 * rules apply as they do for every n8n node.
 */
import type { ICredentialDataDecryptedObject, IExecuteFunctions, IHttpRequestOptions, IWebhookFunctions } from 'n8n-workflow';

import { FalAbortedError, FalNetworkError } from '../transport/errors';
import type { ByteStream, FalHttp, FalHttpRequest, FalHttpResponse } from '../transport/http';

const DETACHED_TIMEOUT_MS = 30_000;

interface N8nFullResponse {
	statusCode: number;
	headers: Record<string, unknown>;
	body: unknown;
}

/**
 * For an operation (IExecuteFunctions) and for the trigger's webhook (IWebhookFunctions): the
 * trigger has no run to stop yet, so only a request's own signal ends its requests.
 * `credentials`, when given, are the run's decrypted falApi credentials: the key is put into the
 * header of each fal API request here, once per run, instead of n8n loading the credential and
 * resolving the credential's `=Key {{$credentials.apiKey}}` template with its expression engine for
 * each request (a batch makes hundreds). Without them (no key at hand), n8n signs each request.
 */
export function createFalHttp(ctx: IExecuteFunctions | IWebhookFunctions, credentials?: ICredentialDataDecryptedObject): FalHttp {
	const runSignal = ('getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined) ?? new AbortController().signal;
	const helpers = ctx.helpers as IExecuteFunctions['helpers'];
	const sendSigned = credentials ? signedWith(helpers, falAuthorization(credentials)) : signedByN8n(ctx, helpers);
	const authenticated = async (request: FalHttpRequest, signal: AbortSignal) =>
		await send(request, signal, async (options) => await sendSigned({ ...options, abortSignal: signal }));
	const withRequestSignal = (request: FalHttpRequest) => (request.signal ? AbortSignal.any([runSignal, request.signal]) : runSignal);

	return {
		signal: runSignal,
		api: async (request) => await authenticated(request, withRequestSignal(request)),
		apiDetached: async (request) => await authenticated(request, AbortSignal.timeout(DETACHED_TIMEOUT_MS)),
		anonymous: async (request) => {
			const signal = withRequestSignal(request);
			return await send(request, signal, async (options) => await helpers.httpRequest({ ...options, abortSignal: signal }));
		},
	};
}

type SendSigned = (options: IHttpRequestOptions) => Promise<unknown>;

/**
 * fal's scheme, the same header the credential's declarative `authenticate` gives. The key has no
 * expiry or refresh (no `preAuthentication`), so signing it ourselves loses nothing n8n would add.
 */
export function falAuthorization(credentials: ICredentialDataDecryptedObject): string {
	return `Key ${String(credentials.apiKey)}`;
}

/** Requests carrying the run's key; a redirect elsewhere drops it (`sendCredentialsOnCrossOriginRedirect`). */
function signedWith(helpers: IExecuteFunctions['helpers'], authorization: string): SendSigned {
	return async (options) => await helpers.httpRequest({ ...options, headers: { ...options.headers, Authorization: authorization } });
}

/** Requests signed by n8n (credential loaded and `authenticate` applied per request). */
function signedByN8n(ctx: IExecuteFunctions | IWebhookFunctions, helpers: IExecuteFunctions['helpers']): SendSigned {
	// n8n's httpRequestWithAuthentication replaces any abort signal with the run's cancel signal when
	// the calling context offers one. Calling it with a context that does not keeps the signal we
	// give: the run's signal plus the request's own (to end a status stream we no longer need), or,
	// to cancel a job right after the user stopped the run, a signal of its own.
	const contextWithOwnSignal = {
		getCredentials: ctx.getCredentials.bind(ctx),
		getNode: ctx.getNode.bind(ctx),
		helpers,
		logger: ctx.logger,
	} as unknown as IExecuteFunctions;
	return async (options) => await helpers.httpRequestWithAuthentication.call(contextWithOwnSignal, 'falApi', options);
}

async function send(
	request: FalHttpRequest,
	signal: AbortSignal,
	call: (options: IHttpRequestOptions) => Promise<unknown>,
): Promise<FalHttpResponse> {
	const headers: Record<string, string> = { ...request.headers };
	if (request.json) headers['Content-Type'] = 'application/json';
	const options: IHttpRequestOptions = {
		method: request.method,
		url: request.url,
		headers,
		body: (request.json ?? request.body) as IHttpRequestOptions['body'],
		// We read status codes and bodies ourselves: fal's useful words are in `detail` and `error_type`.
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		encoding: request.streamResponse ? 'stream' : 'text',
		// A redirect to another host must not carry the API key along.
		sendCredentialsOnCrossOriginRedirect: false,
	};
	try {
		const response = (await call(options)) as N8nFullResponse;
		return {
			status: response.statusCode,
			headers: lowerCaseHeaders(response.headers),
			body: request.streamResponse ? (response.body as ByteStream) : String(response.body ?? ''),
		};
	} catch (error) {
		throw transportError(error, signal, request.url);
	}
}

/**
 * A fresh error for a request that got no answer: n8n's wrapped one may hold the request, and with
 * it the Authorization header.
 */
function transportError(error: unknown, signal: AbortSignal, url: string): FalAbortedError | FalNetworkError {
	// A detached call (submit, cancel) ends on its own timeout, not on a stop: that is a network failure.
	const timedOut = (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
	if (signal.aborted && !timedOut) return new FalAbortedError(undefined, false);
	if (timedOut) return new FalNetworkError('ETIMEDOUT', `Could not reach ${new URL(url).host}: ${CODE_WORDS.ETIMEDOUT}`);
	const code = errorCode(error) ?? 'EUNKNOWN';
	return new FalNetworkError(code, `Could not reach ${new URL(url).host}: ${CODE_WORDS[code] ?? code}`);
}

/** In words: n8n rewrites messages that contain a raw code into a generic text without the host. */
const CODE_WORDS: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'connection reset',
	ECONNABORTED: 'connection aborted',
	ETIMEDOUT: 'timed out',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host lookup failed',
	EPIPE: 'connection closed while sending',
};

/** Finds the transport error code (ECONNREFUSED, ECONNRESET…) through n8n's wrapping of axios errors. */
function errorCode(error: unknown): string | undefined {
	for (let current = error, depth = 0; current && depth < 5; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

function lowerCaseHeaders(headers: Record<string, unknown>): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers ?? {})) {
		if (value !== undefined && value !== null) result[name.toLowerCase()] = String(value);
	}
	return result;
}
