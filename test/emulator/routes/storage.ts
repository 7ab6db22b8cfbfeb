import type { RequestContext } from '../http';
import type { RouteMatch } from '../router';
import type { Services } from '../services';

/**
 * Storage: initiate (authenticated) → signed upload URL on this origin. The upload routes need no key;
 * an Authorization header that reaches them anyway is logged, so tests can prove the key never went there.
 */
export async function initiate(ctx: RequestContext, match: Extract<RouteMatch, { route: 'initiate' | 'initiate-multipart' }>, services: Services): Promise<void> {
	const body = await ctx.readJson();
	if (!body.ok || typeof body.value !== 'object' || body.value === null) {
		return ctx.json(422, { detail: [{ loc: ['body'], msg: 'Expected a JSON object {content_type, file_name}', type: 'model_attributes_type' }] });
	}
	const { content_type: contentType, file_name: fileName } = body.value as Record<string, unknown>;
	if (typeof fileName !== 'string' || fileName === '') {
		return ctx.json(422, { detail: [{ loc: ['body', 'file_name'], msg: 'Field required', type: 'missing' }] });
	}
	const type = typeof contentType === 'string' && contentType !== '' ? contentType : 'application/octet-stream';
	ctx.json(200, services.store.initiate(fileName, type, match.route === 'initiate-multipart'));
}

export async function upload(ctx: RequestContext, match: Extract<RouteMatch, { route: 'upload' }>, services: Services): Promise<void> {
	const pending = findUpload(ctx, match.token, services);
	if (!pending) return;
	if (pending.multipart) return ctx.json(400, { detail: 'This upload URL expects numbered parts' });
	const record = await services.store.receiveWhole(pending, ctx.req);
	ctx.entry.bodyBytes = record.bytes;
	ctx.writeHead(200, { 'content-length': 0 });
	ctx.res.end();
}

export async function uploadPart(ctx: RequestContext, match: Extract<RouteMatch, { route: 'upload-part' }>, services: Services): Promise<void> {
	const pending = findUpload(ctx, match.token, services);
	if (!pending) return;
	if (!pending.multipart) return ctx.json(400, { detail: 'This upload URL expects a single PUT' });
	const part = await services.store.receivePart(pending, match.partNumber, ctx.req);
	ctx.entry.bodyBytes = part.bytes;
	ctx.json(200, { partNumber: part.partNumber, etag: part.etag });
}

export async function uploadComplete(ctx: RequestContext, match: Extract<RouteMatch, { route: 'upload-complete' }>, services: Services): Promise<void> {
	const pending = findUpload(ctx, match.token, services);
	if (!pending) return;
	const body = await ctx.readJson();
	const parts = body.ok ? (body.value as { parts?: unknown } | undefined)?.parts : undefined;
	const completed = await services.store.complete(pending, parts);
	if (!completed.ok) return ctx.json(400, { detail: completed.detail });
	ctx.json(200, { file_url: completed.fileUrl });
}

function findUpload(ctx: RequestContext, token: string, services: Services) {
	const found = services.store.find(token, ctx.url.searchParams.get('signature'));
	if (found === 'bad-signature') ctx.json(403, { detail: 'Invalid or missing upload signature' });
	else if (found === 'unknown') ctx.json(404, { detail: 'Unknown upload' });
	else return found;
	return undefined;
}
