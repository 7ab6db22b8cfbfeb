/**
 * n8n's Retry On Fail re-runs the whole node (n8n-core workflow-execute.js: when the node throws, and
 * with Continue On Fail when the first output item has `json.error`, up to Max Tries). An item whose
 * job exists must come back from the earlier try, not be submitted again; an item that failed before
 * any job existed runs again. Counted on the emulator.
 */
import { errorOf, outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();

const retrying = { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 };
const submitRequests = () => ctx.fal.log.filter((entry) => entry.route === 'submit');
const jobsFor = (prompt: string) => [...ctx.fal.jobs.values()].filter((job) => job.input.prompt === prompt);
/** fal turns one submit away (no job is created): the item that meets it fails before a job exists. */
const rejectOneSubmit = () =>
	ctx.fal.addFault({ route: 'submit', times: 1, fault: { kind: 'status', status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: 'Emulated refusal' }] } } });

test('the node throws: its retries submit only the item that failed before a job existed, never the others again', async () => {
	rejectOneSubmit();
	const prompts = ['one', 'two [emulator:500 runner_server_error]', 'three', 'four'];
	const run = await ctx.run(avatarWorkflow(prompts.map((p) => ({ json: { p } })), urlInputs({ prompt: '={{ $json.p }}' }), retrying));

	// One job per item: the refused item ran again on a retry; the failed job and the videos were kept.
	expect(submitRequests()).toHaveLength(prompts.length + 1);
	expect(ctx.fal.submits()).toBe(prompts.length);
	for (const prompt of prompts) expect(jobsFor(prompt)).toHaveLength(1);
	// The job that failed on fal stays the node's error on every try, named by its request id.
	expect(run.status).toBe('error');
	const failed = jobsFor(prompts[1])[0];
	expect(errorOf(run, AVATAR_NODE)?.description).toContain(failed.requestId);
});

test('Continue On Fail with json.error first: n8n runs the node again, and nothing is submitted twice', async () => {
	rejectOneSubmit();
	const prompts = ['first fails [emulator:500 runner_server_error]', 'second', 'third'];
	const run = await ctx.run(
		avatarWorkflow(prompts.map((p) => ({ json: { p } })), urlInputs({ prompt: '={{ $json.p }}' }), { ...retrying, onError: 'continueRegularOutput' }),
	);

	expect(run.status).toBe('success');
	expect(submitRequests()).toHaveLength(prompts.length + 1);
	expect(ctx.fal.submits()).toBe(prompts.length);
	const output = outputOf(run, AVATAR_NODE);
	expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	expect(output[0].json).toMatchObject({ error: expect.stringContaining('runner_server_error'), requestId: jobsFor(prompts[0])[0].requestId });
	expect(output[1].json.requestId).toBe(jobsFor(prompts[1])[0].requestId);
	expect(output[2].json.requestId).toBe(jobsFor(prompts[2])[0].requestId);
	expect(output[1].binary?.data).toBeDefined();
	expect(output[2].binary?.data).toBeDefined();
});

test('without Retry On Fail nothing is remembered: a second run of the workflow submits again', async () => {
	const workflow = avatarWorkflow([{}], urlInputs());
	await ctx.run(workflow);
	await ctx.run(workflow);
	expect(ctx.fal.submits()).toBe(2);
});
