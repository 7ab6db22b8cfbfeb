/** Generate, run through n8n's engine against the fal emulator. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { errorOf, outputOf } from '../../../harness/engine';
import { binaryBytes, sha256, TEST_API_KEY, useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, AUDIO_URL, IMAGE_URL, urlInputs } from '../../../harness/workflows';
import { DEFAULT_PROMPT } from '../../../../nodes/StableAvatar/descriptions/modelInput';

const ctx = useFalEmulator();
const assets = join(__dirname, '../../../../examples/assets');
const portrait = { path: join(assets, 'portrait.png'), mimeType: 'image/png', fileName: 'portrait.png' };
const speech = { path: join(assets, 'speech.mp3'), mimeType: 'audio/mpeg', fileName: 'speech.mp3' };

describe('Generate', () => {
	test('turns URL inputs into a video emitted as binary data, with the json fal gave', async () => {
		const run = await ctx.run(avatarWorkflow([{ json: { id: 1 } }], urlInputs()));

		expect(run.status).toBe('success');
		const [item] = outputOf(run, AVATAR_NODE);
		const job = [...ctx.fal.jobs.values()][0];
		expect(item.json).toMatchObject({
			requestId: job.requestId,
			endpoint: 'fal-ai/stable-avatar',
			// fal's generic "output.mp4" is replaced by a name that tells the videos of a batch apart.
			video: { contentType: 'video/mp4', fileName: `avatar-${job.requestId}.mp4`, fileSize: job.videoBytes },
			timings: { inferenceSeconds: expect.any(Number), waitSeconds: expect.any(Number), queuedSeconds: expect.any(Number), renderSeconds: expect.any(Number) },
		});
		expect(String((item.json.video as { url: string }).url)).toContain(`/files/${job.requestId}/`);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.binary?.data.mimeType).toBe('video/mp4');
		expect(item.binary?.data.fileName).toBe(`avatar-${job.requestId}.mp4`);
		const bytes = await binaryBytes(item.binary!.data);
		expect(bytes.length).toBe(job.videoBytes);
		expect(sha256(bytes)).toBe(ctx.fal.videoSha256(job.requestId));
		expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
	});

	test('sends fal the model input with fal field names and the default prompt', async () => {
		await ctx.run(
			avatarWorkflow(
				[{}],
				urlInputs({
					aspectRatio: '9:16',
					options: { guidanceScale: 7.5, audioGuidanceScale: 3, numInferenceSteps: 20, seed: 42, perturbation: 0.3 },
				}),
			),
		);
		const job = [...ctx.fal.jobs.values()][0];
		expect(job.endpointId).toBe('fal-ai/stable-avatar');
		expect(job.input).toEqual({
			image_url: IMAGE_URL,
			audio_url: AUDIO_URL,
			prompt: DEFAULT_PROMPT,
			aspect_ratio: '9:16',
			guidance_scale: 7.5,
			audio_guidance_scale: 3,
			num_inference_steps: 20,
			seed: 42,
			perturbation: 0.3,
		});
	});

	test('an empty Seed (as the editor adds it) sends no seed, so fal picks a random one', async () => {
		await ctx.run(avatarWorkflow([{}], urlInputs({ options: { seed: null, guidanceScale: 5 } })));
		const job = [...ctx.fal.jobs.values()][0];
		expect(job.input).not.toHaveProperty('seed');
		expect(job.input.guidance_scale).toBe(5);
	});

	test('uploads image and audio binaries from an earlier node to fal storage, without the API key', async () => {
		const run = await ctx.run(
			avatarWorkflow([{ binary: { image: portrait, data: speech } }], {
				operation: 'generate',
				imageSource: 'binary',
				imageBinaryProperty: 'image',
				audioSource: 'binary',
				audioBinaryProperty: 'data',
			}),
		);

		expect(run.status).toBe('success');
		const uploads = [...ctx.fal.uploads.entries()];
		expect(uploads.map(([, u]) => u.sha256).sort()).toEqual(
			[sha256(readFileSync(portrait.path)), sha256(readFileSync(speech.path))].sort(),
		);
		const job = [...ctx.fal.jobs.values()][0];
		const urlFor = (name: string) => uploads.find(([, u]) => u.fileName === name)![0];
		expect(job.input.image_url).toBe(urlFor('portrait.png'));
		expect(job.input.audio_url).toBe(urlFor('speech.mp3'));
		const keyed = ctx.fal.log.filter((entry) => entry.authorization !== undefined).map((entry) => entry.route);
		expect(new Set(keyed)).toEqual(new Set(['initiate', 'submit', 'stream', 'result']));
		expect(ctx.fal.log.filter((e) => e.route === 'upload' || e.route === 'cdn').every((e) => e.authorization === undefined)).toBe(true);
	});

	test('runs a batch concurrently and returns one item per input, in input order', async () => {
		ctx.fal.options.runMs = 400;
		const items = Array.from({ length: 6 }, (_, n) => ({ json: { n } }));
		const run = await ctx.run(
			avatarWorkflow(items, urlInputs({ prompt: '={{ "speaker " + $json.n }}', advancedOptions: { maxConcurrentJobs: 6 } })),
		);

		const output = outputOf(run, AVATAR_NODE);
		expect(output).toHaveLength(6);
		output.forEach((item, index) => {
			expect(item.pairedItem).toEqual({ item: index });
			expect(ctx.fal.jobs.get(item.json.requestId as string)?.input.prompt).toBe(`speaker ${index}`);
		});
		expect(maxJobsRunningAtOnce(ctx.fal.jobs.values())).toBe(6);
	});

	test('never runs more jobs at once than Max Concurrent Jobs', async () => {
		const items = Array.from({ length: 5 }, () => ({}));
		await ctx.run(avatarWorkflow(items, urlInputs({ advancedOptions: { maxConcurrentJobs: 2 } })));
		expect(ctx.fal.submits()).toBe(5);
		expect(maxJobsRunningAtOnce(ctx.fal.jobs.values())).toBe(2);
	});

	test('with Download Video off, returns the URL and downloads nothing', async () => {
		const run = await ctx.run(
			avatarWorkflow([{ binary: { data: speech } }], urlInputs({ audioSource: 'binary', advancedOptions: { downloadVideo: false } })),
		);
		const [item] = outputOf(run, AVATAR_NODE);
		expect(item.binary).toBeUndefined();
		expect(item.json.video).toMatchObject({ url: expect.stringContaining('/files/') });
		expect(ctx.fal.log.some((entry) => entry.route === 'cdn')).toBe(false);
	});

	test('puts the video in the binary field chosen under Advanced Options', async () => {
		const run = await ctx.run(avatarWorkflow([{}], urlInputs({ advancedOptions: { outputBinaryProperty: 'video' } })));
		expect(Object.keys(outputOf(run, AVATAR_NODE)[0].binary ?? {})).toEqual(['video']);
	});

	test('keeps the API key out of every output and error', async () => {
		const ok = await ctx.run(avatarWorkflow([{}], urlInputs()));
		const failed = await ctx.run(avatarWorkflow([{}], urlInputs({ prompt: '[emulator:500 runner_server_error]' })));
		expect(JSON.stringify(ok)).not.toContain(TEST_API_KEY);
		expect(JSON.stringify(failed)).not.toContain(TEST_API_KEY);
		expect(String(errorOf(failed, AVATAR_NODE)?.stack ?? '')).not.toContain(TEST_API_KEY);
	});
});

/** The largest number of jobs that were IN_PROGRESS at the same moment. */
function maxJobsRunningAtOnce(jobs: Iterable<{ startedAt?: number; completedAt?: number }>): number {
	const events = [...jobs].flatMap((job) => [
		{ at: job.startedAt ?? 0, delta: 1 },
		{ at: job.completedAt ?? Number.MAX_SAFE_INTEGER, delta: -1 },
	]);
	events.sort((a, b) => a.at - b.at || a.delta - b.delta);
	let running = 0;
	let max = 0;
	for (const event of events) max = Math.max(max, (running += event.delta));
	return max;
}
