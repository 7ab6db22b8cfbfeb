/**
 * Issue 6, case 5: stopping a run and timing out. Both cancel the job on fal (a queued job is then
 * removed; a running one only gets fal's signal and may run, and bill, to its end, as the emulator models),
 * and neither leaves a timer or a socket behind: every timer and socket the run created (the node's,
 * n8n's, and the emulator's end of each connection) is gone after a short settle, and the process's
 * open sockets are back to what they were. (That jest exits without --forceExit is checked by running
 * `npx jest test/reliability`: no "did not exit" warning.)
 *
 * The last block runs on a host shaped like n8n 1.x (and 2.0–2.33), whose `sleep(ms, signal)` from
 * n8n-workflow ignores the signal: that is n8n's code, so it is mocked here (and only it).
 */
import type { IDataObject } from 'n8n-workflow';

/** Whether n8n-workflow's `sleep` behaves as in n8n 1.x: `async (ms) => new Promise((r) => setTimeout(r, ms))`, signal ignored. */
const mockHost = { sleepIgnoresSignal: false };
jest.mock('n8n-workflow', () => {
	const actual = jest.requireActual<typeof import('n8n-workflow')>('n8n-workflow');
	return {
		__esModule: true,
		...actual,
		sleep: async (ms: number, signal?: AbortSignal) =>
			mockHost.sleepIgnoresSignal ? await new Promise<void>((resolve) => setTimeout(resolve, ms)) : await actual.sleep(ms, signal),
	};
});

import { errorOf, outputOf } from '../harness/engine';
import { TEST_API_KEY } from '../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../harness/workflows';
import { activeResources, trackResources, useReliability, waitUntil } from './support';

const ctx = useReliability({ runMs: 100 });

let tracker: ReturnType<typeof trackResources>;
let socketsBefore: number;

beforeEach(async () => {
	// One run first, so that what n8n and Node create once per process exists before counting.
	await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'warm-up' })));
	await waitUntil(() => (activeResources().TCPSocketWrap ?? 0) === 0);
	ctx.fal.reset();
	socketsBefore = activeResources().TCPSocketWrap ?? 0;
	tracker = trackResources();
});
afterEach(() => tracker.stop());

const jobs = () => [...ctx.fal.jobs.values()];
const routeLog = (route: string) => ctx.fal.log.filter((entry) => entry.route === route);

/** After a short settle, nothing the run created is still open. */
async function expectNothingLeftBehind() {
	await waitUntil(() => tracker.leftOver().length === 0, 3_000);
	expect(tracker.leftOver()).toEqual([]);
	expect(activeResources().TCPSocketWrap ?? 0).toBe(socketsBefore);
}

/** The job was cancelled on fal, by one keyed cancel request that fal took. */
async function expectCancelled(requestId: string) {
	await ctx.fal.waitFor(() => ctx.fal.jobs.get(requestId)?.cancelled === true);
	const cancels = routeLog('cancel').filter((entry) => entry.requestId === requestId);
	expect(cancels.map((entry) => entry.status)).toEqual([202]);
	expect(cancels[0].authorization).toBe(`Key ${TEST_API_KEY}`);
}

