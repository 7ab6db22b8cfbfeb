import { audioDuration } from '../../../../../nodes/StableAvatar/transport/media/audioDuration';
import { bigStream, countedStream, fixture, MANIFEST, TOLERANCE_SECONDS } from './mediaFixtures';

/** An EBML element: ID bytes, a 1- or 8-byte size (8 bytes of 0x01FF…: "unknown"), the body. */
function element(id: number[], body: Uint8Array | undefined): Buffer {
	if (!body) return Buffer.from([...id, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
	return Buffer.concat([Buffer.from([...id, 0x80 | body.length]), body]);
}

const EBML_HEADER = element([0x1a, 0x45, 0xdf, 0xa3], Buffer.concat([element([0x42, 0x82], Buffer.from('webm'))]));
const SEGMENT = element([0x18, 0x53, 0x80, 0x67], undefined);
const CLUSTER = element([0x1f, 0x43, 0xb6, 0x75], undefined);

function u16(value: number): Buffer {
	const b = Buffer.alloc(2);
	b.writeUInt16BE(value);
	return b;
}

/** A SimpleBlock of track 1 at `relative` ms into its cluster, with a 20-byte payload. */
function simpleBlock(relative: number): Buffer {
	return element([0xa3], Buffer.concat([Buffer.from([0x81]), u16(relative), Buffer.from([0x80]), Buffer.alloc(20)]));
}

describe('WebM durations', () => {
	test.each(['webm-opus.webm', 'webm-opus-streamed.webm'])('%s: within 0.05 s of the decoded length', async (name) => {
		const bytes = fixture(name);
		const duration = await audioDuration(countedStream(bytes, 1000).stream, { size: bytes.length });
		expect(duration).toMatchObject({ format: 'webm', estimated: false });
		expect(Math.abs(duration!.seconds - MANIFEST[name])).toBeLessThanOrEqual(TOLERANCE_SECONDS);
	});

	test('a Duration in Info: read before the first cluster, the clusters not read', async () => {
		const duration = Buffer.alloc(8);
		duration.writeDoubleBE(95_500);
		const info = element([0x15, 0x49, 0xa9, 0x66], element([0x44, 0x89], duration));
		const { stream, counter } = bigStream(Buffer.concat([EBML_HEADER, SEGMENT, info, CLUSTER]), 100 * 1024 * 1024);
		expect(await audioDuration(stream, {})).toEqual({ seconds: 95.5, format: 'webm', estimated: false });
		expect(counter.pulled).toBeLessThan(64 * 1024 + 1024);
	});

	test('no Duration, clusters of unknown size: where the last block ends (one frame after it)', async () => {
		const cluster = (timecode: number): Buffer =>
			Buffer.concat([CLUSTER, element([0xe7], u16(timecode)), ...[0, 20, 40, 60, 80].map(simpleBlock)]);
		const file = Buffer.concat([EBML_HEADER, SEGMENT, cluster(0), cluster(100), cluster(200)]);
		// Last block at 200 + 80 ms, plus one 20 ms frame.
		expect(await audioDuration(file, {})).toEqual({ seconds: 0.3, format: 'webm', estimated: false });
	});

	test('only the first bytes of a long streamed WebM (an audio URL): an estimate that does not refuse', async () => {
		const bytes = fixture('webm-opus-streamed.webm');
		const duration = await audioDuration(bytes.subarray(0, 6000), { size: bytes.length });
		expect(duration).toMatchObject({ format: 'webm', estimated: true });
		expect(duration!.closeEnoughToRefuse).toBeFalsy();
	});
});
