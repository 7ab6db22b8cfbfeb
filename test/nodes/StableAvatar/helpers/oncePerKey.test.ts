/**
 * Once Per Key, through n8n's engine and n8n-core's processed-data service (backed here by the
 * harness's in-process table with n8n's semantics, see test/harness/processedData.ts): a key claimed
 * by one run is skipped by the next, a run's own duplicates get one job, a key is released when its
 * item ends without a job, and Retry On Fail never skips an item because of its own earlier try.
 * Jobs are counted on the fal emulator.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { errorOf, outputOf, type WorkflowDefinition } from '../../../harness/engine';
import { useFalEmulator } from '../../../harness/fal';
import { hostFile, silentWav } from '../../../harness/hostedFiles';
import { AVATAR_NODE, avatarWorkflow, IMAGE_URL, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();

const submitOnce = (extra: IDataObject = {}) =>
	urlInputs({ operation: 'submit', prompt: '={{ "row " + $json.id }}', ...extra, advancedOptions: { oncePerKey: '={{ $json.id }}', ...(extra.advancedOptions as IDataObject) } });
/** One saved workflow, run again and again (the store keeps keys per workflow id). */
function savedWorkflow(rows: IDataObject[], parameters: IDataObject, settings: IDataObject = {}, id = randomUUID()): WorkflowDefinition {
	return { ...avatarWorkflow(rows.map((json) => ({ json })), parameters, settings), id };
}
const jobsFor = (id: string) => [...ctx.fal.jobs.values()].filter((job) => String(job.input.prompt).startsWith(`row ${id}`));
const skipped = (output: INodeExecutionData[]) => output.filter((item) => item.json.skipped === 'alreadySubmitted').map((item) => item.json.key);
const rejectOneSubmit = () =>
	ctx.fal.addFault({ route: 'submit', times: 1, fault: { kind: 'status', status: 422, body: { detail: [{ loc: ['body', 'prompt'], msg: 'Emulated refusal' }] } } });

test('a second run of the workflow submits nothing for claimed keys: the items come out skipped, paired, in order', async () => {
	const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
	const workflow = savedWorkflow(rows, submitOnce());
	const first = await ctx.run(workflow);
	expect(first.status).toBe('success');
	expect(skipped(outputOf(first, AVATAR_NODE))).toEqual([]);

	const second = await ctx.run(workflow);
	expect(second.status).toBe('success');
	const output = outputOf(second, AVATAR_NODE);
	expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	expect(skipped(output)).toEqual(['a', 'b', 'c']);
	expect(output[0].json).toMatchObject({ skipped: 'alreadySubmitted', key: 'a', claimedAt: expect.any(String) });
	expect(output[0].json.requestId).toBeUndefined();
	expect(ctx.fal.submits()).toBe(3);
	for (const { id } of rows) expect(jobsFor(id)).toHaveLength(1);
});

test('another workflow has keys of its own; Once Per Key off submits every time', async () => {
	const rows = [{ id: 'a' }];
	await ctx.run(savedWorkflow(rows, submitOnce()));
	await ctx.run(savedWorkflow(rows, submitOnce()));
	const off = savedWorkflow(rows, submitOnce({ advancedOptions: { oncePerKey: '' } }));
	await ctx.run(off);
	await ctx.run(off);
	expect(ctx.fal.submits()).toBe(4);
});

test('two items of one run with the same key: one job, the other item skipped', async () => {
	const run = await ctx.run(savedWorkflow([{ id: 'a' }, { id: 'b' }, { id: 'a' }], submitOnce()));
	expect(run.status).toBe('success');
	const output = outputOf(run, AVATAR_NODE);
	expect(skipped(output)).toEqual(['a']);
	expect(output[2].json.skipped).toBe('alreadySubmitted');
	expect(output[0].json.requestId).toEqual(expect.any(String));
	expect(ctx.fal.submits()).toBe(2);
});

test('an item whose key is empty is refused, and nothing is submitted', async () => {
	const run = await ctx.run(savedWorkflow([{ id: 'a' }, { id: '' }], submitOnce()));
	expect(run.status).toBe('error');
	expect(errorOf(run, AVATAR_NODE)?.message).toContain('Once Per Key is empty');
	expect(ctx.fal.submits()).toBe(0);
});

