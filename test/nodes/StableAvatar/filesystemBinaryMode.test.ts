/**
 * With n8n's filesystem binary storage (the default in regular mode), the video is streamed into
 * storage and binary inputs are streamed out of it: the item carries a reference, not the bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { outputOf, useFilesystemBinaryStorage } from '../../harness/engine';
import { binaryBytes, sha256, useFalEmulator } from '../../harness/fal';
import { AVATAR_NODE, avatarWorkflow } from '../../harness/workflows';

const ctx = useFalEmulator();
const assets = join(__dirname, '../../../examples/assets');

beforeAll(async () => {
	await useFilesystemBinaryStorage();
});

test('binary inputs come from and the video goes to filesystem binary storage', async () => {
	ctx.fal.options.videoBytes = 5 * 1024 * 1024;
	const portrait = join(assets, 'portrait.png');
	const speech = join(assets, 'speech.mp3');
	const run = await ctx.run(
		avatarWorkflow(
			[
				{
					binary: {
						image: { path: portrait, mimeType: 'image/png', fileName: 'portrait.png' },
						data: { path: speech, mimeType: 'audio/mpeg', fileName: 'speech.mp3' },
					},
				},
			],
			{ operation: 'generate', imageSource: 'binary', audioSource: 'binary' },
		),
	);

	expect(run.status).toBe('success');
	const video = outputOf(run, AVATAR_NODE)[0].binary!.data;
	expect(video.id).toMatch(/^filesystem(-v2)?:/);
	expect(video.data).not.toMatch(/^AAAA/);
	expect(video.bytes).toBe(5 * 1024 * 1024);
	// The duration was read from the MP4 as it streamed to disk.
	expect(outputOf(run, AVATAR_NODE)[0].json.cost).toEqual({ seconds: 2, usd: 0.4, basis: 'video', estimate: true });
	const [job] = [...ctx.fal.jobs.values()];
	expect(sha256(await binaryBytes(video))).toBe(ctx.fal.videoSha256(job.requestId));
	expect([...ctx.fal.uploads.values()].map((upload) => upload.sha256).sort()).toEqual(
		[sha256(readFileSync(portrait)), sha256(readFileSync(speech))].sort(),
	);
});

test('an audio file over 90 MiB goes up to fal storage in 10 MiB parts, byte for byte', async () => {
	const size = 95 * 1024 * 1024 + 123;
	const path = join(mkdtempSync(join(tmpdir(), 'stable-avatar-')), 'long-speech.wav');
	const bytes = randomBytes(size);
	writeFileSync(path, bytes);
	const run = await ctx.run(
		avatarWorkflow([{ binary: { data: { path, mimeType: 'audio/wav', fileName: 'long-speech.wav' } } }], {
			operation: 'generate',
			imageSource: 'url',
			imageUrl: 'https://example.com/portrait.png',
			audioSource: 'binary',
			advancedOptions: { downloadVideo: false },
		}),
	);

	expect(run.status).toBe('success');
	const upload = [...ctx.fal.uploads.values()].find((entry) => entry.fileName === 'long-speech.wav');
	expect(upload).toMatchObject({ multipart: true, parts: 10, bytes: size, contentType: 'audio/wav' });
	expect(upload?.sha256).toBe(sha256(bytes));
	expect(ctx.fal.log.filter((entry) => entry.route === 'upload-part').every((entry) => entry.authorization === undefined)).toBe(true);
}, 60_000);
