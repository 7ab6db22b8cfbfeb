/**
 * `cost` on every result, through n8n's engine: read from the video's MP4 boxes while it streams into
 * binary storage (moov before or after mdat), or from the audio when the video is not downloaded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { outputOf } from '../../../harness/engine';
import { binaryBytes, sha256, useFalEmulator } from '../../../harness/fal';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../../harness/workflows';

const ctx = useFalEmulator();
const media = join(__dirname, '../../../fixtures/media');
const ffprobe = JSON.parse(readFileSync(join(media, 'durations.json'), 'utf8')) as Record<string, number>;

afterEach(() => {
	ctx.fal.options.videoFile = undefined;
});

describe('cost from the video', () => {
	test.each(['video-moov-start.mp4', 'video-moov-end.mp4'])('%s: Generate reads the duration while the video streams in', async (name) => {
		const path = join(media, name);
		ctx.fal.options.videoFile = path;
		const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
		expect(run.status).toBe('success');
		const [item] = outputOf(run, AVATAR_NODE);
		expect(item.json.cost).toEqual({ seconds: ffprobe[name], usd: 0.4, basis: 'video', estimate: true });
		// Watching the stream took nothing from it: the stored video is the file, byte for byte.
		expect(sha256(await binaryBytes(item.binary!.data))).toBe(sha256(readFileSync(path)));
	});

	test('a video padded to 5 MiB (moov first, then a large box) is read without holding it', async () => {
		const clipBytes = ctx.fal.options.videoBytes;
		ctx.fal.options.videoBytes = 5 * 1024 * 1024;
		const run = await ctx.run(avatarWorkflow([{}], urlInputs()));
		ctx.fal.options.videoBytes = clipBytes;
		expect(outputOf(run, AVATAR_NODE)[0].json.cost).toEqual({ seconds: 2, usd: 0.4, basis: 'video', estimate: true });
	});

	test('Get Result carries the cost of the video it downloads, and an unknown cost without it', async () => {
		ctx.fal.options.videoFile = join(media, 'video-moov-end.mp4');
		const submitted = await ctx.run(avatarWorkflow([{}], urlInputs({ operation: 'submit' })));
		const requestId = outputOf(submitted, AVATAR_NODE)[0].json.requestId as string;
		await ctx.fal.waitFor(() => ctx.fal.jobs.get(requestId)?.status === 'COMPLETED');
		const byId = (extra: Record<string, unknown>) =>
			avatarWorkflow([{ json: { requestId } }], { operation: 'getResult', requestId: '={{ $json.requestId }}', ...extra });

		const downloaded = await ctx.run(byId({}));
		expect(outputOf(downloaded, AVATAR_NODE)[0].json.cost).toEqual({ seconds: 3, usd: 0.4, basis: 'video', estimate: true });
		const urlOnly = await ctx.run(byId({ advancedOptions: { downloadVideo: false } }));
		expect(outputOf(urlOnly, AVATAR_NODE)[0].json.cost).toEqual({ seconds: null, usd: null, basis: null, estimate: true });
	});
});
