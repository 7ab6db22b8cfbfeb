/**
 * One upload per distinct file per run, through n8n's engine: equal content goes up once and its URL
 * serves every item; files are told apart by content, never by name.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { outputOf } from '../../../harness/engine';
import { sha256, useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow } from '../../../harness/workflows';

const ctx = useFalEmulator();
const assets = join(__dirname, '../../../../examples/assets');
const portrait = { path: join(assets, 'portrait.png'), mimeType: 'image/png', fileName: 'portrait.png' };
const speech = { path: join(assets, 'speech.mp3'), mimeType: 'audio/mpeg', fileName: 'speech.mp3' };
const binaryInputs = { operation: 'generate', imageSource: 'binary', audioSource: 'binary', advancedOptions: { downloadVideo: false } };

// The emulator keeps uploads across its reset: each test counts its own.
beforeEach(() => ctx.fal.uploads.clear());

const uploadsOf = (contentType: string) => [...ctx.fal.uploads.values()].filter((upload) => upload.contentType === contentType);

test('5 items with the same portrait and speech (each its own stored copy) upload each file once', async () => {
	const items = Array.from({ length: 5 }, () => ({ binary: { image: portrait, data: speech } }));
	const run = await ctx.run(avatarWorkflow(items, { ...binaryInputs, advancedOptions: { downloadVideo: false, maxConcurrentJobs: 5 } }));

	expect(run.status).toBe('success');
	expect(uploadsOf('image/png')).toHaveLength(1);
	expect(uploadsOf('audio/mpeg')).toHaveLength(1);
	expect(ctx.fal.log.filter((entry) => entry.route === 'upload')).toHaveLength(2);
	const inputs = outputOf(run, AVATAR_NODE).map((item) => ctx.fal.jobs.get(item.json.requestId as string)!.input);
	expect(new Set(inputs.map((input) => input.image_url)).size).toBe(1);
	expect(new Set(inputs.map((input) => input.audio_url)).size).toBe(1);
	const [imageUrl] = [...ctx.fal.uploads.entries()].find(([, upload]) => upload.contentType === 'image/png')!;
	expect(inputs[0].image_url).toBe(imageUrl);
	expect(uploadsOf('image/png')[0].sha256).toBe(sha256(readFileSync(portrait.path)));
});

test('two different files with the same name and size are both uploaded, each item gets its own', async () => {
	const first = randomBytes(4096);
	const second = randomBytes(4096);
	const clip = (bytes: Buffer) => ({ bytes, mimeType: 'audio/mpeg', fileName: 'speech.mp3' });
	const items = [first, second, first].map((bytes) => ({ binary: { image: portrait, data: clip(bytes) } }));
	const run = await ctx.run(avatarWorkflow(items, binaryInputs));

	expect(run.status).toBe('success');
	const audio = uploadsOf('audio/mpeg');
	expect(audio.map((upload) => upload.sha256).sort()).toEqual([sha256(first), sha256(second)].sort());
	const audioUrls = outputOf(run, AVATAR_NODE).map((item) => ctx.fal.jobs.get(item.json.requestId as string)!.input.audio_url as string);
	expect(ctx.fal.uploads.get(audioUrls[0])?.sha256).toBe(sha256(first));
	expect(ctx.fal.uploads.get(audioUrls[1])?.sha256).toBe(sha256(second));
	expect(audioUrls[2]).toBe(audioUrls[0]);
	expect(uploadsOf('image/png')).toHaveLength(1);
});

test('a failed upload is not reused: a later item with the same file uploads it again', async () => {
	ctx.fal.addFault({ route: 'upload', fault: { kind: 'status', status: 403 }, times: 1 });
	const items = [0, 1].map(() => ({ binary: { image: portrait, data: speech } }));
	const run = await ctx.run(
		avatarWorkflow(items, { ...binaryInputs, advancedOptions: { downloadVideo: false, maxConcurrentJobs: 1 } }, { onError: 'continueRegularOutput' }),
	);
	const [failed, succeeded] = outputOf(run, AVATAR_NODE);
	expect(failed.json.error).toEqual(expect.stringContaining('403'));
	expect(succeeded.json.requestId).toEqual(expect.any(String));
	expect(uploadsOf('image/png').length + uploadsOf('audio/mpeg').length).toBe(2);
	expect(ctx.fal.submits()).toBe(1);
});
