import { createReadStream } from 'node:fs';
import { join } from 'node:path';

import { Mp4DurationProbe } from '../../../../../nodes/StableAvatar/transport/media/mp4Duration';
import { ffprobeSeconds, fixture, FIXTURES, MANIFEST, TOLERANCE_SECONDS } from './mediaFixtures';

function box(type: string, ...payload: Buffer[]): Buffer {
	const body = Buffer.concat(payload);
	const header = Buffer.alloc(8);
	header.writeUInt32BE(8 + body.length, 0);
	header.write(type, 4, 'ascii');
	return Buffer.concat([header, body]);
}

function mvhd(version: 0 | 1, timescale: number, duration: number): Buffer {
	const body = Buffer.alloc(version === 1 ? 112 : 100);
	body[0] = version;
	if (version === 1) {
		body.writeUInt32BE(timescale, 20);
		body.writeBigUInt64BE(BigInt(duration), 24);
	} else {
		body.writeUInt32BE(timescale, 12);
		body.writeUInt32BE(duration, 16);
	}
	return box('mvhd', body);
}

const FTYP = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2avc1mp41', 'binary'));
const MOOV = box('moov', mvhd(0, 1000, 12_345), box('trak', box('tkhd', Buffer.alloc(84))));

function probe(...chunks: Uint8Array[]): Mp4DurationProbe {
	const p = new Mp4DurationProbe();
	for (const chunk of chunks) p.push(chunk);
	return p;
}

describe('Mp4DurationProbe', () => {
	test.each(['video-moov-start.mp4', 'video-moov-end.mp4', 'm4a-moov-start.m4a', 'm4a-moov-end.m4a'])(
		'%s streamed from disk in 1 KiB chunks: the duration ffprobe gives',
		async (name) => {
			const p = new Mp4DurationProbe();
			for await (const chunk of createReadStream(join(FIXTURES, name), { highWaterMark: 1024 })) p.push(chunk as Buffer);
			expect(Math.abs(p.seconds! - MANIFEST[name])).toBeLessThanOrEqual(TOLERANCE_SECONDS);
			const probed = ffprobeSeconds(join(FIXTURES, name));
			if (probed !== undefined) expect(Math.abs(p.seconds! - probed)).toBeLessThanOrEqual(TOLERANCE_SECONDS);
		},
	);

	test('fed one byte at a time: the same', () => {
		const bytes = fixture('video-moov-end.mp4');
		const p = new Mp4DurationProbe();
		for (let at = 0; at < bytes.length; at++) p.push(bytes.subarray(at, at + 1));
		expect(p.seconds).toBeCloseTo(MANIFEST['video-moov-end.mp4'], 2);
	});

	test('nothing known before moov has gone by; mvhd v0 after a large mdat', () => {
		const p = new Mp4DurationProbe();
		p.push(FTYP);
		p.push(box('mdat', Buffer.alloc(100_000)));
		expect(p.seconds).toBeUndefined();
		expect(p.finished).toBe(false);
		p.push(MOOV);
		expect(p.seconds).toBeCloseTo(12.345, 9);
		expect(p.finished).toBe(true);
	});

	test('a 64-bit largesize mdat of 5 GiB is counted past, never held, and mvhd v1 after it is read', () => {
		const mdatBytes = 5 * 2 ** 30;
		const largeHeader = Buffer.alloc(16);
		largeHeader.writeUInt32BE(1, 0);
		largeHeader.write('mdat', 4, 'ascii');
		largeHeader.writeBigUInt64BE(BigInt(16 + mdatBytes), 8);
		const p = probe(FTYP, largeHeader);
		const zeros = new Uint8Array(8 * 1024 * 1024);
		for (let left = mdatBytes; left > 0; left -= zeros.length) p.push(zeros.subarray(0, Math.min(left, zeros.length)));
		expect(p.finished).toBe(false);
		p.push(box('moov', mvhd(1, 90_000, 90_000 * 301.5)));
		expect(p.seconds).toBe(301.5);
	});

	test('a chunk that splits a header, and boxes inside moov before mvhd', () => {
		const moov = box('moov', box('udta', Buffer.alloc(40)), mvhd(0, 600, 600 * 7));
		const file = Buffer.concat([FTYP, moov, box('mdat', Buffer.alloc(500))]);
		expect(probe(file.subarray(0, FTYP.length + 3), file.subarray(FTYP.length + 3, FTYP.length + 13), file.subarray(FTYP.length + 13)).seconds).toBe(7);
	});

	test('garbage, a box smaller than its header, a child larger than moov, zero timescale, unknown duration: finished, no duration', () => {
		const cases: Buffer[] = [
			Buffer.from('this is plain text, no boxes in it at all'),
			Buffer.concat([FTYP, Buffer.from([0, 0, 0, 4, 0x6d, 0x64, 0x61, 0x74])]),
			Buffer.concat([FTYP, box('moov', Buffer.concat([Buffer.from([0, 0, 0x10, 0]), Buffer.from('trak')]))]),
			Buffer.concat([FTYP, box('moov', mvhd(0, 0, 1000))]),
			Buffer.concat([FTYP, box('moov', mvhd(0, 1000, 0xffffffff))]),
			Buffer.concat([FTYP, box('moov', mvhd(0, 1000, 0))]),
			Buffer.concat([FTYP, box('moov', box('trak', Buffer.alloc(20)))]),
		];
		for (const bytes of cases) {
			const p = probe(bytes, Buffer.alloc(64));
			expect(p.seconds).toBeUndefined();
			expect(p.finished).toBe(true);
		}
	});

	test('a box running to the end of the file (size 0) ends the walk', () => {
		const p = probe(FTYP, Buffer.from([0, 0, 0, 0, 0x6d, 0x64, 0x61, 0x74]), Buffer.alloc(1000));
		expect(p.finished).toBe(true);
		expect(p.seconds).toBeUndefined();
	});
});
