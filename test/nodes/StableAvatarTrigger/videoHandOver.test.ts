/**
 * The trigger's inline hand-over (n8n 1.x with binary data on disk; videoHandOver.ts): the video
 * comes out byte for byte as n8n's in-memory binary data, and one over the limit is read to its end
 * and refused, never kept. Which hosts take this path is proven in `npm run e2e` on n8n 1.123.
 */
import { Readable } from 'node:stream';

import { INLINE_LIMIT_BYTES, inlineVideo } from '../../../nodes/StableAvatarTrigger/videoHandOver';

type Body = Parameters<typeof inlineVideo>[0];

function streamOf(totalBytes: number, chunkBytes = 1024 * 1024): { stream: Readable; read: () => number } {
	let sent = 0;
	const stream = new Readable({
		read() {
			if (sent >= totalBytes) return void this.push(null);
			const size = Math.min(chunkBytes, totalBytes - sent);
			this.push(Buffer.alloc(size, sent % 251));
			sent += size;
		},
	});
	return { stream, read: () => sent };
}

it('hands the video over inline, byte for byte, as n8n keeps binary data in memory', async () => {
	const video = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 256));
	const binary = await inlineVideo(Readable.from([video.subarray(0, 100_000), video.subarray(100_000)]) as unknown as Body, 'avatar-r1.mp4', 'video/mp4');
	expect(Buffer.from(binary.data, 'base64').equals(video)).toBe(true);
	expect(binary).toMatchObject({ mimeType: 'video/mp4', fileName: 'avatar-r1.mp4', fileExtension: 'mp4', bytes: video.length });
	expect(binary.id).toBeUndefined();
});

it('refuses a video over the limit after reading it to its end, naming the size and what to do', async () => {
	const { stream, read } = streamOf(INLINE_LIMIT_BYTES + 3 * 1024 * 1024);
	await expect(inlineVideo(stream as unknown as Body, 'big.mp4', 'video/mp4')).rejects.toThrow(/67\.0 MB .*at most 64\.0 MB.*n8n 2\.x/);
	expect(read()).toBe(INLINE_LIMIT_BYTES + 3 * 1024 * 1024);
});
