/**
 * The rest of an audio URL, read once when its first 64 KiB left only an estimate of its length and
 * that estimate is near the five-minute limit: the bytes from where the first read stopped to the end
 * go through the same parsers as binary audio (streamed, never held), so the exact length can refuse.
 */
import { closeStream, type ByteStream, type FalHttp } from './http';
import { readAudio, type AudioHint, type AudioReading, type MediaDuration } from './media/audioDuration';

/**
 * An estimate from the first bytes that reaches two minutes is checked by reading on. Why so far below
 * five: a speech file's first seconds say little about its bitrate later on (pauses against speech); the
 * worst such error measured (issue 19, a VBR MP3 priced from its first frame) was −57 %, so a file over
 * five minutes may be estimated at little more than two. Shorter clips, most speech, stay one request.
 */
export const READ_ON_FROM_SECONDS = 120;
/** The most of a file read to find its length: beyond this the estimate stays, and says so. */
export const MAX_AUDIO_URL_BYTES = 64 * 1024 * 1024;
/** Time for the whole rest of the file; a slower host leaves the first estimate in place. */
export const READ_ON_TIMEOUT_MS = 60_000;

export function worthReadingOn(duration: MediaDuration | undefined, size: number, headBytes: number): boolean {
	if (!duration?.estimated || duration.closeEnoughToRefuse || duration.seconds < READ_ON_FROM_SECONDS) return false;
	return Number.isFinite(size) && size > headBytes;
}

/**
 * The reading of the whole file (`head` is its first bytes, `hint.size` its size), or the first
 * estimate when the rest is too large, refused, cut off or unreadable.
 */
export async function readRestOfAudio(http: FalHttp, url: string, head: Buffer, hint: AudioHint & { size: number }, first: AudioReading): Promise<AudioReading> {
	if (hint.size > MAX_AUDIO_URL_BYTES) return withNote(first, `The file is over ${MAX_AUDIO_URL_BYTES / 1024 / 1024} MiB, so only its first bytes were read: the duration is an estimate.`);
	// The audio's host is not fal: no API key goes there.
	const response = await http.anonymous({ method: 'GET', url, headers: { Range: `bytes=${head.length}-` }, streamResponse: true, signal: AbortSignal.timeout(READ_ON_TIMEOUT_MS) });
	const body = response.body as ByteStream;
	// A 206 continues where the first read stopped; a 200 (ranges ignored) sends the file from its start.
	const continues = response.status === 206 && contentRangeStart(response.headers) === head.length;
	if (!continues && response.status !== 200) {
		closeStream(body);
		return first;
	}
	const whole = firstBytes(continues ? prepend(head, body) : body, hint.size);
	const reading = await readAudio(whole, hint);
	return reading.duration ? reading : first;
}

/** `Content-Range: bytes 65536-999999/1000000` → 65536. */
function contentRangeStart(headers: Record<string, string>): number | undefined {
	const start = Number(/^bytes\s+(\d+)-/.exec(headers['content-range'] ?? '')?.[1]);
	return Number.isSafeInteger(start) ? start : undefined;
}

async function* prepend(head: Uint8Array, rest: ByteStream): ByteStream {
	yield head;
	yield* rest;
}

/** No more than `limit` bytes of `source`: a host sending more than it announced is not read past the size. */
async function* firstBytes(source: ByteStream, limit: number): ByteStream {
	let left = limit;
	for await (const chunk of source) {
		if (left <= 0) return;
		const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
		left -= part.length;
		yield part;
	}
}

function withNote(reading: AudioReading, note: string): AudioReading {
	return reading.duration ? { ...reading, duration: { ...reading.duration, note } } : reading;
}
