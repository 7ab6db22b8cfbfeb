import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestContext } from '../http';
import { paddedVideoStream } from '../mp4';
import type { JobRuntime } from '../queue';
import { removedByCancel } from '../responses';
import type { RouteMatch } from '../router';
import { SAMPLE_FILES, SAMPLES_DIR, type SampleName } from '../samples';
import type { Services } from '../services';
import type { Fault } from '../types';

/** Outcomes whose result points at a video this CDN serves. */
const SERVES_VIDEO = new Set(['success', 'truncated-download', 'unknown-status']);

type ByteRange = { start: number; end: number };

/**
 * The CDN: `/files/<requestId>/output.mp4` (job videos), `/files/uploads/<token>/<name>` (uploads) and
 * `/files/samples/<name>` (samples.ts).
 * Public (no key), streamed, with single-range support so downloaders can resume. Fault `stall`:
 * a job's video sends its headers and first bytes, then nothing more until the client leaves.
 */
export async function serveFile(ctx: RequestContext, match: Extract<RouteMatch, { route: 'cdn' }>, services: Services, fault?: Fault): Promise<void> {
	const sample = match.filePath.startsWith('samples/') ? SAMPLE_FILES[match.filePath.slice('samples/'.length) as SampleName] : undefined;
	if (sample) {
		const path = join(SAMPLES_DIR, match.filePath.slice('samples/'.length));
		return sendBytes(ctx, statSync(path).size, sample.contentType, (range) => createReadStream(path, { start: range.start, end: range.end - 1 }));
	}
	const stored = services.store.file(match.filePath);
	if (stored) {
		return sendBytes(ctx, stored.bytes, stored.contentType, (range) => createReadStream(stored.path, { start: range.start, end: range.end - 1 }));
	}
	const job = services.queue.get(match.filePath.split('/')[0]);
	if (!job || job.record.status !== 'COMPLETED' || removedByCancel(job.record) || !SERVES_VIDEO.has(job.record.outcome.kind)) {
		return ctx.json(404, { detail: 'File not found' });
	}
	ctx.entry.requestId = job.record.requestId;
	const { outcome } = job.record;
	if (outcome.kind === 'truncated-download') return sendTruncated(ctx, job, outcome.sentBytes);
	if (fault?.kind === 'stall') return sendStalled(ctx, job);
	return sendBytes(ctx, job.record.videoBytes, 'video/mp4', (range) => videoSource(job, range));
}

function videoSource(job: JobRuntime, range: ByteRange): Readable {
	if (job.videoFile) return createReadStream(job.videoFile, { start: range.start, end: range.end - 1 });
	return paddedVideoStream(job.record.videoBytes, range.start, range.end);
}

async function sendBytes(ctx: RequestContext, size: number, contentType: string, open: (range: ByteRange) => Readable): Promise<void> {
	const range = parseRange(ctx.header('range'), size);
	if (range === 'unsatisfiable') {
		return ctx.json(416, { detail: 'Range not satisfiable' }, { 'content-range': `bytes */${size}` });
	}
	const partial = range !== undefined;
	const { start, end } = range ?? { start: 0, end: size };
	ctx.writeHead(partial ? 206 : 200, {
		'content-type': contentType,
		'content-length': end - start,
		'accept-ranges': 'bytes',
		...(partial ? { 'content-range': `bytes ${start}-${end - 1}/${size}` } : {}),
	});
	if (ctx.req.method === 'HEAD' || end === start) return void ctx.res.end();
	await pipeline(open({ start, end }), ctx.res).catch(() => {
		// The client left mid-download; pipeline already destroyed both ends.
	});
}

/** Announces the full size, sends only `sentBytes`, then closes the connection: a broken download. */
async function sendTruncated(ctx: RequestContext, job: JobRuntime, sentBytes: number): Promise<void> {
	const size = job.record.videoBytes;
	const sent = Math.min(sentBytes, size - 1);
	ctx.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size });
	if (ctx.req.method === 'HEAD') return void ctx.res.end();
	const { res } = ctx;
	for await (const chunk of paddedVideoStream(size, 0, sent) as AsyncIterable<Buffer>) {
		if (res.destroyed) return;
		if (!res.write(chunk)) await drainOrClose(res);
	}
	// end() on the socket flushes what was written, then closes: the body stops short of Content-Length.
	res.socket?.end();
}

/** Announces the full size, sends the first bytes, then goes silent with the connection open. */
async function sendStalled(ctx: RequestContext, job: JobRuntime): Promise<void> {
	const size = job.record.videoBytes;
	ctx.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size });
	for await (const chunk of paddedVideoStream(size, 0, Math.min(16 * 1024, size - 1)) as AsyncIterable<Buffer>) {
		if (ctx.res.destroyed) return;
		ctx.res.write(chunk);
	}
	await new Promise((resolve) => ctx.res.once('close', resolve));
}

function drainOrClose(res: ServerResponse): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			res.off('drain', done);
			res.off('close', done);
			resolve();
		};
		res.once('drain', done);
		res.once('close', done);
	});
}

function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
	const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
	if (!match || (match[1] === '' && match[2] === '')) return undefined;
	let start: number;
	let end: number;
	if (match[1] === '') {
		start = Math.max(0, size - Number(match[2]));
		end = size;
	} else {
		start = Number(match[1]);
		end = match[2] === '' ? size : Math.min(size, Number(match[2]) + 1);
	}
	return start < end && start < size ? { start, end } : 'unsatisfiable';
}
