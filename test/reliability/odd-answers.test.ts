/**
 * Issue 6, case 3: odd answers from fal. Each one ends the item with a clear error that carries the
 * request id, and never with a corrupt or empty video passed on: the item has no binary and n8n's
 * output for it is an error (with Continue On Fail the error item; without it, the node fails and
 * passes nothing on). The item next to it is unaffected.
 */
import type { IDataObject, INodeExecutionData, IRun } from 'n8n-workflow';

import { errorOf, outputOf, useFilesystemBinaryStorage } from '../harness/engine';
import { binaryBytes, sha256 } from '../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../harness/workflows';
import { jobsByPrompt, useReliability } from './support';

const ctx = useReliability({ runMs: 100 });

const GOOD = 'a calm speaker';
/** However the cut shows (the socket closes mid-body, or the body ends early), the error says so. */
const CUT_SHORT = /^The video download was cut short( before all 400000 bytes arrived \(.+\)|: \d+ of 400000 bytes arrived)$/;

/** Item 0 asks for a normal job, item 1 for the odd one; Continue On Fail keeps both in the output. */
async function runPair(oddPrompt: string, extra: IDataObject = {}): Promise<{ run: IRun; good: INodeExecutionData; odd: INodeExecutionData }> {
	const run = await ctx.run(
		avatarWorkflow([{ json: { p: GOOD } }, { json: { p: oddPrompt } }], urlInputs({ prompt: '={{ $json.p }}', ...extra }), {
			onError: 'continueRegularOutput',
		}),
	);
	expect(run.status).toBe('success');
	const [good, odd] = outputOf(run, AVATAR_NODE);
	return { run, good, odd };
}

/** The good item got its video, byte for byte. */
async function expectVideo(item: INodeExecutionData, prompt: string) {
	const [requestId] = jobsByPrompt(ctx.fal).get(prompt) ?? [];
	expect(item.json.requestId).toBe(requestId);
	expect(item.json.error).toBeUndefined();
	expect(sha256(await binaryBytes(item.binary!.data))).toBe(ctx.fal.videoSha256(requestId));
}

/** The odd item: an error with its request id, and no binary at all. */
function expectErrorItem(item: INodeExecutionData, prompt: string, message: RegExp) {
	const jobs = jobsByPrompt(ctx.fal).get(prompt) ?? [];
	expect(jobs).toHaveLength(1);
	expect(item.binary).toBeUndefined();
	expect(Object.keys(item.json).sort()).toEqual(['description', 'error', 'requestId']);
	expect(item.json.error).toMatch(message);
	expect(item.json.requestId).toBe(jobs[0]);
	expect(`${item.json.error} ${item.json.description}`).toContain(jobs[0]);
	expect(item.pairedItem).toEqual({ item: 1 });
}

