import { audioDuration } from '../../../../../nodes/StableAvatar/transport/media/audioDuration';
import { bigStream, concat, countedStream, fixture } from './mediaFixtures';

/** MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, stereo, no padding: 417-byte frames of 1152 samples. */
const FRAME_HEADER = [0xff, 0xfb, 0x90, 0x00];
const FRAME_LENGTH = 417;

function frame(fill: (frame: Buffer) => void = () => {}): Buffer {
	const bytes = Buffer.alloc(FRAME_LENGTH);
	bytes.set(FRAME_HEADER, 0);
	fill(bytes);
	return bytes;
}

/** A Fraunhofer VBRI header in the first frame, 32 bytes after the frame header. */
function vbriFrame(frames: number): Buffer {
	return frame((bytes) => {
		bytes.write('VBRI', 36, 'ascii');
		bytes.writeUInt16BE(1, 40); // version
		bytes.writeUInt16BE(576, 42); // encoder delay
		bytes.writeUInt16BE(75, 44); // quality
		bytes.writeUInt32BE(frames * FRAME_LENGTH, 46); // bytes
		bytes.writeUInt32BE(frames, 50); // frames
	});
}

/** An ID3v2.4 tag of `bodyBytes` (syncsafe size), as a cover image would make it. */
function id3v2(bodyBytes: number): Buffer {
	const size = [(bodyBytes >> 21) & 0x7f, (bodyBytes >> 14) & 0x7f, (bodyBytes >> 7) & 0x7f, bodyBytes & 0x7f];
	return Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, ...size]), Buffer.alloc(bodyBytes, 0x41)]);
}

describe('MP3 durations', () => {
	test('a VBRI header: its frame count, whatever the file size says', async () => {
		const file = Buffer.concat([vbriFrame(1000), frame(), frame()]);
		const duration = await audioDuration(file, { size: 123 });
		expect(duration).toEqual({ seconds: (1000 * 1152) / 44_100, format: 'mp3', estimated: false });
	});

	test('a 100 MiB constant-bitrate MP3 without a Xing header: every frame counted, exact, the stream read to its end', async () => {
		const frames = Math.floor((100 * 1024 * 1024) / FRAME_LENGTH);
		const file = Buffer.concat(Array.from({ length: frames }, () => frame()));
		const { stream, counter } = countedStream(file, 64 * 1024);
		const duration = await audioDuration(stream, { size: file.length });
		expect(duration).toEqual({ seconds: (frames * 1152) / 44_100, format: 'mp3', estimated: false });
		expect(counter.pulled).toBe(file.length);
	});

	test('a VBR MP3 without a Xing header: frames of every bitrate counted, exact', async () => {
		// 64 kbit/s frames at 44.1 kHz are 208 bytes; the 128 kbit/s ones 417.
		const low = (): Buffer => frame((bytes) => bytes.set([0xff, 0xfb, 0x50, 0x00])).subarray(0, 208);
		const file = Buffer.concat([...Array.from({ length: 300 }, low), ...Array.from({ length: 100 }, () => frame()), Buffer.from('TAG'.padEnd(128, ' '))]);
		expect(await audioDuration(file, { size: file.length })).toEqual({ seconds: (400 * 1152) / 44_100, format: 'mp3', estimated: false });
	});

	test('only the first bytes of a long file (an audio URL): a constant bitrate is close enough to refuse, a varying one only prices', async () => {
		const cbrHead = Buffer.concat(Array.from({ length: 150 }, () => frame()));
		const size = 417 * 50_000;
		const cbr = await audioDuration(cbrHead, { size });
		expect(cbr).toMatchObject({ format: 'mp3', estimated: true, closeEnoughToRefuse: true });
		expect(cbr!.seconds).toBeCloseTo((50_000 * 1152) / 44_100, 6);
		const low = (): Buffer => frame((bytes) => bytes.set([0xff, 0xfb, 0x50, 0x00])).subarray(0, 208);
		const vbrHead = Buffer.concat([...Array.from({ length: 100 }, () => frame()), ...Array.from({ length: 50 }, low)]);
		expect(await audioDuration(vbrHead, { size })).toMatchObject({ format: 'mp3', estimated: true, closeEnoughToRefuse: false });
	});

	test('frames then bytes that are not frames (100 MiB of zeros): an estimate that does not refuse', async () => {
		const { stream, size } = bigStream(Buffer.concat([frame(), frame(), frame()]), 100 * 1024 * 1024);
		const duration = await audioDuration(stream, { size });
		expect(duration).toMatchObject({ format: 'mp3', estimated: true, closeEnoughToRefuse: false });
		expect(duration!.seconds).toBeCloseTo(((size / FRAME_LENGTH) * 1152) / 44_100, 6);
	});

	test('a 100 MiB VBR MP3 with a Xing header behind a 2 MiB ID3v2 tag: the tag streams past, the frames are counted', async () => {
		const xing = fixture('mp3-vbr-xing.mp3');
		const tag = id3v2(2 * 1024 * 1024);
		const { stream, counter, size } = bigStream(concat(tag, xing), 100 * 1024 * 1024);
		const duration = await audioDuration(stream, { size });
		expect(duration).toMatchObject({ format: 'mp3', estimated: false });
		expect(duration!.seconds).toBeCloseTo((await audioDuration(xing, {}))!.seconds, 6);
		expect(counter.pulled).toBeLessThanOrEqual(tag.length + xing.length + 64 * 1024);
	});

	test('a Xing header without a frame count falls back to counting the frames', async () => {
		const noCount = frame((bytes) => {
			bytes.write('Xing', 4 + 32, 'ascii');
			bytes.writeUInt32BE(0x2, 40); // only the byte count
		});
		expect(await audioDuration(Buffer.concat([noCount, frame()]), {})).toEqual({ seconds: (2 * 1152) / 44_100, format: 'mp3', estimated: false });
	});

	test('a false sync in junk before the first frame is passed over', async () => {
		// 0xFF 0xFB 0x90 0x00 once, then not followed by another header where its frame would end.
		const junk = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x00]), Buffer.alloc(600, 0x11)]);
		const file = Buffer.concat([junk, vbriFrame(500), frame()]);
		expect((await audioDuration(Buffer.concat([Buffer.from(id3v2(10)), file]), {}))?.seconds).toBeCloseTo((500 * 1152) / 44_100, 6);
	});

	test('free-format and reserved headers, and a tag cut short: undefined', async () => {
		expect(await audioDuration(Buffer.from([0xff, 0xfb, 0x00, 0x00, ...new Array(2000).fill(0)]), {})).toBeUndefined();
		expect(await audioDuration(Buffer.from([0xff, 0xfb, 0x9c, 0x00, ...new Array(2000).fill(0)]), {})).toBeUndefined();
		expect(await audioDuration(id3v2(5000).subarray(0, 1000), {})).toBeUndefined();
	});
});
