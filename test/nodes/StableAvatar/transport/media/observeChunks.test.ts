import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { Mp4DurationProbe, observeChunks } from '../../../../../nodes/StableAvatar/transport/media/mp4Duration';
import { FIXTURES, MANIFEST } from './mediaFixtures';

const VIDEO = join(FIXTURES, 'video-moov-end.mp4');

describe('observeChunks', () => {
	test('piped: the observer sees every byte the consumer gets, in order, and the consumer gets them all', async () => {
		const seen: Buffer[] = [];
		const received: Buffer[] = [];
		const stream = observeChunks(createReadStream(VIDEO, { highWaterMark: 256 }), (chunk) => seen.push(Buffer.from(chunk)));
		await pipeline(
			stream,
			new Writable({
				write(chunk: Buffer, _encoding, done) {
					received.push(chunk);
					done();
				},
			}),
		);
		const file = readFileSync(VIDEO);
		expect(Buffer.concat(received).equals(file)).toBe(true);
		expect(Buffer.concat(seen).equals(file)).toBe(true);
	});

	test('async-iterated: the same; feeding an Mp4DurationProbe gives the video duration', async () => {
		const probe = new Mp4DurationProbe();
		const received: Buffer[] = [];
		for await (const chunk of observeChunks(createReadStream(VIDEO, { highWaterMark: 100 }), (c) => probe.push(c))) received.push(chunk as Buffer);
		expect(Buffer.concat(received).equals(readFileSync(VIDEO))).toBe(true);
		expect(probe.seconds).toBeCloseTo(MANIFEST['video-moov-end.mp4'], 2);
	});

	test('an observer that throws does not break the transfer; string chunks and other events are not observed', async () => {
		let calls = 0;
		const stream = observeChunks(Readable.from(['text', Buffer.from('bytes')], { objectMode: true }), () => {
			calls++;
			throw new Error('observer bug');
		});
		const received: unknown[] = [];
		for await (const chunk of stream) received.push(chunk);
		expect(received).toEqual(['text', Buffer.from('bytes')]);
		expect(calls).toBe(1);
	});
});
