/**
 * A submit is the one request that costs money: it is retried only when the failed attempt surely
 * created no job, so no item ever starts two jobs. Counted on the emulator.
 */
import { createServer } from 'node:net';

import { errorOf, outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();

test.each([
	['429 Too Many Requests', { kind: 'status', status: 429, body: { detail: 'Rate limited' } }],
	['503 from the gateway', { kind: 'status', status: 503, body: { detail: 'Service unavailable' } }],
] as const)('after a %s the submit is retried and exactly one job is created', async (_name, fault) => {
	ctx.fal.addFault({ route: 'submit', fault, times: 2 });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	expect(ctx.fal.log.filter((entry) => entry.route === 'submit')).toHaveLength(3);
	expect(ctx.fal.submits()).toBe(1);
}, 20_000);

test.each([
	['the connection is reset after fal accepted the job', { kind: 'reset-after-accept' }, 1],
	['the connection is reset before an answer', { kind: 'reset' }, 0],
	['a 502 from the gateway', { kind: 'status', status: 502 }, 0],
	['a 504 from the gateway', { kind: 'status', status: 504 }, 0],
] as const)('when %s, the submit is not retried: at most one job, and the error says to check', async (_name, fault, jobs) => {
	ctx.fal.addFault({ route: 'submit', fault, times: 1 });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('error');
	expect(ctx.fal.log.filter((entry) => entry.route === 'submit')).toHaveLength(1);
	expect(ctx.fal.submits()).toBe(jobs);
	expect(errorOf(run, AVATAR_NODE)?.description).toContain('The job may have been created on fal anyway');
});

test('a batch under submit faults creates one job per successful item and never two', async () => {
	ctx.fal.addFault({ route: 'submit', fault: { kind: 'status', status: 503 }, probability: 0.3 });
	ctx.fal.addFault({ route: 'submit', fault: { kind: 'reset-after-accept' }, probability: 0.1 });
	const items = Array.from({ length: 12 }, (_, n) => ({ json: { n } }));
	const run = await ctx.run(
		avatarWorkflow(items, urlInputs({ prompt: '={{ "item " + $json.n }}', advancedOptions: { maxConcurrentJobs: 12 } }), {
			onError: 'continueRegularOutput',
		}),
	);
	const output = outputOf(run, AVATAR_NODE);
	const jobsPerPrompt = new Map<string, number>();
	for (const job of ctx.fal.jobs.values()) jobsPerPrompt.set(String(job.input.prompt), (jobsPerPrompt.get(String(job.input.prompt)) ?? 0) + 1);
	expect(Math.max(...jobsPerPrompt.values())).toBe(1);
	output.forEach((item, n) => {
		if (item.json.error === undefined) expect(jobsPerPrompt.get(`item ${n}`)).toBe(1);
	});
	expect(output.filter((item) => item.json.error === undefined).length).toBeGreaterThan(0);
}, 60_000);

test('a refused connection is retried a bounded number of times, then named', async () => {
	const port = await closedPort();
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()), { baseUrl: `http://127.0.0.1:${port}` });
	const error = errorOf(run, AVATAR_NODE);
	expect(error?.message).toBe(`Could not reach 127.0.0.1:${port}: connection refused`);
	expect(error?.description).toContain('Base URL');
}, 30_000);

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}

describe('a stop while the submit is on its way', () => {
	afterEach(() => {
		ctx.fal.options.concurrency = Infinity;
	});

	test.each([
		['still queued: fal removes it', 0, 'IN_QUEUE'],
		['already running: fal signals it', Infinity, 'RUNNING'],
	] as const)('the submit is not abandoned: the job that arrives after the stop is cancelled (%s)', async (_name, concurrency, cancelledWhile) => {
		ctx.fal.options.concurrency = concurrency;
		ctx.fal.addFault({ route: 'submit', fault: { kind: 'delay-after-accept', ms: 800 } });
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'stopped while submitting [emulator:never]' })));
		await ctx.fal.waitFor(() => ctx.fal.submits() === 1);
		handle.stop();
		expect((await handle.done).status).toBe('canceled');

		await ctx.fal.waitFor(() => ctx.fal.log.some((entry) => entry.route === 'cancel'));
		const [job] = ctx.fal.jobs.values();
		expect(job).toMatchObject({ cancelled: true, cancelledWhile });
		const cancels = ctx.fal.log.filter((entry) => entry.route === 'cancel');
		expect(cancels.map((entry) => [entry.requestId, entry.status])).toEqual([[job.requestId, 202]]);
		expect(ctx.fal.submits()).toBe(1);
		expect(ctx.fal.log.filter((entry) => entry.route === 'submit')).toHaveLength(1);
	});
});
