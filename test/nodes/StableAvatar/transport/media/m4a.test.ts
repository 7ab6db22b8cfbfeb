import { audioDuration } from '../../../../../nodes/StableAvatar/transport/media/audioDuration';
import { bigStream, countedStream, fixture, MANIFEST, TOLERANCE_SECONDS } from './mediaFixtures';

function box(type: string, ...children: Uint8Array[]): Buffer {
	const body = Buffer.concat(children);
	const header = Buffer.alloc(8);
	header.writeUInt32BE(8 + body.length);
	header.write(type, 4, 'ascii');
	return Buffer.concat([header, body]);
}

function u32s(...values: number[]): Buffer {
	const b = Buffer.alloc(4 * values.length);
	values.forEach((value, i) => b.writeUInt32BE(value, 4 * i));
	return b;
}

/** An empty moov (mvhd duration 0, one track at `timescale`, trex default duration 1024), optionally with mehd. */
function fragmentedMoov(timescale: number, mehdUnits?: number): Buffer {
	const mvhd = box('mvhd', u32s(0, 0, 0, 1000, 0), Buffer.alloc(80));
	const mdhd = box('mdhd', u32s(0, 0, 0, timescale, 0, 0));
	const trex = box('trex', u32s(0, 1, 1, 1024, 0, 0));
	const mvex = box('mvex', ...(mehdUnits === undefined ? [] : [box('mehd', u32s(0, mehdUnits))]), trex);
	return Buffer.concat([box('ftyp', Buffer.from('iso6mp41')), box('moov', mvhd, box('trak', box('mdia', mdhd)), mvex)]);
}

/** A fragment: tfhd of track 1, a trun listing each sample's duration, and its mdat. */
function fragment(durations: number[], mdatBytes = 100): Buffer {
	const tfhd = box('tfhd', u32s(0x020000, 1));
	const trun = box('trun', u32s(0x000101, durations.length, 0), u32s(...durations));
	return Buffer.concat([box('moof', box('mfhd', u32s(0, 1)), box('traf', tfhd, trun)), box('mdat', Buffer.alloc(mdatBytes))]);
}

describe('fragmented M4A durations', () => {
	test("the fixture (ffmpeg's fragmented MP4, as MediaRecorder writes it): the fragments' sample durations, as ffprobe says", async () => {
		const bytes = fixture('m4a-fragmented.m4a');
		const duration = await audioDuration(countedStream(bytes, 1000).stream, { size: bytes.length });
		expect(duration).toMatchObject({ format: 'm4a', estimated: false });
		expect(Math.abs(duration!.seconds - MANIFEST['m4a-fragmented.m4a'])).toBeLessThanOrEqual(TOLERANCE_SECONDS);
	});

	test("mehd gives the total at once (in mvhd's timescale, 1000 here): the fragments are not read", async () => {
		const { stream, counter } = bigStream(fragmentedMoov(48_000, 90 * 1000), 100 * 1024 * 1024);
		expect(await audioDuration(stream, {})).toEqual({ seconds: 90, format: 'm4a', estimated: false });
		expect(counter.pulled).toBeLessThan(64 * 1024 + 1024);
	});

	test('without mehd: listed durations and trex defaults summed over every fragment', async () => {
		const defaults = Buffer.concat([
			box('moof', box('traf', box('tfhd', u32s(0x020000, 1)), box('trun', u32s(0, 10)))),
			box('mdat', Buffer.alloc(50)),
		]);
		const file = Buffer.concat([fragmentedMoov(16_000), fragment([1024, 1024, 512]), defaults, fragment([2048])]);
		expect(await audioDuration(file, {})).toEqual({ seconds: (1024 + 1024 + 512 + 10 * 1024 + 2048) / 16_000, format: 'm4a', estimated: false });
	});

	test('only the first bytes of a fragmented file (an audio URL): an estimate that does not refuse', async () => {
		const file = Buffer.concat([fragmentedMoov(16_000), ...Array.from({ length: 20 }, () => fragment([1024, 1024]))]);
		const duration = await audioDuration(file.subarray(0, file.length / 2), { size: file.length });
		expect(duration).toMatchObject({ format: 'm4a', estimated: true });
		expect(duration!.closeEnoughToRefuse).toBeFalsy();
	});
});
