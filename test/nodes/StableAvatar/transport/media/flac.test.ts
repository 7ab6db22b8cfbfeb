import { audioDuration } from '../../../../../nodes/StableAvatar/transport/media/audioDuration';
import { bigStream, countedStream, fixture, MANIFEST, TOLERANCE_SECONDS } from './mediaFixtures';

/** "fLaC" + a STREAMINFO block with the given rate and total samples (36 bits). */
function flacHead(sampleRate: number, totalSamples: number): Buffer {
	const info = Buffer.alloc(34);
	info.writeUInt16BE(4096, 0);
	info.writeUInt16BE(4096, 2);
	info[10] = (sampleRate >> 12) & 0xff;
	info[11] = (sampleRate >> 4) & 0xff;
	// rate's low 4 bits, then 3 bits channels − 1 (mono), 1 bit of bits-per-sample − 1 (15 = 0b01111).
	info[12] = ((sampleRate & 0x0f) << 4) | (0 << 1) | 0;
	info[13] = (0x0f << 4) | Math.floor(totalSamples / 2 ** 32);
	info.writeUInt32BE(totalSamples % 2 ** 32, 14);
	return Buffer.concat([Buffer.from('fLaC'), Buffer.from([0x80, 0, 0, 34]), info]);
}

describe('FLAC durations', () => {
	test('a 300 MiB FLAC streamed from byte 0: STREAMINFO only (the first chunk), stream closed', async () => {
		const { stream, counter } = bigStream(flacHead(48_000, 48_000 * 600), 300 * 1024 * 1024);
		expect(await audioDuration(stream, {})).toEqual({ seconds: 600, format: 'flac', estimated: false });
		expect(counter.pulled).toBeLessThan(64 * 1024);
		expect(counter.closed).toBe(true);
	});

	test('sample counts beyond 32 bits (36-bit field)', async () => {
		const samples = 2 ** 33 + 96_000;
		expect((await audioDuration(flacHead(96_000, samples), {}))?.seconds).toBeCloseTo(samples / 96_000, 6);
	});

	test('an unknown total (0), a zero rate, or STREAMINFO not first: undefined', async () => {
		expect(await audioDuration(flacHead(44_100, 0), {})).toBeUndefined();
		expect(await audioDuration(flacHead(0, 1000), {})).toBeUndefined();
		const notFirst = flacHead(44_100, 44_100);
		notFirst[4] = 0x84; // a VORBIS_COMMENT block where STREAMINFO must be
		expect(await audioDuration(notFirst, {})).toBeUndefined();
	});

	test('streamed FLAC (sample count 0): the frames are read to the end, exact to the decoded length', async () => {
		const streamed = fixture('flac-streamed.flac');
		const { stream, counter } = countedStream(streamed, 4096);
		const duration = await audioDuration(stream, { size: streamed.length });
		expect(duration).toMatchObject({ format: 'flac', estimated: false });
		expect(Math.abs(duration!.seconds - MANIFEST['flac-streamed.flac'])).toBeLessThanOrEqual(TOLERANCE_SECONDS);
		expect(counter.pulled).toBe(streamed.length);
	});

	test('streamed FLAC with a picture block holding frame-sync bytes: the metadata is skipped, not scanned', async () => {
		const streamed = fixture('flac-streamed.flac');
		const expected = await audioDuration(streamed, {});
		// STREAMINFO loses its "last block" flag; a PICTURE block (type 6) follows, full of 0xFF 0xF8.
		const head = Buffer.from(streamed.subarray(0, 42));
		head[4] &= 0x7f;
		const picture = Buffer.concat([Buffer.from([0x86, 0, 0x10, 0]), Buffer.alloc(4096, Buffer.from([0xff, 0xf8, 0x69, 0x08, 0x00]))]);
		const file = Buffer.concat([head, picture, streamed.subarray(42)]);
		expect(await audioDuration(file, {})).toEqual(expected);
	});

	test('streamed FLAC read in part (the first bytes of an audio URL): an estimate that does not refuse', async () => {
		const streamed = fixture('flac-streamed.flac');
		const duration = await audioDuration(streamed.subarray(0, 16 * 1024), { size: streamed.length });
		expect(duration).toMatchObject({ format: 'flac', estimated: true });
		expect(duration!.closeEnoughToRefuse).toBeFalsy();
		expect(Math.abs(duration!.seconds - MANIFEST['flac-streamed.flac']) / MANIFEST['flac-streamed.flac']).toBeLessThan(0.5);
	});

	test('behind an ID3v2 tag (some taggers write one): still read', async () => {
		const tag = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 20, ...new Array(20).fill(0)]);
		const flac = fixture('flac.flac');
		expect(await audioDuration(Buffer.concat([tag, flac]), {})).toEqual(await audioDuration(flac, {}));
	});
});
