import type { RouteName } from './types';

/**
 * Maps method + path to a route. Everything shares one origin, so the fixed prefixes (storage, signed
 * uploads, CDN files, control) are matched before the catch-all `POST /{owner}/{alias}…` submit.
 */
type JobRoute = 'status' | 'stream' | 'result' | 'cancel';
type UploadRoute = 'upload' | 'upload-complete';

export type RouteMatch =
	| { route: 'submit'; endpointId: string; app: string }
	| { [R in JobRoute]: { route: R; app: string; requestId: string } }[JobRoute]
	| { route: 'initiate' }
	| { route: 'initiate-multipart' }
	| { [R in UploadRoute]: { route: R; token: string } }[UploadRoute]
	| { route: 'upload-part'; token: string; partNumber: number }
	| { route: 'cdn'; filePath: string }
	| { route: 'jwks' }
	| { route: 'control'; segments: string[] };

export const UPLOAD_PREFIX = '/__upload/';
export const FILES_PREFIX = '/files/';
export const CONTROL_PREFIX = '/__emulator/';
export const JWKS_PATH = '/.well-known/jwks.json';

/** fal's client puts these namespaces in front of owner/alias (`workflows/owner/alias`). */
const NAMESPACES = ['workflows', 'comfy'];

export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
	if (pathname.startsWith(CONTROL_PREFIX)) {
		return { route: 'control', segments: segmentsOf(pathname.slice(CONTROL_PREFIX.length)) };
	}
	if (pathname.startsWith(FILES_PREFIX)) {
		return method === 'GET' || method === 'HEAD' ? { route: 'cdn', filePath: pathname.slice(FILES_PREFIX.length) } : undefined;
	}
	if (pathname === JWKS_PATH) return method === 'GET' ? { route: 'jwks' } : undefined;
	if (pathname.startsWith(UPLOAD_PREFIX)) return matchUpload(method, segmentsOf(pathname.slice(UPLOAD_PREFIX.length)));
	if (method === 'POST' && pathname === '/storage/upload/initiate') return { route: 'initiate' };
	if (method === 'POST' && pathname === '/storage/upload/initiate-multipart') return { route: 'initiate-multipart' };
	return matchQueue(method, segmentsOf(pathname));
}

function matchUpload(method: string, segments: string[]): RouteMatch | undefined {
	const [token, action] = segments;
	if (!token || segments.length > 2) return undefined;
	if (action === undefined) return method === 'PUT' ? { route: 'upload', token } : undefined;
	if (action === 'complete') return method === 'POST' ? { route: 'upload-complete', token } : undefined;
	const partNumber = Number(action);
	if (method === 'PUT' && Number.isInteger(partNumber) && partNumber >= 1) return { route: 'upload-part', token, partNumber };
	return undefined;
}

function matchQueue(method: string, segments: string[]): RouteMatch | undefined {
	const appLength = NAMESPACES.includes(segments[0]) ? 3 : 2;
	if (segments.length < appLength) return undefined;
	const app = segments.slice(0, appLength).join('/');
	const rest = segments.slice(appLength);
	if (rest[0] === 'requests' && rest[1]) {
		const requestId = rest[1];
		const action = rest.slice(2).join('/');
		if (method === 'GET' && action === '') return { route: 'result', app, requestId };
		if (method === 'GET' && action === 'status') return { route: 'status', app, requestId };
		if (method === 'GET' && action === 'status/stream') return { route: 'stream', app, requestId };
		if (method === 'PUT' && action === 'cancel') return { route: 'cancel', app, requestId };
		return undefined;
	}
	return method === 'POST' ? { route: 'submit', endpointId: segments.join('/'), app } : undefined;
}

function segmentsOf(path: string): string[] {
	return path.split('/').filter((segment) => segment !== '').map(safeDecode);
}

function safeDecode(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

/** The route name that goes into the request log (control routes are not logged). */
export function logRouteName(match: RouteMatch | undefined): RouteName | 'unknown' {
	return match === undefined || match.route === 'control' ? 'unknown' : match.route;
}
