/** Opens a finished video on fal's CDN as a stream: it is never held whole in memory. */
import { falApiErrorFrom } from './errors';
import { closeStream, type ByteStream, type FalHttp } from './http';

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
