/** Opens a finished video on fal's CDN as a stream: it is never held whole in memory. */
import { falApiErrorFrom } from './errors';
import { closeStream, type ByteStream, type FalHttp } from './http';
import { Mp4DurationProbe, observeChunks } from './media/mp4Duration';

export interface Download {
	stream: ByteStream;
	/** From Content-Length: what a complete download must add up to. */
	contentLength?: number;
}

/** One attempt: the caller retries the whole download (open and read) as one. */
export async function openDownload(http: FalHttp, url: string): Promise<Download> {
	// The CDN URL is public: no API key goes there.
	const response = await http.anonymous({ method: 'GET', url, streamResponse: true });
	const stream = response.body as ByteStream;
	if (response.status !== 200) {
		closeStream(stream);
		throw falApiErrorFrom(response.status, response.headers, '', 'Downloading the video');
	}
	const contentLength = Number(response.headers['content-length']);
	return { stream, contentLength: Number.isFinite(contentLength) && contentLength > 0 ? contentLength : undefined };
}

/**
 * Whether the stream was read to its end without an error of its own: a consumer that then fails
 * (n8n's binary storage) failed on its own account, not because the download broke.
 */
export function endedIntact(stream: ByteStream): boolean {
	const state = stream as { readableEnded?: boolean; errored?: unknown };
	return state.readableEnded === true && !state.errored;
}

/** Reads the video's duration out of its MP4 boxes as the stream's consumer reads it (nothing is buffered). */
export function probeVideoDuration(stream: ByteStream): Mp4DurationProbe {
	const probe = new Mp4DurationProbe();
	observeChunks(stream as unknown as Parameters<typeof observeChunks>[0], (chunk) => probe.push(chunk));
	return probe;
}

/** Counts the bytes the stream's consumer reads (n8n 2.x's binary storage reports what it stored as `bytes`; 1.x's does not). */
export function countBytes(stream: ByteStream): { bytes: number } {
	const count = { bytes: 0 };
	observeChunks(stream as unknown as Parameters<typeof observeChunks>[0], (chunk) => {
		count.bytes += chunk.length;
	});
	return count;
}
