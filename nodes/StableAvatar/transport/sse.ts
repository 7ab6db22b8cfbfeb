/** A minimal reader for text/event-stream bodies: yields the `data` of each event. */
import { closeStream, type ByteStream } from './http';

export async function* readServerSentEvents(body: ByteStream): AsyncGenerator<string> {
	const decoder = new TextDecoder();
	let buffered = '';
	try {
		for await (const chunk of body) {
			buffered += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
			let boundary: number;
			while ((boundary = buffered.indexOf('\n\n')) !== -1) {
				const data = eventData(buffered.slice(0, boundary));
				buffered = buffered.slice(boundary + 2);
				if (data !== undefined) yield data;
			}
		}
	} finally {
		// Also when the reader stops early (it saw COMPLETED): frees the connection.
		closeStream(body);
	}
}

/** Joins an event's `data:` lines; comments (`: keep-alive`) and other fields carry no data. */
function eventData(event: string): string | undefined {
	const lines = event
		.split('\n')
		.filter((line) => line.startsWith('data:'))
		.map((line) => line.slice(5).replace(/^ /, ''));
	return lines.length > 0 ? lines.join('\n') : undefined;
}
