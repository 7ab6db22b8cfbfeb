import { request, type ClientRequest } from 'node:http';
import type { FaultBook } from './faults';
import type { RequestLogEntry, WebhookDelivery } from './types';

/** Waits before attempts 2, 3 and 4: short, so tests stay fast (fal itself retries for up to 2 hours). */
const RETRY_DELAYS_MS = [100, 300, 900];

/** The emulator never reaches beyond this machine, so webhooks go to loopback http URLs only. */
export function isLoopbackHttpUrl(url: string): boolean {
	try {
		const { protocol, hostname } = new URL(url);
		return protocol === 'http:' && (hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname));
	} catch {
		return false;
	}
}

/**
 * Posts completion webhooks with a few retries. Every attempt is recorded in `deliveries` and in the request
 * log (route 'webhook'). Faults on route 'webhook': `delay` waits first, `malformed` posts a non-JSON body,
 * `status`/`reset` drop the attempt as failed (recorded with that status / 0) so it is retried.
 */
export class WebhookSender {
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly inFlight = new Set<ClientRequest>();
	private closed = false;

	constructor(
		private readonly deliveries: WebhookDelivery[],
		private readonly log: (entry: RequestLogEntry) => void,
		private readonly faults: FaultBook,
		private readonly timeoutMs: () => number,
	) {}

	send(url: string, body: Record<string, unknown>, requestId: string): void {
		if (!isLoopbackHttpUrl(url)) {
			this.deliveries.push({ url, status: 0, body: { refused: 'only loopback http webhook URLs are allowed' } });
			return;
		}
		void this.attempt(url, body, requestId, 0);
	}

	close(): void {
		this.closed = true;
		for (const timer of this.timers) clearTimeout(timer);
		for (const pending of this.inFlight) pending.destroy();
		this.timers.clear();
		this.inFlight.clear();
	}

	private async attempt(url: string, body: Record<string, unknown>, requestId: string, attempt: number): Promise<void> {
		if (this.closed) return;
		const fault = this.faults.take('webhook', requestId);
		if (fault?.kind === 'delay') await this.wait(fault.ms);
		if (this.closed) return;
		let status: number;
		if (fault?.kind === 'status') status = fault.status;
		else if (fault?.kind === 'reset') status = 0;
		else status = await this.post(url, fault?.kind === 'malformed' ? '{"request_id": ' : JSON.stringify(body), requestId);
		if (this.closed) return;
		this.deliveries.push({ url, status, body });
		this.log(logEntry(url, requestId, status, fault?.kind));
		const delay = RETRY_DELAYS_MS[attempt];
		if ((status < 200 || status >= 300) && delay !== undefined) {
			await this.wait(delay);
			await this.attempt(url, body, requestId, attempt + 1);
		}
	}

	/** Resolves with the receiver's status, or 0 when there was no answer. */
	private post(url: string, text: string, requestId: string): Promise<number> {
		return new Promise((resolve) => {
			const outgoing = request(url, {
				method: 'POST',
				timeout: this.timeoutMs(),
				headers: {
					'content-type': 'application/json',
					'content-length': Buffer.byteLength(text),
					'x-fal-webhook-request-id': requestId,
					'x-fal-webhook-user-id': 'emulator',
					'x-fal-webhook-timestamp': String(Math.floor(Date.now() / 1000)),
				},
			});
			const done = (status: number) => {
				this.inFlight.delete(outgoing);
				resolve(status);
			};
			outgoing.on('response', (response) => {
				response.resume();
				response.on('end', () => done(response.statusCode ?? 0));
				response.on('error', () => done(0));
			});
			outgoing.on('timeout', () => outgoing.destroy());
			outgoing.on('error', () => done(0));
			this.inFlight.add(outgoing);
			outgoing.end(text);
		});
	}

	private wait(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.timers.delete(timer);
				resolve();
			}, ms);
			timer.unref();
			this.timers.add(timer);
		});
	}
}

function logEntry(url: string, requestId: string, status: number, fault: string | undefined): RequestLogEntry {
	const parsed = new URL(url);
	return {
		time: Date.now(),
		method: 'POST',
		route: 'webhook',
		path: parsed.pathname,
		query: Object.fromEntries(parsed.searchParams),
		requestId,
		status,
		fault,
		contentType: 'application/json',
	};
}
