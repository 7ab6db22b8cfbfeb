import type { RequestContext } from '../http';
import type { Services } from '../services';
import type { FaultRule, JobRecord } from '../types';

/**
 * Control routes for out-of-process users (CLI runs, n8n end-to-end runs). No key, not logged.
 *   GET /__emulator/jobs · GET /__emulator/log · GET /__emulator/uploads · GET /__emulator/webhooks
 *   POST /__emulator/faults (FaultRule) · DELETE /__emulator/faults · POST /__emulator/reset
 *   GET /__emulator/video-sha256/{requestId} · GET /__emulator/connections ({open, peak} since the last reset)
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