describe('Stopping the workflow', () => {
	test('mid-wait, with the status stream open: the run ends at once, the job is cancelled, nothing is left open', async () => {
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'stop me [emulator:never]' })));
		await ctx.fal.waitFor(() => jobs()[0]?.status === 'IN_PROGRESS' && routeLog('stream').length === 1);
		const stoppedAt = Date.now();
		handle.stop();
		const run = await handle.done;
		expect(run.status).toBe('canceled');
		expect(Date.now() - stoppedAt).toBeLessThan(2_000);
		await expectCancelled(jobs()[0].requestId);
		await expectNothingLeftBehind();
	});

	test('mid-wait, while polling backs off because the stream is down', async () => {
		ctx.fal.addFault({ route: 'stream', fault: { kind: 'status', status: 503 } });
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'stop me while polling [emulator:never]' })));
		await ctx.fal.waitFor(() => routeLog('status').length >= 2);
		handle.stop();
		expect((await handle.done).status).toBe('canceled');
		await expectCancelled(jobs()[0].requestId);
		const polls = routeLog('status').length;
		await expectNothingLeftBehind();
		// The poll loop is over: no status request after the stop.
		expect(routeLog('status')).toHaveLength(polls);
	});

	test('a whole batch mid-wait: every job is cancelled', async () => {
		const items = Array.from({ length: 5 }, (_, n) => ({ json: { n } }));
		const handle = ctx.start(avatarWorkflow(items, urlInputs({ prompt: '={{ "batch " + $json.n + " [emulator:never]" }}' })));
		await ctx.fal.waitFor(() => jobs().length === 5 && jobs().every((job) => job.status === 'IN_PROGRESS') && routeLog('stream').length === 5);
		handle.stop();
		expect((await handle.done).status).toBe('canceled');
		for (const job of jobs()) await expectCancelled(job.requestId);
		await expectNothingLeftBehind();
	});

	test('while fal is slow to answer the submit: the answer is awaited, the job is cancelled, nothing is left open', async () => {
		ctx.fal.addFault({ route: 'submit', fault: { kind: 'delay-after-accept', ms: 800 } });
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'stop me mid-submit [emulator:never]' })));
		await ctx.fal.waitFor(() => ctx.fal.submits() === 1);
		handle.stop();
		expect((await handle.done).status).toBe('canceled');
		await expectCancelled(jobs()[0].requestId);
		await expectNothingLeftBehind();
		expect(routeLog('submit')).toHaveLength(1);
	});

	test('during the backoff between submit retries: no job is created, and the backoff timer is gone', async () => {
		ctx.fal.addFault({ route: 'submit', fault: { kind: 'status', status: 429, body: { detail: 'Rate limited' } } });
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'stop me before submit' })));
		await ctx.fal.waitFor(() => routeLog('submit').length === 2);
		handle.stop();
		expect((await handle.done).status).toBe('canceled');
		await expectNothingLeftBehind();
		expect(routeLog('submit')).toHaveLength(2);
		expect(ctx.fal.submits()).toBe(0);
		expect(routeLog('cancel')).toEqual([]);
	});
});

describe('Timing out', () => {
	const timingOut = (prompt: string, advancedOptions: IDataObject = {}) =>
		avatarWorkflow([{}], urlInputs({ prompt, advancedOptions: { timeoutMinutes: 0.02, ...advancedOptions } }));

	test('cancels the job, says so with the request id, and closes the stalled status stream', async () => {
		// The stream stalls (open, silent): the timeout, not fal, must end it.
		ctx.fal.addFault({ route: 'stream', fault: { kind: 'stall' } });
		const run = await ctx.run(timingOut('time me out [emulator:never]'));
		const { requestId } = jobs()[0];
		expect(run.status).toBe('error');
		const error = errorOf(run, AVATAR_NODE);
		expect(error?.message).toBe(`The fal job ${requestId} did not finish within 1 s of rendering (last status: IN_PROGRESS)`);
		expect(error?.description).toContain('fal was asked to cancel it, but a job that is rendering may run on to its end and be billed');
		await expectCancelled(requestId);
		await expectNothingLeftBehind();
	});

	test('a cancel that meets a 503 is tried again, and the job is cancelled', async () => {
		ctx.fal.addFault({ route: 'cancel', fault: { kind: 'status', status: 503 }, times: 1 });
		const run = await ctx.run(timingOut('time me out, cancel hiccups [emulator:never]'));
		const { requestId } = jobs()[0];
		expect(errorOf(run, AVATAR_NODE)?.description).toContain('fal was asked to cancel it');
		expect(routeLog('cancel').map((entry) => entry.status)).toEqual([503, 202]);
		expect(ctx.fal.jobs.get(requestId)?.cancelled).toBe(true);
		await expectNothingLeftBehind();
	});

	test('with On Timeout = Return the Request ID, the job keeps running and nothing is left open', async () => {
		const run = await ctx.run(timingOut('time me out, keep running [emulator:never]', { onTimeout: 'returnRequestId' }));
		const { requestId } = jobs()[0];
		expect(run.status).toBe('success');
		expect(outputOf(run, AVATAR_NODE)[0].json).toMatchObject({ requestId, status: 'TIMED_OUT' });
		expect(ctx.fal.jobs.get(requestId)?.cancelled).toBe(false);
		expect(routeLog('cancel')).toEqual([]);
		await expectNothingLeftBehind();
	});
});