describe('Odd answers end the item with a clear error, never with a broken video', () => {
	test.each([
		['a result without video', 'odd [emulator:no-video]', /^fal reported success but the result has no video$/],
		['a video URL that is not http(s)', 'odd [emulator:bad-video-url]', /^fal's result has a video URL that is not http\(s\): ftp:\/\//],
		['a COMPLETED status that carries an error', 'odd [emulator:completed-error]', /^fal failed: Emulated failure inside the runner \(500, runner_server_error\)$/],
		['a download cut short (fewer bytes than announced)', 'odd [emulator:truncated=400000/150000]', CUT_SHORT],
	])('%s', async (_name, oddPrompt, message) => {
		const { good, odd } = await runPair(oddPrompt);
		await expectVideo(good, GOOD);
		expectErrorItem(odd, oddPrompt, message);
	});

	test('malformed JSON from the status route (while polling)', async () => {
		const oddPrompt = 'odd malformed status';
		// The stream is down for the odd job, so its wait polls; its status answers are not JSON.
		ctx.fal.options.outcome = (input, requestId) => {
			if (input.prompt === oddPrompt) {
				ctx.fal.addFault({ route: 'stream', requestId, fault: { kind: 'status', status: 503 } });
				ctx.fal.addFault({ route: 'status', requestId, fault: { kind: 'malformed' } });
			}
			return undefined;
		};
		const { good, odd } = await runPair(oddPrompt);
		await expectVideo(good, GOOD);
		expectErrorItem(odd, oddPrompt, /^Checking the job status: fal answered 200 with something that is not a JSON object$/);
		expect(odd.json.description).toContain('fetch the video with Get Result');
	});

	test('malformed JSON from the result route', async () => {
		const oddPrompt = 'odd malformed result';
		ctx.fal.options.outcome = (input, requestId) => {
			if (input.prompt === oddPrompt) ctx.fal.addFault({ route: 'result', requestId, fault: { kind: 'malformed' } });
			return undefined;
		};
		const { good, odd } = await runPair(oddPrompt);
		await expectVideo(good, GOOD);
		expectErrorItem(odd, oddPrompt, /^Fetching the result: fal answered 200 with something that is not a JSON object$/);
		// Not fal's verdict on the job, but an answer that cannot be used: it is not asked again and again.
		expect(ctx.requests.filter((entry) => entry.route === 'result' && entry.requestId === odd.json.requestId)).toHaveLength(1);
	});

	test('a result that has expired (404)', async () => {
		const oddPrompt = 'odd expired';
		// The odd job's result answers 404, as fal does once a result has expired.
		ctx.fal.options.outcome = (input, requestId) => {
			if (input.prompt === oddPrompt) {
				ctx.fal.addFault({ route: 'result', requestId, fault: { kind: 'status', status: 404, body: { detail: `Request ${requestId} not found` } } });
			}
			return undefined;
		};
		const { good, odd } = await runPair(oddPrompt);
		await expectVideo(good, GOOD);
		expectErrorItem(odd, oddPrompt, /^fal has no result for request [\w-]+ \(404\)$/);
		expect(odd.json.description).toContain('1 hour');
	});

	test('a status value never seen before is taken as "still running": the video arrives once the job completes', async () => {
		const oddPrompt = 'odd [emulator:status=PAUSED] [emulator:run=600]';
		const { good, odd } = await runPair(oddPrompt);
		await expectVideo(good, GOOD);
		await expectVideo(odd, oddPrompt);
		const job = ctx.fal.jobs.get(odd.json.requestId as string);
		expect(job?.status).toBe('COMPLETED');
	});

	test('…and one that never turns into COMPLETED counts as rendering and ends in the render timeout, which asks fal to cancel it', async () => {
		const oddPrompt = 'odd [emulator:status=PAUSED] [emulator:run=600000]';
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: oddPrompt, advancedOptions: { timeoutMinutes: 0.02 } })));
		const [requestId] = jobsByPrompt(ctx.fal).get(oddPrompt) ?? [];
		expect(run.status).toBe('error');
		expect(errorOf(run, AVATAR_NODE)?.message).toBe(`The fal job ${requestId} did not finish within 1 s of rendering (last status: PAUSED)`);
		expect(ctx.fal.jobs.get(requestId)).toMatchObject({ cancelled: true, cancelledWhile: 'RUNNING' });
	});

	test('without Continue On Fail, an odd answer fails the node and nothing is passed on', async () => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: 'odd [emulator:truncated=400000/1000]' })));
		expect(run.status).toBe('error');
		expect(errorOf(run, AVATAR_NODE)?.message).toMatch(/^The video download was cut short/);
		const taskData = run.data.resultData.runData[AVATAR_NODE].at(-1);
		expect(taskData?.data).toBeUndefined();
	});

	test('Get Result meets the same checks: a cut-short download is an error, not a binary', async () => {
		const submitted = await ctx.run(avatarWorkflow([{}], urlInputs({ operation: 'submit', prompt: 'odd [emulator:truncated=400000/150000]' })));
		const { requestId } = outputOf(submitted, AVATAR_NODE)[0].json;
		await ctx.fal.waitFor(() => ctx.fal.jobs.get(requestId as string)?.status === 'COMPLETED');
		const run = await ctx.run(
			avatarWorkflow([{ json: { requestId } }], { operation: 'getResult', requestId: '={{ $json.requestId }}' }, { onError: 'continueRegularOutput' }),
		);
		const [item] = outputOf(run, AVATAR_NODE);
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({ error: expect.stringMatching(/^The video download was cut short/), requestId });
	});

	test('in filesystem binary mode too, a cut-short download leaves no binary', async () => {
		await useFilesystemBinaryStorage();
		const { good, odd } = await runPair('odd [emulator:truncated=400000/150000]');
		expect(good.binary?.data.id).toMatch(/^filesystem/);
		await expectVideo(good, GOOD);
		expectErrorItem(odd, 'odd [emulator:truncated=400000/150000]', CUT_SHORT);
	});
});
