/** Shared by the media parser tests: the shipped fixtures, ffprobe when present, and counted streams. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '../../../../fixtures/media');
/** ffprobe's durations, recorded by scripts/make-media-fixtures.sh when the fixtures were made. */
export const MANIFEST = JSON.parse(readFileSync(join(FIXTURES, 'durations.json'), 'utf8')) as Record<string, number>;
export const TOLERANCE_SECONDS = 0.05;

const ffprobeFound = spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;

/** ffprobe's duration of a file, or undefined when ffprobe is not installed. */
export function ffprobeSeconds(path: string): number | undefined {
	if (!ffprobeFound) return undefined;
	const run = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', path], { encoding: 'utf8' });
	if (run.status !== 0) throw new Error(`ffprobe failed on ${path}: ${run.stderr}`);
	return Number(run.stdout.trim());
}

export function fixture(name: string): Buffer {
	return readFileSync(join(FIXTURES, name));
}

/** A stream over `bytes` in chunks of `chunkSize`, counting what the reader pulled and whether it closed it. */
export function countedStream(bytes: Uint8Array, chunkSize: number): { stream: AsyncIterable<Uint8Array>; counter: { pulled: number; closed: boolean } } {
	return counted(
		(function* () {
			for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
		})(),
	);
}

/** `head`, then `bodyBytes` of zeros in 64 KiB chunks (one reused buffer: a big file that costs nothing). */
export function bigStream(head: Uint8Array, bodyBytes: number): { stream: AsyncIterable<Uint8Array>; counter: { pulled: number; closed: boolean }; size: number } {
	const zeros = new Uint8Array(64 * 1024);
	return {
		size: head.length + bodyBytes,
		...counted(
			(function* () {
				yield head;
				for (let left = bodyBytes; left > 0; left -= zeros.length) yield zeros.subarray(0, Math.min(left, zeros.length));
			})(),
		),
	};
}

function counted(chunks: Iterator<Uint8Array>): { stream: AsyncIterable<Uint8Array>; counter: { pulled: number; closed: boolean } } {
	const counter = { pulled: 0, closed: false };
	async function* stream() {
		try {
			for (let next = chunks.next(); !next.done; next = chunks.next()) {
				counter.pulled += next.value.length;
				yield next.value;
			}
		} finally {
			// Runs when the stream is read to its end, and when the reader stops early and returns it.
			counter.closed = true;
		}
	}
	return { stream: stream(), counter };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
	return Uint8Array.from(Buffer.concat(parts));
}

export function u32le(value: number): Buffer {
	const b = Buffer.alloc(4);
	b.writeUInt32LE(value);
	return b;
}

export function u16le(value: number): Buffer {
	const b = Buffer.alloc(2);
	b.writeUInt16LE(value);
	return b;
}

/** A RIFF chunk, padded to an even length as RIFF requires. */
export function riffChunk(id: string, body: Uint8Array, declaredSize = body.length): Buffer {
	return Buffer.concat([Buffer.from(id, 'ascii'), u32le(declaredSize), body, Buffer.alloc(body.length % 2)]);
}

/** The header of a PCM WAV: RIFF, `fmt `, any extra chunks, then the `data` chunk's header. */
export function wavHeader(options: { sampleRate: number; channels: number; bits: number; dataBytes: number; extraChunks?: Buffer[] }): Buffer {
	const { sampleRate, channels, bits, dataBytes } = options;
	const blockAlign = (channels * bits) / 8;
	const fmt = Buffer.concat([u16le(1), u16le(channels), u32le(sampleRate), u32le(sampleRate * blockAlign), u16le(blockAlign), u16le(bits)]);
	const chunks = Buffer.concat([riffChunk('fmt ', fmt), ...(options.extraChunks ?? []), Buffer.from('data', 'ascii'), u32le(dataBytes)]);
	return Buffer.concat([Buffer.from('RIFF', 'ascii'), u32le(Math.min(0xffffffff, 4 + chunks.length + dataBytes)), Buffer.from('WAVE', 'ascii'), chunks]);
}
