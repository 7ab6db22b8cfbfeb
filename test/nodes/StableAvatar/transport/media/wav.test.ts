import { audioDuration } from '../../../../../nodes/StableAvatar/transport/media/audioDuration';
import { bigStream, concat, riffChunk, u16le, u32le, wavHeader } from './mediaFixtures';

describe('WAV durations', () => {
	test('a 301-second WAV streamed from byte 0: 301 s, reading only the first chunk of a 9.6 MB stream, then closing it', async () => {
		const dataBytes = 301 * 16_000 * 2;
		const { stream, counter, size } = bigStream(wavHeader({ sampleRate: 16_000, channels: 1, bits: 16, dataBytes }), dataBytes);
		expect(await audioDuration(stream, { size })).toEqual({ seconds: 301, format: 'wav', estimated: false });
		expect(counter.pulled).toBeLessThan(64 * 1024); // the header, not one chunk of samples
		expect(counter.closed).toBe(true);
	});

	test('chunks before data (LIST, an odd-length one padded to even) are skipped', async () => {
		const extraChunks = [riffChunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00Lavf\x00', 'binary')), riffChunk('odd ', Buffer.from('abc'))];
		const header = wavHeader({ sampleRate: 8_000, channels: 2, bits: 16, dataBytes: 8_000 * 4 * 3, extraChunks });
		expect((await audioDuration(Buffer.concat([header, Buffer.alloc(8_000 * 4 * 3)]), {}))?.seconds).toBe(3);
	});

	test('a data size left unknown by a streaming writer: worked out from the file size, and flagged as an estimate', async () => {
		const header = wavHeader({ sampleRate: 16_000, channels: 1, bits: 16, dataBytes: 0xffffffff });
		const { stream, size } = bigStream(header, 32_000 * 10);
		const duration = await audioDuration(stream, { size });
		expect(duration).toMatchObject({ seconds: 10, format: 'wav', estimated: true });
		expect(duration?.note).toMatch(/file size/);
		// Without the size there is nothing to go on.
		expect(await audioDuration(bigStream(header, 32_000).stream, {})).toBeUndefined();
	});

	test('a compressed WAV with a fact chunk: its sample count', async () => {
		// IMA ADPCM (0x0011), 22.05 kHz mono, with fact = 5 s of samples.
		const fmt = Buffer.concat([u16le(0x11), u16le(1), u32le(22_050), u32le(11_100), u16le(512), u16le(4), u16le(2), u16le(1017)]);
		const header = concat(Buffer.from('RIFF'), u32le(0), Buffer.from('WAVE'), riffChunk('fmt ', fmt), riffChunk('fact', u32le(22_050 * 5)), Buffer.from('data'), u32le(55_500));
		expect(await audioDuration(Buffer.from(header), { size: header.length + 55_500 })).toEqual({ seconds: 5, format: 'wav', estimated: false });
	});

	test('RF64: the 64-bit data size of the ds64 chunk', async () => {
		const dataBytes = 5 * 2 ** 30; // 5 GiB: more than a 32-bit size can say
		const ds64 = Buffer.alloc(28);
		ds64.writeBigUInt64LE(BigInt(dataBytes + 100), 0);
		ds64.writeBigUInt64LE(BigInt(dataBytes), 8);
		const fmt = Buffer.concat([u16le(1), u16le(2), u32le(48_000), u32le(192_000), u16le(4), u16le(16)]);
		const header = concat(Buffer.from('RF64'), u32le(0xffffffff), Buffer.from('WAVE'), riffChunk('ds64', ds64), riffChunk('fmt ', fmt), Buffer.from('data'), u32le(0xffffffff));
		const duration = await audioDuration(Buffer.from(header), { size: header.length + dataBytes });
		expect(duration?.seconds).toBeCloseTo(dataBytes / 192_000, 6);
		expect(duration?.estimated).toBe(false);
	});

	test('zero rates, a missing fmt, and a chunk claiming gigabytes before data: undefined, without reading on', async () => {
		expect(await audioDuration(wavHeader({ sampleRate: 0, channels: 1, bits: 16, dataBytes: 1000 }), {})).toBeUndefined();
		expect(await audioDuration(wavHeader({ sampleRate: 8000, channels: 0, bits: 16, dataBytes: 1000 }), {})).toBeUndefined();
		const noFmt = concat(Buffer.from('RIFF'), u32le(100), Buffer.from('WAVE'), Buffer.from('data'), u32le(1000));
		expect(await audioDuration(Buffer.from(noFmt), {})).toBeUndefined();
		const huge = concat(Buffer.from('RIFF'), u32le(0xffffffff), Buffer.from('WAVE'), Buffer.from('JUNK'), u32le(0xfffffff0));
		const { stream, counter } = bigStream(huge, 200 * 1024 * 1024);
		expect(await audioDuration(stream, {})).toBeUndefined();
		expect(counter.pulled).toBeLessThan(64 * 1024);
	});
});