test('overlapping executions (a tick fires while the last one still renders): each row gets one job', async () => {
	const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
	const workflow = savedWorkflow(rows, urlInputs({ prompt: '={{ "row " + $json.id + " [emulator:run=1500]" }}', advancedOptions: { oncePerKey: '={{ $json.id }}', downloadVideo: false } }));
	const first = ctx.start(workflow);
	while (ctx.fal.submits() < rows.length) await new Promise((resolve) => setTimeout(resolve, 10));
	const second = await ctx.start(workflow).done;
	expect(skipped(outputOf(second, AVATAR_NODE))).toEqual(['a', 'b', 'c']);
	// The first execution was still rendering when the second ended.
	expect([...ctx.fal.jobs.values()].some((job) => job.completedAt === undefined)).toBe(true);
	const firstRun = await first.done;
	expect(firstRun.status).toBe('success');
	expect(outputOf(firstRun, AVATAR_NODE).every((item) => typeof item.json.requestId === 'string')).toBe(true);
	expect(ctx.fal.submits()).toBe(3);
});

test('executions that claim in the same instant in one n8n process: still one job per row', async () => {
	const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
	const workflow = savedWorkflow(rows, submitOnce());
	const runs = await Promise.all([1, 2, 3, 4].map(async () => await ctx.start(workflow).done));
	const outputs = runs.map((run) => outputOf(run, AVATAR_NODE));
	expect(outputs.flatMap(skipped)).toHaveLength(9);
	expect(ctx.fal.submits()).toBe(3);
	for (const { id } of rows) expect(jobsFor(id)).toHaveLength(1);
});

describe('a key is released when its item ends without a job, so the next run tries it again', () => {
	test('a 4xx on submit (Continue On Fail)', async () => {
		rejectOneSubmit();
		const workflow = savedWorkflow([{ id: 'a' }, { id: 'b' }], submitOnce({ advancedOptions: { maxConcurrentJobs: 1 } }), { onError: 'continueRegularOutput' });
		const first = outputOf(await ctx.run(workflow), AVATAR_NODE);
		expect(first[0].json.error).toEqual(expect.any(String));
		expect(first[1].json.requestId).toEqual(expect.any(String));

		const second = outputOf(await ctx.run(workflow), AVATAR_NODE);
		expect(second[0].json.requestId).toEqual(expect.any(String));
		expect(skipped(second)).toEqual(['b']);
		expect(jobsFor('a')).toHaveLength(1);
		expect(jobsFor('b')).toHaveLength(1);
	});

	test('at once, not when the batch ends: a run overlapping one that still renders submits the refused row', async () => {
		rejectOneSubmit();
		const parameters = urlInputs({ prompt: '={{ "row " + $json.id + " [emulator:run=1500]" }}', advancedOptions: { oncePerKey: '={{ $json.id }}', maxConcurrentJobs: 1, downloadVideo: false } });
		const workflow = savedWorkflow([{ id: 'a' }, { id: 'b' }], parameters, { onError: 'continueRegularOutput' });
		const first = ctx.start(workflow);
		while (jobsFor('b').length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
		const second = outputOf(await ctx.start(workflow).done, AVATAR_NODE);
		const firstOutput = outputOf(await first.done, AVATAR_NODE);

		expect(firstOutput[0].json.error).toEqual(expect.any(String));
		expect(second[0].json.requestId).toBe(jobsFor('a')[0].requestId);
		expect(skipped(second)).toEqual(['b']);
		expect(jobsFor('a')).toHaveLength(1);
		expect(jobsFor('b')).toHaveLength(1);
		// Row a was submitted again while the first run's job for row b still rendered.
		expect(jobsFor('a')[0].submittedAt).toBeLessThan(jobsFor('b')[0].completedAt!);
	});

	test('a refused input: audio over five minutes (Continue On Fail), fixed in the row before the next tick', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'once-per-key-'));
		const long = join(dir, 'long.wav');
		const short = join(dir, 'short.wav');
		writeFileSync(long, silentWav(301));
		writeFileSync(short, silentWav(5));
		const longUrl = await hostFile(ctx.fal, long, 'audio/wav');
		const shortUrl = await hostFile(ctx.fal, short, 'audio/wav');
		const parameters = submitOnce({ audioUrl: '={{ $json.audio }}', advancedOptions: { maxCostUsd: 100 } });
		const id = randomUUID();

		const first = await ctx.run(savedWorkflow([{ id: 'a', audio: shortUrl }, { id: 'b', audio: longUrl }], parameters, { onError: 'continueRegularOutput' }, id));
		const firstOutput = outputOf(first, AVATAR_NODE);
		expect(firstOutput[1].json.error).toEqual(expect.stringContaining('limit of 5 minutes'));
		expect(jobsFor('b')).toHaveLength(0);

		const second = await ctx.run(savedWorkflow([{ id: 'a', audio: shortUrl }, { id: 'b', audio: shortUrl }], parameters, { onError: 'continueRegularOutput' }, id));
		const secondOutput = outputOf(second, AVATAR_NODE);
		expect(skipped(secondOutput)).toEqual(['a']);
		expect(secondOutput[1].json.requestId).toEqual(expect.any(String));
		expect(jobsFor('a')).toHaveLength(1);
		expect(jobsFor('b')).toHaveLength(1);
	});

	test('the spend cap refuses the run: every key is released', async () => {
		const id = randomUUID();
		const rows = [{ id: 'a' }, { id: 'b' }];
		const refused = await ctx.run(savedWorkflow(rows, submitOnce({ advancedOptions: { maxCostUsd: 0.5 } }), {}, id));
		expect(refused.status).toBe('error');
		expect(errorOf(refused, AVATAR_NODE)?.message).toContain('Max Estimated Cost');
		expect(ctx.fal.submits()).toBe(0);

		const next = await ctx.run(savedWorkflow(rows, submitOnce(), {}, id));
		expect(skipped(outputOf(next, AVATAR_NODE))).toEqual([]);
		expect(ctx.fal.submits()).toBe(2);
	});

	test('a job failed on fal keeps its key: that job was paid for', async () => {
		const parameters = urlInputs({ prompt: '={{ "row " + $json.id + ($json.id === "a" ? " [emulator:completed-error]" : "") }}', advancedOptions: { oncePerKey: '={{ $json.id }}' } });
		const workflow = savedWorkflow([{ id: 'a' }, { id: 'b' }], parameters, { onError: 'continueRegularOutput' });
		const first = outputOf(await ctx.run(workflow), AVATAR_NODE);
		expect(first[0].json).toMatchObject({ error: expect.any(String), requestId: jobsFor('a')[0].requestId });
		const second = outputOf(await ctx.run(workflow), AVATAR_NODE);
		expect(skipped(second)).toEqual(['a', 'b']);
		expect(ctx.fal.submits()).toBe(2);
	});
});

