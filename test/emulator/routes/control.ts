import type { RequestContext } from '../http';
import type { Services } from '../services';
import type { FaultRule, JobRecord, RedeliveryVariant } from '../types';

const REDELIVERY_VARIANTS: RedeliveryVariant[] = ['again', 'forged', 'stale', 'unsigned'];

/**
 * Control routes for out-of-process users (CLI runs, n8n end-to-end runs). No key, not logged.
 *   GET /__emulator/jobs · GET /__emulator/log · GET /__emulator/uploads · GET /__emulator/webhooks
 *   POST /__emulator/faults (FaultRule) · DELETE /__emulator/faults · POST /__emulator/reset
 *   GET /__emulator/video-sha256/{requestId} · GET /__emulator/connections ({open, peak} since the last reset)
 *   POST /__emulator/webhook-key/rotate   sign webhooks with a new key; the old one leaves the JWKS → {kid}
 *   POST /__emulator/redeliver/{requestId}?variant=again|forged|stale|unsigned
 *        sends a finished job's webhook delivery once more → {requestId, variant, status} (the receiver's status)
 */
export async function control(ctx: RequestContext, segments: string[], services: Services): Promise<void> {
	const method = ctx.req.method;
	const [resource, id] = segments;
	if (method === 'GET' && resource === 'jobs') return ctx.json(200, [...services.queue.jobs.values()].map(summarizeJob));
	if (method === 'GET' && resource === 'log') return ctx.json(200, services.log);
	if (method === 'GET' && resource === 'uploads') return ctx.json(200, Object.fromEntries(services.store.uploads));
	if (method === 'GET' && resource === 'connections') return ctx.json(200, services.connections());
	if (method === 'GET' && resource === 'webhooks') return ctx.json(200, services.webhookDeliveries);
	if (method === 'GET' && resource === 'video-sha256' && id) {
		const sha256 = services.videoSha256(id);
		return sha256 ? ctx.json(200, { requestId: id, sha256 }) : ctx.json(404, { detail: `Request ${id} not found` });
	}
	if (resource === 'faults' && method === 'POST') return addFault(ctx, services);
	if (method === 'POST' && resource === 'webhook-key' && id === 'rotate') {
		services.signer.rotate();
		return ctx.json(200, { kid: (services.signer.jwks().keys[0] as { kid: string }).kid });
	}
	if (method === 'POST' && resource === 'redeliver' && id) return redeliver(ctx, id, services);
	if (resource === 'faults' && method === 'DELETE') {
		services.faults.clear();
		return ctx.json(200, { ok: true });
	}
	if (resource === 'reset' && method === 'POST') {
		services.reset();
		return ctx.json(200, { ok: true });
	}
	ctx.json(404, { detail: 'Unknown control route' });
}

async function redeliver(ctx: RequestContext, requestId: string, services: Services): Promise<void> {
	const variant = (ctx.url.searchParams.get('variant') ?? 'again') as RedeliveryVariant;
	if (!REDELIVERY_VARIANTS.includes(variant)) {
		return ctx.json(422, { detail: `variant must be one of ${REDELIVERY_VARIANTS.join(', ')}` });
	}
	const status = await services.webhooks.redeliver(requestId, variant);
	if (status === undefined) return ctx.json(404, { detail: `No webhook delivery for request ${requestId}` });
	ctx.json(200, { requestId, variant, status });
}

async function addFault(ctx: RequestContext, services: Services): Promise<void> {
	const body = await ctx.readJson();
	const rule = body.ok ? (body.value as FaultRule | undefined) : undefined;
	if (!rule || typeof rule.route !== 'string' || typeof rule.fault?.kind !== 'string') {
		return ctx.json(422, { detail: 'Expected a FaultRule {route, fault: {kind, …}, probability?, times?, requestId?}' });
	}
	services.faults.add(rule);
	ctx.json(201, { ok: true });
}

const MAX_INPUT_TEXT = 200;

/** Job records without large fields: long input strings (e.g. data URIs) are cut. */
function summarizeJob(record: JobRecord): JobRecord {
	const input = Object.fromEntries(
		Object.entries(record.input).map(([key, value]) => [
			key,
			typeof value === 'string' && value.length > MAX_INPUT_TEXT ? `${value.slice(0, MAX_INPUT_TEXT)}…` : value,
		]),
	);
	return { ...record, input };
}
