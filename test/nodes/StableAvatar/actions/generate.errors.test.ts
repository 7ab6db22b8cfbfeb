/** Generate when things go wrong: fal's error answers, timeouts, stops, Continue On Fail. */
import { join } from 'node:path';

import { errorOf, outputOf } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();

function onlyJob() {
	const jobs = [...ctx.fal.jobs.values()];
	expect(jobs).toHaveLength(1);
	return jobs[0];
}

describe('Generate errors', () => {
	test('a wrong API key fails with a 401 error that says to check the credential', async () => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs()), { apiKey: 'wrong-key' });
		const error = errorOf(run, AVATAR_NODE);
		expect(run.status).toBe('error');
		expect(error?.message).toBe('fal rejected the API key (401)');
		expect(error?.description).toContain('fal API credential');
		expect(ctx.fal.submits()).toBe(0);
	});

	test('a 422 names the field and fal\'s message, and the request id', async () => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'talk [emulator:422 audio_url]' })));
		const error = errorOf(run, AVATAR_NODE);
		const job = onlyJob();
		expect(error?.message).toMatch(/^fal rejected the input: Audio URL \(audio_url\): .+/);
		expect(error?.description).toContain(`Request ID: ${job.requestId}`);
		// fal's own body, shown in the error's details.
		expect(error?.description).toMatch(/fal answered 422: "audio_url: .+"/);
		expect((error as { messages?: string[] })?.messages?.[0]).toMatch(/^422 - \{"detail":"audio_url: /);
		expect((error as { context?: { itemIndex?: number } })?.context?.itemIndex ?? 0).toBe(0);
	});

	test('a 422 on audio the user gave as binary names the binary field, not fal\'s audio_url', async () => {
		const speech = { path: join(__dirname, '../../../../examples/assets/speech.mp3'), mimeType: 'audio/mpeg', fileName: 'speech.mp3' };
		const run = await ctx.run(
			avatarWorkflow([{ binary: { speech } }], urlInputs({ audioSource: 'binary', audioBinaryProperty: 'speech', prompt: 'talk [emulator:422 audio_url]' })),
		);
		expect(errorOf(run, AVATAR_NODE)?.message).toMatch(/^fal rejected the input: Audio Input Binary Field "speech" \(uploaded, sent to fal as audio_url\): .+/);
	});

	test('a 5xx with error_type explains the failure and names the request id', async () => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'talk [emulator:503 runner_disconnected]' })));
		const error = errorOf(run, AVATAR_NODE);
		expect(error?.message).toContain('runner_disconnected');
		expect(error?.description).toContain('The machine running the job disconnected.');
		expect(error?.description).toContain('(error_type: runner_disconnected)');
		expect(error?.description).toContain(`Request ID: ${onlyJob().requestId}`);
	});

	test('a COMPLETED status that carries an error is a failure, not a success', async () => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'talk [emulator:completed-error]' })));
		expect(run.status).toBe('error');
		expect(errorOf(run, AVATAR_NODE)?.description).toContain(onlyJob().requestId);
	});

	test('a render timeout asks fal to cancel the job and says honestly what that does, with the request id', async () => {
		const run = await ctx.run(
			avatarWorkflow([{}], urlInputs({ prompt: 'talk [emulator:never]', advancedOptions: { timeoutMinutes: 0.02 } })),
		);
		const error = errorOf(run, AVATAR_NODE);
		const job = onlyJob();
		expect(error?.message).toContain(`The fal job ${job.requestId} did not finish within 1 s of rendering`);
		expect(error?.description).toContain('fal was asked to cancel it, but a job that is rendering may run on to its end and be billed');
		expect(job).toMatchObject({ cancelled: true, cancelledWhile: 'RUNNING' });
	});

	test('a timeout can instead leave the job running and return its request id', async () => {
		const run = await ctx.run(
			avatarWorkflow(
				[{}],
				urlInputs({ prompt: 'talk [emulator:never]', advancedOptions: { timeoutMinutes: 0.02, onTimeout: 'returnRequestId' } }),
			),
		);
		const job = onlyJob();
		expect(run.status).toBe('success');
		expect(outputOf(run, AVATAR_NODE)[0].json).toMatchObject({ requestId: job.requestId, status: 'TIMED_OUT' });
		expect(job.cancelled).toBe(false);
	});

	test('stopping the workflow mid-wait ends the run at once and cancels the job on fal', async () => {
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'talk [emulator:never]' })));
		await ctx.fal.waitFor(() => [...ctx.fal.jobs.values()].some((job) => job.status === 'IN_PROGRESS'));
		handle.stop();
		const run = await handle.done;
		expect(run.status).toBe('canceled');
		await ctx.fal.waitFor(() => onlyJob().cancelled);
		expect(ctx.fal.log.filter((entry) => entry.route === 'cancel').map((entry) => entry.status)).toEqual([202]);
	});

	test('with Continue On Fail, a failing item carries its error and request id and the others go on', async () => {
		const items = [{ json: { p: 'one' } }, { json: { p: 'two [emulator:500 runner_server_error]' } }, { json: { p: 'three' } }];
		const run = await ctx.run(avatarWorkflow(items, urlInputs({ prompt: '={{ $json.p }}' }), { onError: 'continueRegularOutput' }));

		expect(run.status).toBe('success');
		const output = outputOf(run, AVATAR_NODE);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].binary?.data).toBeDefined();
		expect(output[2].binary?.data).toBeDefined();
		const failedJob = [...ctx.fal.jobs.values()].find((job) => String(job.input.prompt).startsWith('two'));
		expect(output[1].json).toMatchObject({ error: expect.stringContaining('runner_server_error'), requestId: failedJob?.requestId });
		expect(output[1].binary).toBeUndefined();
	});

	test('without Continue On Fail, the error of a failing item names the finished items\' request ids', async () => {
		const items = [{ json: { p: 'one' } }, { json: { p: 'two [emulator:500 runner_server_error]' } }];
		const run = await ctx.run(avatarWorkflow(items, urlInputs({ prompt: '={{ $json.p }}' })));
		const finished = [...ctx.fal.jobs.values()].find((job) => job.input.prompt === 'one');
		expect(run.status).toBe('error');
		expect(errorOf(run, AVATAR_NODE)?.description).toContain(`item 0: ${finished?.requestId}`);
	});
});
