/**
 * The duration of audio given by URL, from one bounded range request for its first bytes (the
 * headers). A server that ignores Range is read no further than those bytes either; one that refuses
 * or cannot be reached leaves the duration unknown, which is not an error: fal reads the file anyway.
 * When those bytes give only an estimate near the limit, the rest is read once (audioUrlRest.ts).
 */
import { closeStream, type ByteStream, type FalHttp } from './http';
import { readRestOfAudio, worthReadingOn } from './audioUrlRest';
import { readAudio, type AudioReading } from './media/audioDuration';
import { ByteReader } from './media/byteReader';

export const PROBE_BYTES = 64 * 1024;
/** A host that does not hand over the first bytes in this time leaves the duration unknown. */
export const PROBE_TIMEOUT_MS = 10_000;

export async function probeAudioUrl(http: FalHttp, url: string): Promise<AudioReading> {
	try {
		const head = await readHead(http, url);
		if (!head) return {};
		const fileName = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
		// Formats read to their end (Ogg, streamed FLAC/WebM, fragmented M4A, MP3 without Xing) estimate from
		// these bytes and the size. A cut-off body of unknown size must not pass for the whole file: an
		// infinite size leaves those unknown, and header-only formats (WAV, M4A, FLAC) do not need it.
		const size = head.size ?? (head.bytes.length < PROBE_BYTES ? head.bytes.length : Infinity);
		const hint = { size, contentType: head.contentType, fileName };
		const first = await readAudio(head.bytes, hint);
		if (!worthReadingOn(first.duration, size, head.bytes.length)) return first;
		return await readRestOfAudio(http, url, head.bytes, hint, first).catch(() => first);
	} catch {
		// Unreachable, refused, or not audio we can read: the duration is simply unknown.
		return {};
	}
}

async function readHead(http: FalHttp, url: string): Promise<{ bytes: Buffer; size?: number; contentType?: string } | undefined> {
	// The audio's host is not fal: no API key goes there.
	const response = await http.anonymous({ method: 'GET', url, headers: { Range: `bytes=0-${PROBE_BYTES - 1}` }, streamResponse: true, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
	const stream = response.body as ByteStream;
	if (response.status !== 206 && response.status !== 200) {
		closeStream(stream);
		return undefined;
	}
	const reader = new ByteReader(stream);
	// Reads at most the probe's bytes, then lets the connection go.
	const head = await reader.peek(PROBE_BYTES).finally(async () => await reader.close());
	const bytes = Buffer.from(head.buffer, head.byteOffset, head.length);
	return { bytes, size: totalSize(response.status, response.headers), contentType: response.headers['content-type'] };
}

/** `Content-Range: bytes 0-65535/1234567` gives the whole file's size; a 200 gives it in Content-Length. */
function totalSize(status: number, headers: Record<string, string>): number | undefined {
	const size =
		status === 206 ? Number(/\/(\d+)\s*$/.exec(headers['content-range'] ?? '')?.[1]) : Number(headers['content-length']);
	return Number.isSafeInteger(size) && size > 0 ? size : undefined;
}
