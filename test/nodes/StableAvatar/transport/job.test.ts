/**
 * One job's bounds: Timeout counts rendering from the moment the job is seen IN_PROGRESS; Max Queue
 * Wait bounds its time in fal's queue and cancels it there (free); a cancel at the deadline that fal
 * answers ALREADY_COMPLETED fetches the finished, paid-for video. Counted on the emulator.
 */
import { errorOf, outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();
afterEach(() => Object.assign(ctx.fal.options, { queueMs: 0, concurrency: Infinity }));

const onlyJob = () => [...ctx.fal.jobs.values()][0];
const cancels = () => ctx.fal.log.filter((entry) => entry.route === 'cancel');

test('Timeout counts rendering only: a job queued longer than the timeout, rendering less, gets its video', async () => {
	Object.assign(ctx.fal.options, { queueMs: 1_500, runMs: 800 });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs({ advancedOptions: { timeoutMinutes: 0.02 } })));

	expect(run.status).toBe('success');
	const [item] = outputOf(run, AVATAR_NODE);
	expect(item.binary?.data).toBeDefined();
	const timings = item.json.timings as Record<string, number>;
	// The emulator kept the job queued for at least 1.5 s; the node saw that as queue time, not render time.
	expect(timings.queuedSeconds).toBeGreaterThanOrEqual(1.4);
	expect(timings.queuedSeconds + timings.renderSeconds).toBeCloseTo(timings.waitSeconds, 1);
	expect(cancels()).toEqual([]);
});

test('Max Queue Wait cancels a job still queued (free), and no render timeout applies while it is queued', async () => {
	ctx.fal.options.concurrency = 0;
	const run = await ctx.run(
		avatarWorkflow([{}], urlInputs({ advancedOptions: { maxQueueWaitMinutes: 0.03, timeoutMinutes: 0.01 } })),
	);

	const job = onlyJob();
	const error = errorOf(run, AVATAR_NODE);
	expect(error?.message).toMatch(new RegExp(`^The fal job ${job.requestId} waited \\d+ s in fal's queue without starting \\(last status: IN_QUEUE\\)$`));
	expect(error?.description).toContain("cancelled while still in fal's queue, so nothing was billed");
	expect(job).toMatchObject({ cancelled: true, cancelledWhile: 'IN_QUEUE' });
	expect(cancels().map((entry) => entry.status)).toEqual([202]);
});

test('Max Queue Wait cancels even with On Timeout = Return the Request ID: a queued job costs nothing to drop', async () => {
	ctx.fal.options.concurrency = 0;
	const run = await ctx.run(
		avatarWorkflow([{}], urlInputs({ advancedOptions: { maxQueueWaitMinutes: 0.01, onTimeout: 'returnRequestId' } }), {
			onError: 'continueRegularOutput',
		}),
	);
	expect(outputOf(run, AVATAR_NODE)[0].json).toMatchObject({ requestId: onlyJob().requestId, error: expect.stringContaining("in fal's queue") });
	expect(onlyJob().cancelledWhile).toBe('IN_QUEUE');
});

test('a cancel at the deadline that fal answers ALREADY_COMPLETED fetches the finished video', async () => {
	ctx.fal.options.runMs = 2_500;
	// The cancel reaches fal only after the job has finished.
	ctx.fal.addFault({ route: 'cancel', fault: { kind: 'delay', ms: 2_500 } });
	const run = await ctx.run(avatarWorkflow([{}], urlInputs({ advancedOptions: { timeoutMinutes: 0.02 } })));

	expect(run.status).toBe('success');
	const [item] = outputOf(run, AVATAR_NODE);
	expect(item.json.requestId).toBe(onlyJob().requestId);
	expect(item.binary?.data).toBeDefined();
	expect(cancels().map((entry) => entry.status)).toEqual([400]);
	expect(ctx.fal.submits()).toBe(1);
});