describe('Retry On Fail', () => {
	const retrying = { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 };

	test('the retry submits the item refused before a job existed, and skips none of its own earlier jobs', async () => {
		rejectOneSubmit();
		const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
		const run = await ctx.run(savedWorkflow(rows, submitOnce({ advancedOptions: { maxConcurrentJobs: 1 } }), { ...retrying, onError: 'continueRegularOutput' }));
		expect(run.status).toBe('success');
		const output = outputOf(run, AVATAR_NODE);
		expect(skipped(output)).toEqual([]);
		output.forEach((item, n) => expect(item.json.requestId).toBe(jobsFor(rows[n].id)[0].requestId));
		expect(ctx.fal.submits()).toBe(3);
		for (const { id } of rows) expect(jobsFor(id)).toHaveLength(1);
	});

	test('items whose jobs exist skip the estimate on the retry: a probe blip then cannot make the cap refuse', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'once-per-key-'));
		const path = join(dir, 'forty.wav');
		writeFileSync(path, silentWav(40));
		const audio = await hostFile(ctx.fal, path, 'audio/wav');
		rejectOneSubmit();
		// Three 40 s items: $12. A probe that fails counts at the five-minute maximum ($30).
		const parameters = { operation: 'submit', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'url', audioUrl: audio, prompt: '={{ "row " + $json.id }}', advancedOptions: { maxCostUsd: 31, maxConcurrentJobs: 1 } };
		const workflow = avatarWorkflow([{ json: { id: 'a' } }, { json: { id: 'b' } }, { json: { id: 'c' } }], parameters, { retryOnFail: true, maxTries: 2, waitBetweenTries: 0 });
		// Every audio read after the first try's submits fails.
		const blip = setInterval(() => {
			if (ctx.fal.log.some((entry) => entry.route === 'submit')) {
				ctx.fal.addFault({ route: 'cdn', fault: { kind: 'status', status: 503 } });
				clearInterval(blip);
			}
		}, 1);
		const run = await ctx.run(workflow).finally(() => clearInterval(blip));

		expect(errorOf(run, AVATAR_NODE)).toBeUndefined();
		expect(run.status).toBe('success');
		const output = outputOf(run, AVATAR_NODE);
		output.forEach((item, n) => expect(item.json.requestId).toBe(jobsFor(['a', 'b', 'c'][n])[0].requestId));
		expect(ctx.fal.submits()).toBe(3);
		// The retry read only the refused item's audio.
		expect(ctx.fal.log.filter((entry) => entry.route === 'cdn' && entry.status === 503)).toHaveLength(1);
	});
});
