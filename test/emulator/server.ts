import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestContext } from './http';
import { logRouteName, matchRoute, type RouteMatch } from './router';
import type { Services } from './services';
import type { Fault, RequestLogEntry, RouteName } from './types';
import { control } from './routes/control';
import { serveFile } from './routes/files';
import { cancel, result, status, submit } from './routes/queue';
import { initiate, upload, uploadComplete, uploadPart } from './routes/storage';
import { statusStream } from './routes/stream';

/** Routes that need `Authorization: Key <key>`. Signed upload URLs and the CDN are public. */
const NEEDS_KEY = new Set<RouteName>(['submit', 'status', 'stream', 'result', 'cancel', 'initiate', 'initiate-multipart']);

/** The request pipeline: log → fault → key check → route. */
export function createRequestHandler(services: Services, onDone: (entry: RequestLogEntry) => void) {
	return (req: IncomingMessage, res: ServerResponse): void => {
		handle(req, res, services, onDone).catch((error: Error) => {
			if (!res.headersSent) {
				res.writeHead(500, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ detail: `Emulator error: ${error.message}` }));
			} else {
				res.destroy();
			}
		});
	};
}

async function handle(req: IncomingMessage, res: ServerResponse, services: Services, onDone: (entry: RequestLogEntry) => void): Promise<void> {
	const method = req.method ?? 'GET';
	const url = new URL(req.url ?? '/', services.origin);
	const match = matchRoute(method, url.pathname);
	const entry = newLogEntry(req, url, match);
	const ctx = new RequestContext(req, res, entry, url);
	if (match?.route === 'control') return control(ctx, match.segments, services);

	// Re-run the scheduler on every request so option changes (concurrency, …) apply without waiting for an event.
	services.queue.pump();
	if (entry.route !== 'status' || services.options.logStatusPolls) services.record(entry);
	res.on('close', () => onDone(entry));
	if (!match) return ctx.json(404, { detail: 'Not Found' });

	const fault = services.faults.take(match.route, entry.requestId);
	if (fault) {
		entry.fault = fault.kind;
		if (await applyFault(ctx, fault)) return;
	}
	if (NEEDS_KEY.has(match.route) && !checkKey(ctx, services.options.apiKeys)) return;
	await route(ctx, match, services, fault);
}

type ServiceRoute = Exclude<RouteMatch, { route: 'control' }>;

function route(ctx: RequestContext, match: ServiceRoute, services: Services, fault: Fault | undefined): Promise<void> | void {
	switch (match.route) {
		case 'submit':
			return submit(ctx, match, services, fault);
		case 'status':
			return status(ctx, match, services);
		case 'stream':
			return statusStream(ctx, match, services, fault);
		case 'result':
			return result(ctx, match, services);
		case 'cancel':
			return cancel(ctx, match, services);
		case 'initiate':
		case 'initiate-multipart':
			return initiate(ctx, match, services);
		case 'upload':
			return upload(ctx, match, services);
		case 'upload-part':
			return uploadPart(ctx, match, services);
		case 'upload-complete':
			return uploadComplete(ctx, match, services);
		case 'cdn':
			return serveFile(ctx, match, services, fault);
		case 'jwks':
			return ctx.json(200, services.signer.jwks());
	}
}

/** Answers in place of the route for the faults that replace it; returns false when the route should still run. */
async function applyFault(ctx: RequestContext, fault: Fault): Promise<boolean> {
	switch (fault.kind) {
		case 'status':
			ctx.json(fault.status, fault.body ?? { detail: `Emulated HTTP ${fault.status}` }, fault.headers);
			return true;
		case 'reset':
			ctx.reset();
			return true;
		case 'malformed': {
			const text = '<html><body>502 Bad Gateway</body></html>';
			ctx.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
			ctx.res.end(text);
			return true;
		}
		case 'delay':
			await delayUnlessClientLeaves(ctx, fault.ms);
			return ctx.clientGone;
		default:
			// reset-after-accept, stall and end-early are carried out by their routes.
			return false;
	}
}

function delayUnlessClientLeaves(ctx: RequestContext, ms: number): Promise<void> {
	return new Promise((resolve) => {
		const finish = () => {
			clearTimeout(timer);
			ctx.res.off('close', finish);
			resolve();
		};
		const timer = setTimeout(finish, ms);
		timer.unref();
		ctx.res.on('close', finish);
	});
}

function checkKey(ctx: RequestContext, apiKeys: string[]): boolean {
	const authorization = ctx.header('authorization');
	if (!authorization) {
		ctx.json(401, { detail: 'Missing authorization header. Send `Authorization: Key <your key>`.' });
		return false;
	}
	const [scheme, key] = authorization.split(/\s+/, 2);
	if (scheme !== 'Key' || !key || !apiKeys.includes(key)) {
		ctx.json(401, { detail: 'Invalid API key. Send `Authorization: Key <your key>`.' });
		return false;
	}
	return true;
}

function newLogEntry(req: IncomingMessage, url: URL, match: RouteMatch | undefined): RequestLogEntry {
	const authorization = req.headers.authorization;
	const contentType = req.headers['content-type'];
	const contentLength = Number(req.headers['content-length']);
	const range = req.headers.range;
	return {
		time: Date.now(),
		method: req.method ?? 'GET',
		route: logRouteName(match),
		path: url.pathname,
		query: Object.fromEntries(url.searchParams),
		requestId: requestIdOf(match),
		...(authorization !== undefined ? { authorization } : {}),
		status: 0,
		...(contentType !== undefined ? { contentType } : {}),
		...(Number.isFinite(contentLength) ? { bodyBytes: contentLength } : {}),
		...(range !== undefined ? { range } : {}),
	};
}

function requestIdOf(match: RouteMatch | undefined): string | undefined {
	if (match && 'requestId' in match) return match.requestId;
	if (match?.route === 'cdn' && !match.filePath.startsWith('uploads/')) return match.filePath.split('/')[0];
	return undefined;
}
