import { keyOf, userIdOfKey } from '../accounts';
import type { RequestContext } from '../http';
import type { JobRuntime } from '../queue';
import { jobUrls, resultAnswer, statusAnswer } from '../responses';
import type { RouteMatch } from '../router';
import type { Services } from '../services';
import type { Fault } from '../types';
import { validateStableAvatarInput } from '../validation';
import { isLoopbackHttpUrl } from '../webhooks';

type JobMatch = Extract<RouteMatch, { requestId: string }>;

/**
 * Submit. Every endpoint id is treated as stable-avatar (the model can be deployed under other ids), and
 * input is validated at submit, so a bad input answers 422 and creates no job.
 */
export async function submit(ctx: RequestContext, match: Extract<RouteMatch, { route: 'submit' }>, services: Services, fault?: Fault): Promise<void> {
	const body = await ctx.readJson();
	if (!body.ok) {
		if (body.reason === 'too-large') return ctx.json(413, { detail: 'Request body too large' });
		return ctx.json(422, { detail: [{ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }] });
	}
	const errors = validateStableAvatarInput(body.value);
	if (errors.length > 0) return ctx.json(422, { detail: errors });

	const webhookUrl = ctx.url.searchParams.get('fal_webhook') ?? undefined;
	if (webhookUrl !== undefined && !isLoopbackHttpUrl(webhookUrl)) {
		return ctx.json(400, { detail: 'The fal emulator only delivers webhooks to loopback http URLs' });
	}
	const job = services.queue.create({
		endpointId: match.endpointId,
		app: match.app,
		input: body.value as Record<string, unknown>,
		headers: headersWithoutKey(ctx),
		webhookUrl,
		userId: callerUserId(ctx, services),
	});
	ctx.entry.requestId = job.record.requestId;
	if (fault?.kind === 'reset-after-accept') return ctx.reset();
	if (fault?.kind === 'delay-after-accept' && !(await answerStillWanted(ctx, fault.ms))) return;

	const requestId = job.record.requestId;
	ctx.json(
		200,
		{
			status: 'IN_QUEUE',
			request_id: requestId,
			...jobUrls(services.origin, job),
			queue_position: services.queue.queuePosition(requestId),
			...(job.gatewayRequestId ? { gateway_request_id: job.gatewayRequestId } : {}),
		},
		{ 'x-fal-request-id': requestId },
	);
}

export function status(ctx: RequestContext, match: JobMatch, services: Services): void {
	const job = findJob(ctx, match, services);
	if (!job) return;
	const withLogs = ctx.url.searchParams.get('logs') === '1';
	const answer = statusAnswer(services.origin, job, services.queue.queuePosition(job.record.requestId), withLogs);
	ctx.json(answer.status, answer.body, { 'x-fal-request-id': job.record.requestId });
}

export function result(ctx: RequestContext, match: JobMatch, services: Services): void {
	const job = findJob(ctx, match, services);
	if (!job) return;
	if (job.record.status === 'COMPLETED') job.record.firstResultFetchAt ??= Date.now();
	const answer = resultAnswer(services.origin, job, services.options.resultTtlMs);
	ctx.json(answer.status, answer.body, answer.headers);
}

export function cancel(ctx: RequestContext, match: JobMatch, services: Services): void {
	const outcome = findJob(ctx, match, services, 'quiet') ? services.queue.cancel(match.requestId) : 'not-found';
	if (outcome === 'not-found') return ctx.json(404, { status: 'NOT_FOUND' });
	if (outcome === 'already-completed') return ctx.json(400, { status: 'ALREADY_COMPLETED' });
	ctx.json(202, { status: 'CANCELLATION_REQUESTED' });
}

/** Waits `ms`; false when the client left meanwhile (the job exists all the same). */
function answerStillWanted(ctx: RequestContext, ms: number): Promise<boolean> {
	return new Promise((resolve) => {
		// Before an answer, the response closes only when the client goes away (the request body is read by now).
		const left = () => {
			clearTimeout(timer);
			resolve(false);
		};
		const timer = setTimeout(() => {
			ctx.res.off('close', left);
			resolve(!ctx.res.destroyed);
		}, ms);
		timer.unref();
		ctx.res.once('close', left);
	});
}

/**
 * The job, if it exists under this owner/alias and belongs to the caller's account; otherwise
 * answers 404 (unless told to stay quiet): another account's job is unknown to the caller.
 */
export function findJob(ctx: RequestContext, match: JobMatch, services: Services, mode: 'answer' | 'quiet' = 'answer'): JobRuntime | undefined {
	const job = services.queue.get(match.requestId);
	if (job && job.app === match.app && job.record.userId === callerUserId(ctx, services)) return job;
	if (mode === 'answer') ctx.json(404, { detail: `Request ${match.requestId} not found` });
	return undefined;
}

function callerUserId(ctx: RequestContext, services: Services): string {
	return userIdOfKey(keyOf(ctx.header('authorization')) ?? '', services.options.apiKeys);
}

function headersWithoutKey(ctx: RequestContext): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(ctx.req.headers)) {
		if (name !== 'authorization' && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
	}
	return headers;
}
