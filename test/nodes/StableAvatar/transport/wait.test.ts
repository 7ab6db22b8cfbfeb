/** Waiting follows the status stream, and falls back to polling when the stream lets it down. */
import type { Fault } from '../../../emulator';
import { outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator({ runMs: 1_500 });

const routes = () => ctx.fal.log.map((entry) => entry.route);

test('a healthy stream notices completion with a single status request', async () => {
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	expect(routes().filter((route) => route === 'stream' || route === 'status')).toEqual(['stream']);
});

test('a stream that ends without COMPLETED hands over to polling, and the job still finishes', async () => {
	ctx.fal.addFault({ route: 'stream', fault: { kind: 'end-early' } });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	expect(routes()).toContain('status');
	expect(outputOf(run, AVATAR_NODE)[0].binary?.data).toBeDefined();
});

test('a stream that fails outright hands over to polling', async () => {
	ctx.fal.addFault({ route: 'stream', fault: { kind: 'status', status: 503 } });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	expect(routes()).toContain('status');
});

test('a stream that stalls silently is caught by the safety poll', async () => {
	ctx.fal.addFault({ route: 'stream', fault: { kind: 'stall' } });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
	expect(run.status).toBe('success');
	expect(routes().filter((route) => route === 'status').length).toBeGreaterThanOrEqual(1);
}, 20_000);

test('an unknown status is treated as still running until the job completes', async () => {
	const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'talk [emulator:status=PAUSED]' })));
	expect(run.status).toBe('success');
});

/**
 * Issue 20: a failed status poll is no verdict on the job (fal tells a failed job by COMPLETED with an
 * error, and at the result fetch). Six polls in a row fail (more than one poll's own retries): a 503
 * with fal's `error_type`, as fal's gateway sends when it cannot schedule, a bare 500, a reset. The
 * wait tries again within its own bounds, and the job is delivered.
 */
describe('Status polls that fail', () => {
	const sixFailedPolls = (requestId: string) => {
		const faults: Fault[] = [
			{
				kind: 'status',
				status: 503,
				body: { detail: 'Injected 503', error_type: 'runner_scheduling_failure' },
				headers: { 'x-fal-error-type': 'runner_scheduling_failure' },
			},
			{ kind: 'status', status: 500, body: { detail: 'Internal Server Error' } },
			{ kind: 'reset' },
		];
		for (const fault of faults) ctx.fal.addFault({ route: 'status', requestId, fault, times: 2 });
	};
	const failedPolls = (requestId: string) =>
		ctx.fal.log.filter((entry) => entry.route === 'status' && entry.requestId === requestId && entry.fault !== undefined);

	test('while the job is queued far back: it is polled on, and delivered', async () => {
		ctx.fal.options.concurrency = 0;
		// The third job waits behind two others (queue position 2): it is polled, not followed.
		ctx.fal.options.outcome = (input, requestId) => {
			if (String(input.prompt).includes('third')) sixFailedPolls(requestId);
			return undefined;
		};
		const items = ['first', 'second', 'third'].map((n) => ({ json: { n } }));
		const handle = ctx.start(avatarWorkflow(items, urlInputs({ prompt: '={{ $json.n + " in line" }}' })));
		const third = () => [...ctx.fal.jobs.values()].find((job) => String(job.input.prompt).startsWith('third'));
		await ctx.fal.waitFor(() => third() !== undefined && failedPolls(third()!.requestId).length === 6, 30_000);
		expect(third()!.status).toBe('IN_QUEUE');
		ctx.fal.options.concurrency = Infinity;
		const run = await handle.done;
		expect(run.status).toBe('success');
		expect(outputOf(run, AVATAR_NODE).map((item) => item.json.requestId)).toContain(third()!.requestId);
		expect(outputOf(run, AVATAR_NODE).every((item) => item.binary?.data !== undefined)).toBe(true);
	}, 60_000);

	test('while the job runs, with the status stream down: it is polled on, and delivered', async () => {
		ctx.fal.addFault({ route: 'stream', fault: { kind: 'status', status: 503, body: { detail: 'Injected 503', error_type: 'runner_scheduling_failure' } } });
		ctx.fal.options.outcome = (_input, requestId) => {
			sixFailedPolls(requestId);
			return undefined;
		};
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'polled while running [emulator:run=15000]' })));
		const job = () => [...ctx.fal.jobs.values()][0];
		await ctx.fal.waitFor(() => job() !== undefined && failedPolls(job().requestId).length === 6, 30_000);
		expect(job().status).toBe('IN_PROGRESS');
		const run = await handle.done;
		expect(run.status).toBe('success');
		expect(outputOf(run, AVATAR_NODE)[0].binary?.data).toBeDefined();
	}, 60_000);
});