describe('On a host whose sleep ignores its signal (n8n 1.x, 2.0–2.33)', () => {
	beforeEach(() => {
		mockHost.sleepIgnoresSignal = true;
	});
	afterEach(() => {
		mockHost.sleepIgnoresSignal = false;
	});

	test('Generate returns the video once the job completed, and nothing is left open', async () => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'finish on 1.x' })));
		expect(run.status).toBe('success');
		expect(outputOf(run, AVATAR_NODE)[0].binary?.data).toBeDefined();
		await expectNothingLeftBehind();
	}, 20_000);

	test('with the status stream down, polling notices completion and Generate returns', async () => {
		ctx.fal.addFault({ route: 'stream', fault: { kind: 'status', status: 503 } });
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'poll on 1.x [emulator:run=1500]' })));
		expect(run.status).toBe('success');
		expect(routeLog('status').length).toBeGreaterThanOrEqual(1);
		await expectNothingLeftBehind();
	}, 20_000);

	test('a stop mid-wait cancels the job at once', async () => {
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'stop me on 1.x [emulator:never]' })));
		await ctx.fal.waitFor(() => jobs()[0]?.status === 'IN_PROGRESS' && routeLog('stream').length === 1);
		const stoppedAt = Date.now();
		handle.stop();
		expect((await handle.done).status).toBe('canceled');
		await expectCancelled(jobs()[0].requestId);
		expect(routeLog('cancel')[0].time - stoppedAt).toBeLessThan(2_000);
		await expectNothingLeftBehind();
	}, 20_000);

	test('a stop while polling backs off cancels the job at once, and no poll follows it', async () => {
		ctx.fal.addFault({ route: 'stream', fault: { kind: 'status', status: 503 } });
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'stop me while polling on 1.x [emulator:never]' })));
		await ctx.fal.waitFor(() => routeLog('status').length >= 2);
		const stoppedAt = Date.now();
		handle.stop();
		expect((await handle.done).status).toBe('canceled');
		await expectCancelled(jobs()[0].requestId);
		expect(routeLog('cancel')[0].time - stoppedAt).toBeLessThan(2_000);
		const polls = routeLog('status').length;
		await expectNothingLeftBehind();
		expect(routeLog('status')).toHaveLength(polls);
	}, 20_000);

	test('a stop during a retry backoff ends the backoff at once, however long fal asked to wait', async () => {
		const retryAfterSeconds = 8;
		ctx.fal.addFault({
			route: 'submit',
			fault: { kind: 'status', status: 429, body: { detail: 'Rate limited' }, headers: { 'retry-after': String(retryAfterSeconds) } },
		});
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'stop my backoff on 1.x' })));
		await ctx.fal.waitFor(() => routeLog('submit').length === 1);
		handle.stop();
		expect((await handle.done).status).toBe('canceled');
		// The backoff's timer is gone within the settle, long before the Retry-After would have run out.
		await expectNothingLeftBehind();
		expect(routeLog('submit')).toHaveLength(1);
		expect(ctx.fal.submits()).toBe(0);
	}, 20_000);

	test('a render timeout ends the wait and cancels the job', async () => {
		ctx.fal.addFault({ route: 'stream', fault: { kind: 'stall' } });
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'time me out on 1.x [emulator:never]', advancedOptions: { timeoutMinutes: 0.02 } })));
		const { requestId } = jobs()[0];
		expect(errorOf(run, AVATAR_NODE)?.message).toBe(`The fal job ${requestId} did not finish within 1 s of rendering (last status: IN_PROGRESS)`);
		await expectCancelled(requestId);
		await expectNothingLeftBehind();
	}, 20_000);
});
