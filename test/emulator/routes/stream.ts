import type { RequestContext } from '../http';
import { statusAnswer } from '../responses';
import type { RouteMatch } from '../router';
import type { Services } from '../services';
import type { Fault } from '../types';
import { findJob } from './queue';

const KEEP_ALIVE_MS = 5000;

/**
 * Status stream: SSE `data: <status JSON>` now and on every change, closed after the COMPLETED event.
 * Faults: `stall` sends one event then goes silent; `end-early` sends one event then ends without COMPLETED.
 */
export function statusStream(ctx: RequestContext, match: Extract<RouteMatch, { route: 'stream' }>, services: Services, fault?: Fault): void {
	const job = findJob(ctx, match, services);
	if (!job) return;
	const { res } = ctx;
	const requestId = job.record.requestId;
	const withLogs = ctx.url.searchParams.get('logs') === '1';
	ctx.writeHead(200, {
		'content-type': 'text/event-stream',
		'cache-control': 'no-cache',
		connection: 'keep-alive',
		'x-fal-request-id': requestId,
	});
	services.openStreams.add(res);

	let lastSent = '';
	const sendIfChanged = (): boolean => {
		const answer = statusAnswer(services.origin, job, services.queue.queuePosition(requestId), withLogs);
		const text = JSON.stringify(answer.body);
		if (text !== lastSent) {
			lastSent = text;
			res.write(`data: ${text}\n\n`);
		}
		return job.record.status === 'COMPLETED';
	};

	const completedAtOnce = sendIfChanged();
	if (fault?.kind === 'stall') {
		// Keep the socket open and silent until the client leaves or the emulator closes.
		res.on('close', () => services.openStreams.delete(res));
		return;
	}
	if (fault?.kind === 'end-early' || completedAtOnce) {
		services.openStreams.delete(res);
		res.end();
		return;
	}

	const onChange = (changedId: string) => {
		// Queue positions move when any job starts, so queued jobs listen to every change.
		if (changedId !== requestId && job.record.status !== 'IN_QUEUE') return;
		if (sendIfChanged()) finish();
	};
	const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
	keepAlive.unref();
	const stopListening = () => {
		clearInterval(keepAlive);
		services.queue.off('change', onChange);
		services.openStreams.delete(res);
	};
	const finish = () => {
		stopListening();
		res.end();
	};
	services.queue.on('change', onChange);
	// res 'close' fires when the client leaves (req 'close' fires as soon as a GET body is read).
	res.on('close', stopListening);
}
