import { readServerSentEvents } from '../../../../nodes/StableAvatar/transport/sse';

async function* chunks(...parts: string[]) {
	for (const part of parts) yield new TextEncoder().encode(part);
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<string[]> {
	const events: string[] = [];
	for await (const data of readServerSentEvents(body)) events.push(data);
	return events;
}

describe('readServerSentEvents', () => {
	test('yields the data of each event, across chunk boundaries and CRLF line ends', async () => {
		expect(await collect(chunks('data: {"a":', '1}\r\n\r\n: keep-alive\n\ndata: x\ndata: y\n\n', 'data: tail-without-end'))).toEqual([
			'{"a":1}',
			'x\ny',
		]);
	});

	test('skips comments and fields other than data', async () => {
		expect(await collect(chunks('event: status\nid: 3\n\n: ping\n\ndata:{"b":2}\n\n'))).toEqual(['{"b":2}']);
	});
});
