/**
 * Bounds a FalHttp's anonymous calls (the CDN download) by silence, not only by total time: a call
 * whose answer does not begin, or whose body stops flowing, for `idleMs` is cut, and it then fails
 * as any network failure does (retried, and in the end reported with the request id). Timers are
 * AbortSignal.timeout: shipped code may not use setTimeout.
 */
import type { ByteStream, FalHttp, FalHttpRequest } from './http';
import { observeChunks } from './media/observeChunks';

export function withStallGuard(http: FalHttp, idleMs: number, totalMs: number): FalHttp {
	return {
		...http,
		anonymous: async (request) => await guarded(http, request, idleMs, totalMs),
	};
}

async function guarded(http: FalHttp, request: FalHttpRequest, idleMs: number, totalMs: number) {
	const cut = new AbortController();
	const watched: { body?: ByteStream; lastSignAt: number; timer?: AbortSignal } = { lastSignAt: Date.now() };
	// One timer per idle period, not one per chunk: when it fires, it looks when the last chunk came.
	const onTimer = () => {
		const quietFor = Date.now() - watched.lastSignAt;
		if (quietFor < idleMs) return arm(idleMs - quietFor);
		const reason = new DOMException(`nothing arrived for ${Math.round(idleMs / 1000)} s`, 'TimeoutError');
		cut.abort(reason);
		// Also end the body itself, with the reason: its reader fails now rather than waiting on.
		(watched.body as { destroy?: (error: Error) => void } | undefined)?.destroy?.(new Error(`The download stalled: ${reason.message}`));
	};
	const arm = (ms: number) => {
		watched.timer = AbortSignal.timeout(ms);
		watched.timer.addEventListener('abort', onTimer, { once: true });
	};
	const stop = () => watched.timer?.removeEventListener('abort', onTimer);
	const signals = [cut.signal, AbortSignal.timeout(totalMs), ...(request.signal ? [request.signal] : [])];
	arm(idleMs);
	// Disarmed once the answer begins (or fails); a streamed body is watched chunk by chunk from then on.
	const response = await http.anonymous({ ...request, signal: AbortSignal.any(signals) }).finally(stop);
	if (!request.streamResponse || typeof response.body === 'string') return response;
	watched.body = response.body;
	watched.lastSignAt = Date.now();
	arm(idleMs);
	watch(response.body, () => (watched.lastSignAt = Date.now()), stop);
	return response;
}

/** Each chunk counts as a sign of life; the end of the stream (or its failure) disarms the timer. */
function watch(body: ByteStream, onChunk: () => void, stop: () => void): void {
	const stream = body as unknown as { emit: (event: string | symbol, ...args: unknown[]) => boolean; once?: (event: string, listener: () => void) => void };
	observeChunks(stream, onChunk);
	stream.once?.('close', stop);
	stream.once?.('end', stop);
	stream.once?.('error', stop);
}
