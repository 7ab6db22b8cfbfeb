/**
 * FLAC whose STREAMINFO has no sample count (written by a streaming encoder, e.g. ffmpeg into a pipe):
 * the frames are found while the file streams past. FLAC frames carry no length, so each chunk is
 * scanned for the frame sync (0xFFF8/0xFFF9); a header counts only when its CRC-8 is right and its
 * number follows the previous frame's, which a sync pattern inside the audio data will not do. The
 * last frame's number (or first sample) plus its block size is the exact sample count.
 */
import type { ByteReader } from './byteReader';
import { durationOf } from './mediaDuration';

/** The longest frame header: 2 sync + 2 + 7 number + 2 block size + 2 rate + 1 CRC. */
const MAX_HEADER_LENGTH = 16;

interface FrameHeader {
	variable: boolean;
	/** Frame number (fixed block size) or first sample number (variable block size). */
	number: number;
	blockSize: number;
}

interface Chain {
	last?: FrameHeader;
	/** The stream's block size (STREAMINFO's minimum), used to turn frame numbers into samples. */
	fixedBlockSize: number;
}

/** Samples in the frames from the reader's position (just past the metadata blocks) to the end, as seconds. */
export async function flacFramesDuration(reader: ByteReader, sampleRate: number, fixedBlockSize: number): Promise<number | undefined> {
	const chain: Chain = { fixedBlockSize };
	let carry = new Uint8Array(0);
	for (let chunk = await reader.chunk(); chunk; chunk = await reader.chunk()) {
		const buffer = joined(carry, chunk);
		const scanned = Math.max(0, buffer.length - MAX_HEADER_LENGTH + 1);
		scan(buffer, 0, scanned, chain);
		carry = buffer.slice(scanned);
	}
	scan(carry, 0, carry.length, chain);
	if (!chain.last) return undefined;
	const start = chain.last.variable ? chain.last.number : chain.last.number * fixedBlockSize;
	return durationOf(start + chain.last.blockSize, sampleRate);
}

function scan(buffer: Uint8Array, from: number, to: number, chain: Chain): void {
	for (let at = buffer.indexOf(0xff, from); at !== -1 && at < to; at = buffer.indexOf(0xff, at + 1)) {
		const header = parseFrameHeader(buffer, at);
		if (header && follows(header, chain)) chain.last = header;
	}
}

/** The first frame is number 0; each next one continues where the last left off. */
function follows(header: FrameHeader, chain: Chain): boolean {
	const last = chain.last;
	if (!last) return header.number === 0;
	if (header.variable !== last.variable) return false;
	return header.number === (last.variable ? last.number + last.blockSize : last.number + 1);
}

export function parseFrameHeader(b: Uint8Array, at: number): FrameHeader | undefined {
	if (at + 6 > b.length || b[at] !== 0xff || (b[at + 1] & 0xfe) !== 0xf8) return undefined;
	const variable = (b[at + 1] & 1) === 1;
	const blockCode = b[at + 2] >> 4;
	const rateCode = b[at + 2] & 0x0f;
	// Reserved codes: block size 0, sample rate 15, channel assignments 11–15, the reserved bit.
	if (blockCode === 0 || rateCode === 15 || b[at + 3] >> 4 > 10 || (b[at + 3] & 1) !== 0) return undefined;
	const coded = codedNumber(b, at + 4, variable ? 7 : 6);
	if (!coded) return undefined;
	let end = at + 4 + coded.length;
	let blockSize = fixedBlockSizes(blockCode);
	if (blockCode === 6 || blockCode === 7) {
		const bytes = blockCode === 6 ? 1 : 2;
		if (end + bytes > b.length) return undefined;
		blockSize = (bytes === 1 ? b[end] : (b[end] << 8) | b[end + 1]) + 1;
		end += bytes;
	}
	end += rateCode === 12 ? 1 : rateCode === 13 || rateCode === 14 ? 2 : 0;
	if (end >= b.length || crc8(b, at, end) !== b[end]) return undefined;
	return { variable, number: coded.value, blockSize };
}

function fixedBlockSizes(code: number): number {
	if (code === 1) return 192;
	if (code >= 2 && code <= 5) return 576 * 2 ** (code - 2);
	return 256 * 2 ** (code - 8);
}

/** The frame or sample number, coded like UTF-8 (1 to 7 bytes, up to 36 bits). */
function codedNumber(b: Uint8Array, at: number, maxLength: number): { value: number; length: number } | undefined {
	const first = b[at];
	let ones = 0;
	while (ones < 8 && first & (0x80 >> ones)) ones++;
	// 0 leading ones: one byte; 1 (a continuation byte) or 8 cannot start a number.
	const length = ones === 0 ? 1 : ones;
	if (ones === 1 || ones === 8 || length > maxLength || at + length > b.length) return undefined;
	let value = length === 1 ? first : first & (0x7f >> length);
	for (let i = 1; i < length; i++) {
		if ((b[at + i] & 0xc0) !== 0x80) return undefined;
		value = value * 64 + (b[at + i] & 0x3f);
	}
	return { value, length };
}

/** CRC-8, polynomial x^8 + x^2 + x + 1, over the header's bytes. */
function crc8(b: Uint8Array, from: number, to: number): number {
	let crc = 0;
	for (let i = from; i < to; i++) {
		crc ^= b[i];
		for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
	}
	return crc;
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
	if (a.length === 0) return b;
	const out = new Uint8Array(a.length + b.length);
	out.set(a);
	out.set(b, a.length);
	return out;
}
