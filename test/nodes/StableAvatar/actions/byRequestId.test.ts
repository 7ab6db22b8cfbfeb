/** Get Status, Get Result and Cancel: looking after jobs started earlier, by request id. */
import { errorOf, outputOf } from '../../../harness/engine';
import { binaryBytes, sha256, useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator({ runMs: 100 });

/** Starts a job straight on the emulator, as an earlier workflow's Submit would have. */
async function submitted(prompt = 'hello', runMs?: number): Promise<string> {
	if (runMs !== undefined) ctx.fal.options.runMs = runMs;
	const run = await ctx.run(avatarWorkflow([{}], urlInputs({ operation: 'submit', prompt })));
	ctx.fal.log.length = 0;
	return outputOf(run, AVATAR_NODE)[0].json.requestId as string;
}

async function finished(requestId: string): Promise<void> {
	await ctx.fal.waitFor(() => ctx.fal.jobs.get(requestId)?.status === 'COMPLETED');
}

const byId = (operation: string, requestId: string, extra = {}) => avatarWorkflow([{ json: { requestId } }], { operation, requestId: '={{ $json.requestId }}', ...extra });

describe('Get Status', () => {
	test('reports a running job with its logs, each log line once', async () => {
		const requestId = await submitted('slow', 5_000);
		await ctx.fal.waitFor(() => ctx.fal.jobs.get(requestId)?.status === 'IN_PROGRESS');
		await new Promise((resolve) => setTimeout(resolve, 1_200));
		const run = await ctx.run(byId('getStatus', requestId));
		const { json } = outputOf(run, AVATAR_NODE)[0];
		expect(json).toMatchObject({ requestId, status: 'IN_PROGRESS' });
		const logs = json.logs as Array<{ message: string; timestamp: string }>;
		expect(logs.length).toBeGreaterThan(0);
		expect(new Set(logs.map((log) => `${log.timestamp}${log.message}`)).size).toBe(logs.length);
	});

	test('reports a finished job as COMPLETED with its inference time', async () => {
		const requestId = await submitted();
		await finished(requestId);
		const run = await ctx.run(byId('getStatus', requestId, { includeLogs: false }));
		expect(outputOf(run, AVATAR_NODE)[0].json).toMatchObject({ status: 'COMPLETED', timings: { inferenceSeconds: expect.any(Number) } });
		expect(outputOf(run, AVATAR_NODE)[0].json.logs).toBeUndefined();
	});

	test('an unknown request id reads like an input error: item, field, value, what to do', async () => {
		const run = await ctx.run(byId('getStatus', 'no-such-request'));
		const error = errorOf(run, AVATAR_NODE);
		expect(error?.message).toBe('Item 0: Request ID "no-such-request" is not a job fal knows (404)');
		expect(error?.description).toMatch(/^Get Status asks fal for the job with this Request ID\. Use the requestId that Submit or Generate output/);
		expect(error?.description).not.toContain(error!.message);
	});
});

describe('Get Result', () => {
	test('emits a finished job exactly as Generate does, video included', async () => {
		const requestId = await submitted();
		await finished(requestId);
		const run = await ctx.run(byId('getResult', requestId));
		const [item] = outputOf(run, AVATAR_NODE);
		expect(item.json).toMatchObject({ requestId, endpoint: 'fal-ai/stable-avatar', video: { contentType: 'video/mp4' } });
		expect(sha256(await binaryBytes(item.binary!.data))).toBe(ctx.fal.videoSha256(requestId));
	});

	test('an unknown request id names the item, the id and where a good one comes from', async () => {
		const run = await ctx.run(byId('getResult', 'no-such-request'));
		const error = errorOf(run, AVATAR_NODE);
		expect(error?.message).toBe('Item 0: Request ID "no-such-request" is not a job fal knows (404)');
		expect(error?.description).toMatch(/^Get Result asks fal for the job/);
	});

	test('a job that is not finished is a clear error, not an empty result', async () => {
		const requestId = await submitted('slow', 60_000);
		const run = await ctx.run(byId('getResult', requestId));
		expect(errorOf(run, AVATAR_NODE)?.message).toMatch(new RegExp(`^The fal job ${requestId} is not finished yet \\((IN_QUEUE|IN_PROGRESS)`));
		expect(ctx.fal.log.some((entry) => entry.route === 'result')).toBe(false);
	});

	test('a failed job gives fal\'s error with the request id', async () => {
		const requestId = await submitted('x [emulator:422 image_url]');
		await finished(requestId);
		const run = await ctx.run(byId('getResult', requestId));
		const error = errorOf(run, AVATAR_NODE);
		expect(error?.message).toMatch(/^fal rejected the input: image_url/);
		expect(error?.description).toContain(requestId);
	});

	test('an expired result says so', async () => {
		const requestId = await submitted();
		await finished(requestId);
		ctx.fal.options.resultTtlMs = 0;
		const run = await ctx.run(byId('getResult', requestId));
		expect(errorOf(run, AVATAR_NODE)?.message).toBe(`Item 0: the result of job ${requestId} is no longer on fal (404)`);
		expect(errorOf(run, AVATAR_NODE)?.description).toContain('1 hour');
	});
});

describe('Cancel', () => {
	test('a running job is only signalled: the output says it may still finish and bill', async () => {
		const requestId = await submitted('long', 60_000);
		await ctx.fal.waitFor(() => ctx.fal.jobs.get(requestId)?.status === 'IN_PROGRESS');
		const run = await ctx.run(byId('cancel', requestId));
		const { json } = outputOf(run, AVATAR_NODE)[0];
		expect(json).toMatchObject({ requestId, endpoint: 'fal-ai/stable-avatar', outcome: 'cancellationRequested', jobWas: 'running' });
		expect(json.note).toMatch(/signalled it to stop, but it may still finish and be billed/);
		expect(ctx.fal.jobs.get(requestId)).toMatchObject({ cancelled: true, cancelledWhile: 'RUNNING' });
	});

	test('a queued job is removed: the output says it will not run and is not billed', async () => {
		ctx.fal.options.queueMs = 60_000;
		const requestId = await submitted('queued');
		const run = await ctx.run(byId('cancel', requestId)).finally(() => (ctx.fal.options.queueMs = 0));
		const { json } = outputOf(run, AVATAR_NODE)[0];
		expect(json).toMatchObject({ requestId, outcome: 'cancellationRequested', jobWas: 'queued' });
		expect(json.note).toMatch(/still queued: fal removed it\. It will not run and is not billed/);
		expect(ctx.fal.jobs.get(requestId)).toMatchObject({ cancelled: true, cancelledWhile: 'IN_QUEUE' });
	});

	test('says when the job had already completed', async () => {
		const requestId = await submitted();
		await finished(requestId);
		const run = await ctx.run(byId('cancel', requestId));
		expect(outputOf(run, AVATAR_NODE)[0].json).toMatchObject({ outcome: 'alreadyCompleted', jobWas: 'finished', note: expect.stringMatching(/nothing was cancelled/) });
	});

	test('says when fal does not know the job', async () => {
		const run = await ctx.run(byId('cancel', 'no-such-request'));
		expect(outputOf(run, AVATAR_NODE)[0].json.outcome).toBe('notFound');
	});

	test('rejects a request id that cannot be one before calling fal', async () => {
		const run = await ctx.run(byId('cancel', '../../etc/passwd'));
		expect(errorOf(run, AVATAR_NODE)?.message).toMatch(/^Item 0: Request ID is not a fal request ID/);
		expect(ctx.fal.log).toEqual([]);
	});
});
