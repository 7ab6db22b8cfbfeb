import { audioDuration } from '../../../../../nodes/StableAvatar/transport/media/audioDuration';
import { countedStream, fixture } from './mediaFixtures';

/** An Ogg page: its 27-byte header, the lacing table for one packet of `payload`, the payload. */
function page(options: { granule: bigint; serial: number; sequence: number; flags?: number; payload: Buffer }): Buffer {
	const { payload } = options;
	const lacing: number[] = [];
	for (let left = payload.length; ; left -= 255) {
		lacing.push(Math.min(left, 255));
		if (left < 255) break;
	}
	const header = Buffer.alloc(27);
	header.write('OggS', 0, 'ascii');
	header[5] = options.flags ?? 0;
	header.writeBigInt64LE(options.granule, 6);
	header.writeUInt32LE(options.serial, 14);
	header.writeUInt32LE(options.sequence, 18);
	header[26] = lacing.length;
	return Buffer.concat([header, Buffer.from(lacing), payload]);
}

function opusHead(preSkip: number): Buffer {
	const head = Buffer.alloc(19);
	head.write('OpusHead', 0, 'ascii');
	head[8] = 1;
	head[9] = 1;
	head.writeUInt16LE(preSkip, 10);
	head.writeUInt32LE(16_000, 12);
	return head;
}

describe('Ogg durations', () => {
	test('Opus: last granule − pre-skip at 48 kHz, other streams and no-packet (−1) pages ignored', async () => {
		const serial = 7;
		const file = Buffer.concat([
			page({ granule: 0n, serial, sequence: 0, flags: 0x02, payload: opusHead(312) }),
			page({ granule: 48_000n * 2n, serial, sequence: 1, payload: Buffer.alloc(300) }),
			page({ granule: 48_000n * 99n, serial: 8, sequence: 0, payload: Buffer.alloc(10) }),
			page({ granule: -1n, serial, sequence: 2, payload: Buffer.alloc(255 * 3) }),
			page({ granule: 48_000n * 4n + 312n, serial, sequence: 3, flags: 0x04, payload: Buffer.alloc(100) }),
			// After end of stream: not read.
			page({ granule: 48_000n * 50n, serial, sequence: 4, payload: Buffer.alloc(100) }),
		]);
		expect(await audioDuration(file, {})).toEqual({ seconds: 4, format: 'ogg', estimated: false });
	});

	test('only the first bytes of a longer file (an audio URL): estimated from the size, and it does not refuse', async () => {
		const bytes = fixture('ogg-vorbis.ogg');
		const duration = await audioDuration(bytes.subarray(0, Math.floor(bytes.length / 2)), { size: bytes.length });
		expect(duration).toMatchObject({ format: 'ogg', estimated: true });
		expect(duration!.closeEnoughToRefuse).toBeFalsy();
	});

	test('the whole file streams through, chunk by chunk, and the stream ends read', async () => {
		const bytes = fixture('ogg-vorbis.ogg');
		const { stream, counter } = countedStream(bytes, 100);
		expect((await audioDuration(stream, {}))?.seconds).toBeCloseTo(2.5, 3);
		expect(counter.pulled).toBe(bytes.length);
		expect(counter.closed).toBe(true);
	});

	test('truncated: the last whole page header counts (shorter, never longer); damaged or unknown codecs: undefined', async () => {
		const bytes = fixture('ogg-opus.opus');
		const cut = await audioDuration(bytes.subarray(0, Math.floor(bytes.length / 2)), {});
		expect(cut!.seconds).toBeGreaterThan(0);
		expect(cut!.seconds).toBeLessThan(2.5);
		const damaged = Buffer.from(bytes);
		damaged.write('Xggs', 0, 'ascii');
		expect(await audioDuration(damaged, {})).toBeUndefined();
		const speex = page({ granule: 0n, serial: 1, sequence: 0, payload: Buffer.from('Speex   xxxxxxxxxxxxxxxxxxxxxxxxxx') });
		expect(await audioDuration(speex, {})).toBeUndefined();
		const zeroRate = Buffer.alloc(30);
		zeroRate[0] = 1;
		zeroRate.write('vorbis', 1, 'ascii');
		expect(await audioDuration(Buffer.concat([page({ granule: 0n, serial: 1, sequence: 0, payload: zeroRate }), page({ granule: 1000n, serial: 1, sequence: 1, payload: Buffer.alloc(9) })]), {})).toBeUndefined();
	});
});
