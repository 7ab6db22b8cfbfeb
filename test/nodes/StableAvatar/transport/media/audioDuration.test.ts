import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';

import { audioDuration } from '../../../../../nodes/StableAvatar/transport/media/audioDuration';
import { countedStream, ffprobeSeconds, fixture, FIXTURES, MANIFEST, TOLERANCE_SECONDS } from './mediaFixtures';

/** Files whose duration ffprobe only guesses from the bitrate: durations.json has their decoded length. */
const DECODED_TRUTH = new Set(['mp3-vbr-no-xing.mp3', 'mp3-cbr-22khz-no-xing.mp3', 'aac-adts.aac', 'flac-streamed.flac', 'webm-opus.webm', 'webm-opus-streamed.webm']);

const AUDIO: Array<[string, string, boolean]> = [
	// file, format, estimated
	['wav-pcm16.wav', 'wav', false],
	['wav-float-extensible.wav', 'wav', false],
	['mp3-cbr-no-xing.mp3', 'mp3', false],
	['mp3-cbr-22khz-no-xing.mp3', 'mp3', false],
	['mp3-vbr-no-xing.mp3', 'mp3', false],
	['aac-adts.aac', 'aac', false],
	['mp3-vbr-xing.mp3', 'mp3', false],
	['mp3-id3v2.mp3', 'mp3', false],
	['m4a-moov-start.m4a', 'm4a', false],
	['m4a-moov-end.m4a', 'm4a', false],
	['m4a-fragmented.m4a', 'm4a', false],
	['ogg-opus.opus', 'ogg', false],
	['ogg-vorbis.ogg', 'ogg', false],
	['flac.flac', 'flac', false],
	['flac-streamed.flac', 'flac', false],
	['webm-opus.webm', 'webm', false],
	['webm-opus-streamed.webm', 'webm', false],
];

describe('audioDuration on real files made by ffmpeg', () => {
	test.each(AUDIO)('%s: from a file stream, as ffprobe says (within 0.05 s)', async (name, format, estimated) => {
		const path = join(FIXTURES, name);
		const duration = await audioDuration(createReadStream(path, { highWaterMark: 1024 }), { size: statSync(path).size, fileName: name });
		expect(duration).toMatchObject({ format, estimated });
		expect(Math.abs(duration!.seconds - MANIFEST[name])).toBeLessThanOrEqual(TOLERANCE_SECONDS);
		const probed = DECODED_TRUTH.has(name) ? undefined : ffprobeSeconds(path);
		if (probed !== undefined) expect(Math.abs(duration!.seconds - probed)).toBeLessThanOrEqual(TOLERANCE_SECONDS);
	});

	test.each(AUDIO)('%s: the same from a Buffer, and from a stream of 1-byte chunks', async (name, format) => {
		const bytes = fixture(name);
		const fromBuffer = await audioDuration(bytes, {});
		const { stream } = countedStream(bytes, 1);
		const fromTinyChunks = await audioDuration(stream, { size: bytes.length });
		expect(fromBuffer).toMatchObject({ format });
		expect(fromTinyChunks).toEqual(fromBuffer);
	});

	test('an MP3 without a frame count: its frames counted, exact with or without the size', async () => {
		const bytes = fixture('mp3-cbr-no-xing.mp3');
		const counted = { seconds: MANIFEST['mp3-cbr-no-xing.mp3'], format: 'mp3', estimated: false };
		expect(await audioDuration(bytes, {})).toEqual(counted);
		expect(await audioDuration(countedStream(bytes, 4096).stream, {})).toEqual(counted);
	});

	test('a file stream read only in part is closed', async () => {
		const path = join(FIXTURES, 'flac.flac');
		const stream = createReadStream(path, { highWaterMark: 64 });
		await audioDuration(stream, {});
		expect(stream.destroyed).toBe(true);
		expect(stream.bytesRead).toBeLessThan(statSync(path).size);
	});
});

describe('audioDuration on what is not a usable audio file', () => {
	test('text, zeros, an empty file and an endless stream of zeros: undefined, and the endless one is closed', async () => {
		expect(await audioDuration(Buffer.from('hello, this is not audio at all'), { contentType: 'audio/mpeg' })).toBeUndefined();
		expect(await audioDuration(Buffer.alloc(100_000), {})).toBeUndefined();
		expect(await audioDuration(Buffer.alloc(0), {})).toBeUndefined();
		let closed = false;
		let pulled = 0;
		async function* endless() {
			try {
				for (;;) {
					pulled += 65_536;
					yield new Uint8Array(65_536);
				}
			} finally {
				closed = true;
			}
		}
		expect(await audioDuration(endless(), {})).toBeUndefined();
		expect(closed).toBe(true);
		expect(pulled).toBeLessThanOrEqual(65_536);
	});

	test.each(AUDIO.map(([name]) => [name]))('%s cut short anywhere: a duration or undefined, never a throw', async (name) => {
		const bytes = fixture(name);
		for (const length of [0, 3, 4, 11, 12, 20, 40, 44, 60, 100, 400, Math.floor(bytes.length / 2), bytes.length - 1]) {
			const duration = await audioDuration(bytes.subarray(0, length), {});
			if (duration !== undefined) {
				expect(Number.isFinite(duration.seconds)).toBe(true);
				expect(duration.seconds).toBeGreaterThanOrEqual(0);
				// A cut file never claims to be longer than the whole one (plus the tolerance).
				expect(duration.seconds).toBeLessThanOrEqual(MANIFEST[name] + TOLERANCE_SECONDS);
			}
		}
	});

	test('a stream that fails while being read gives undefined', async () => {
		async function* failing() {
			yield Uint8Array.from(Buffer.from('RIFF'));
			throw new Error('disk gone');
		}
		expect(await audioDuration(failing(), {})).toBeUndefined();
	});
});
