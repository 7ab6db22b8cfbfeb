import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/**
 * The result videos. The shipped clip is a real, playable 2 s MP4. Bigger videos are that clip followed by
 * one top-level MP4 `free` box of zero padding: players and ffprobe skip `free` boxes, so the file stays
 * valid at any size, and it can be generated on the fly without ever holding it in memory.
 */
export const SAMPLE_CLIP_PATH = join(__dirname, 'assets', 'sample.mp4');

const CHUNK_BYTES = 256 * 1024;
const ZEROS = Buffer.alloc(CHUNK_BYTES);
const MAX_32BIT_BOX = 0xffffffff;

let cachedClip: Buffer | undefined;

export function sampleClip(): Buffer {
	cachedClip ??= readFileSync(SAMPLE_CLIP_PATH);
	return cachedClip;
}

/** The size actually served for a requested size: padding needs room for a box header, so tiny requests get the bare clip. */
export function paddedVideoSize(requestedBytes: number): number {
	const clip = sampleClip();
	const requested = Math.floor(requestedBytes);
	const padding = requested - clip.length;
	return padding >= boxHeader(padding).length ? requested : clip.length;
}

/** The bytes [start, end) of the padded video of `totalBytes` (a size from paddedVideoSize). */
export function paddedVideoStream(totalBytes: number, start = 0, end = totalBytes): Readable {
	return Readable.from(paddedVideoChunks(totalBytes, start, end), { objectMode: false });
}

const shaCache = new Map<number, string>();

export function paddedVideoSha256(totalBytes: number): string {
	const cached = shaCache.get(totalBytes);
	if (cached) return cached;
	const hash = createHash('sha256');
	for (const chunk of paddedVideoChunks(totalBytes, 0, totalBytes)) hash.update(chunk);
	const digest = hash.digest('hex');
	shaCache.set(totalBytes, digest);
	return digest;
}

function* paddedVideoChunks(totalBytes: number, start: number, end: number): Generator<Buffer> {
	const clip = sampleClip();
	const padding = totalBytes - clip.length;
	const header = padding > 0 ? boxHeader(padding) : Buffer.alloc(0);
	const zeroBytes = Math.max(0, padding - header.length);
	let offset = 0;
	for (const part of [clip, header]) {
		yield* slice(part, offset, start, end);
		offset += part.length;
	}
	// The zero run: yield views of one shared buffer, never allocate per chunk.
	let from = Math.max(start, offset);
	const to = Math.min(end, offset + zeroBytes);
	while (from < to) {
		const length = Math.min(CHUNK_BYTES, to - from);
		yield ZEROS.subarray(0, length);
		from += length;
	}
}

function* slice(part: Buffer, partOffset: number, start: number, end: number): Generator<Buffer> {
	const from = Math.max(start, partOffset);
	const to = Math.min(end, partOffset + part.length);
	if (from < to) yield part.subarray(from - partOffset, to - partOffset);
}

/** A `free` box header; boxes over 4 GiB need the 64-bit `largesize` form. */
function boxHeader(boxBytes: number): Buffer {
	if (boxBytes <= MAX_32BIT_BOX) {
		const header = Buffer.alloc(8);
		header.writeUInt32BE(Math.max(boxBytes, 0), 0);
		header.write('free', 4, 'latin1');
		return header;
	}
	const header = Buffer.alloc(16);
	header.writeUInt32BE(1, 0);
	header.write('free', 4, 'latin1');
	header.writeBigUInt64BE(BigInt(boxBytes), 8);
	return header;
}
