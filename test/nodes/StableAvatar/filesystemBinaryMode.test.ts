/**
 * With n8n's filesystem binary storage (the default in regular mode), the video is streamed into
 * storage and binary inputs are streamed out of it: the item carries a reference, not the bytes.
 */
import { readFileSync } from 'node:fs';
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
	const [job] = [...ctx.fal.jobs.values()];
	expect(sha256(await binaryBytes(video))).toBe(ctx.fal.videoSha256(job.requestId));
	expect([...ctx.fal.uploads.values()].map((upload) => upload.sha256).sort()).toEqual(
		[sha256(readFileSync(portrait)), sha256(readFileSync(speech))].sort(),
	);
});
