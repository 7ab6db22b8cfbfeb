import { audioDuration } from '../../../../../nodes/StableAvatar/transport/media/audioDuration';
import { countedStream, fixture, MANIFEST, TOLERANCE_SECONDS } from './mediaFixtures';

/** An ADTS frame: sync 0xFFF, MPEG-4, no CRC, AAC LC, 16 kHz, mono, one block of 1024 samples, `length` bytes. */
function adtsFrame(length: number): Buffer {
	const frame = Buffer.alloc(length);
	frame.set([0xff, 0xf1, 0x60, 0x40 | ((length >> 11) & 0x03), (length >> 3) & 0xff, ((length & 0x07) << 5) | 0x1f, 0xfc]);
	return frame;
}

describe('raw ADTS AAC durations', () => {
	test('the fixture (ffmpeg, 24 kbit/s): its frames counted, as many samples as ffmpeg decodes', async () => {
		const bytes = fixture('aac-adts.aac');
		const duration = await audioDuration(countedStream(bytes, 1000).stream, { size: bytes.length });
		expect(duration).toMatchObject({ format: 'aac', estimated: false });
		expect(Math.abs(duration!.seconds - MANIFEST['aac-adts.aac'])).toBeLessThanOrEqual(TOLERANCE_SECONDS);
	});

	test('frames of varying sizes: exact, from the frame count', async () => {
		const file = Buffer.concat(Array.from({ length: 500 }, (_, i) => adtsFrame(40 + (i % 7) * 10)));
		expect(await audioDuration(file, { size: file.length })).toEqual({ seconds: (500 * 1024) / 16_000, format: 'aac', estimated: false });
	});

	test("only the first bytes of a longer file (an audio URL): estimated from the frames seen, and it does not refuse", async () => {
		const head = Buffer.concat(Array.from({ length: 100 }, () => adtsFrame(60)));
		const duration = await audioDuration(head, { size: 60 * 10_000 });
		expect(duration).toMatchObject({ format: 'aac', estimated: true });
		expect(duration!.closeEnoughToRefuse).toBeFalsy();
		expect(duration!.seconds).toBeCloseTo((10_000 * 1024) / 16_000, 6);
	});

	test('a last frame cut short is not counted', async () => {
		const file = Buffer.concat([adtsFrame(50), adtsFrame(50), adtsFrame(50).subarray(0, 20)]);
		expect(await audioDuration(file, {})).toEqual({ seconds: (2 * 1024) / 16_000, format: 'aac', estimated: false });
	});
});
