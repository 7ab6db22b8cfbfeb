import { request, type ClientRequest } from 'node:http';
import type { FaultBook } from './faults';
import type { WebhookSigner } from './signing';
import type { RedeliveryVariant, RequestLogEntry, WebhookDelivery } from './types';

const STALE_SECONDS = 600;

interface PostAnswer {
	status: number;
	sentAt: number;
	answeredAt?: number;
}

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
 * Posts completion webhooks, signed as fal signs them, with retries after the delays of
 * `retryDelaysMs` (option `webhookRetryDelaysMs`; fal itself retries 10 times over 2 hours). Every
 * attempt is recorded in `deliveries` and in the request log (route 'webhook'). Faults on route
 * 'webhook': `delay` waits first, `malformed` posts a non-JSON body, `status`/`reset` drop the attempt
 * as failed (recorded with that status / 0) so it is retried. `redeliver` sends a job's delivery once
 * more: identical (`again`), badly signed (`forged`), 10 minutes old (`stale`) or `unsigned`.
 */
export class WebhookSender {
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly inFlight = new Set<ClientRequest>();
	/** The last delivery of each job, for `redeliver`. */
	private readonly sent = new Map<string, { url: string; body: Record<string, unknown>; userId?: string }>();
	private closed = false;

	constructor(
		private readonly deliveries: WebhookDelivery[],
		private readonly log: (entry: RequestLogEntry) => void,
		private readonly faults: FaultBook,
		private readonly timeoutMs: () => number,
		private readonly retryDelaysMs: () => number[],
		private readonly signer: WebhookSigner,
	) {}

	/** `userId`: the account that owns the job (its deliveries are signed for it). */
	send(url: string, body: Record<string, unknown>, requestId: string, userId?: string): void {
		if (!isLoopbackHttpUrl(url)) {
			this.deliveries.push({ url, status: 0, body: { refused: 'only loopback http webhook URLs are allowed' } });
			return;
		}
		this.sent.set(requestId, { url, body, userId });
		void this.attempt(url, body, requestId, 0, userId);
	}

	/** Sends a job's delivery once more; resolves with the receiver's status, or undefined for a job never delivered. */
	async redeliver(requestId: string, variant: RedeliveryVariant): Promise<number | undefined> {
		const delivery = this.sent.get(requestId);
		if (!delivery) return undefined;
		const text = JSON.stringify(delivery.body);
		const { status, ...times } = await this.post(delivery.url, text, this.headersFor(variant, requestId, text, delivery.userId));
		this.deliveries.push({ url: delivery.url, status, body: delivery.body, requestId, ...times, variant });
		this.log(logEntry(delivery.url, requestId, status, `redeliver-${variant}`));
		return status;
	}

	clear(): void {
		this.sent.clear();
	}

	close(): void {
		this.closed = true;
		for (const timer of this.timers) clearTimeout(timer);
		for (const pending of this.inFlight) pending.destroy();
		this.timers.clear();
		this.inFlight.clear();
	}

	private async attempt(url: string, body: Record<string, unknown>, requestId: string, attempt: number, userId?: string): Promise<void> {
		if (this.closed) return;
		const fault = this.faults.take('webhook', requestId);
		if (fault?.kind === 'delay') await this.wait(fault.ms);
		if (this.closed) return;
		let answer: PostAnswer;
		if (fault?.kind === 'status') answer = { status: fault.status, sentAt: Date.now() };
		else if (fault?.kind === 'reset') answer = { status: 0, sentAt: Date.now() };
		else {
			const text = fault?.kind === 'malformed' ? '{"request_id": ' : JSON.stringify(body);
			answer = await this.post(url, text, { ...this.signer.headers(requestId, text, undefined, userId) });
		}
		if (this.closed) return;
		const { status } = answer;
		this.deliveries.push({ url, body, requestId, ...answer });
		this.log(logEntry(url, requestId, status, fault?.kind));
		const delay = this.retryDelaysMs()[attempt];
		if ((status < 200 || status >= 300) && delay !== undefined) {
			await this.wait(delay);
			await this.attempt(url, body, requestId, attempt + 1, userId);
		}
	}

	private headersFor(variant: RedeliveryVariant, requestId: string, text: string, userId?: string): Record<string, string> {
		const now = Math.floor(Date.now() / 1000);
		if (variant === 'unsigned') return {};
		if (variant === 'stale') return { ...this.signer.headers(requestId, text, now - STALE_SECONDS, userId) };
		const headers: Record<string, string> = { ...this.signer.headers(requestId, text, now, userId) };
		if (variant === 'forged') {
			const signature = headers['x-fal-webhook-signature'];
			headers['x-fal-webhook-signature'] = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
		}
		return headers;
	}

	/** Resolves with the receiver's status, or 0 when there was no answer. */
	private post(url: string, text: string, signatureHeaders: Record<string, string>): Promise<PostAnswer> {
		const sentAt = Date.now();
		let answeredAt: number | undefined;
		return new Promise((resolve) => {
			const outgoing = request(url, {
				method: 'POST',
				timeout: this.timeoutMs(),
				headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...signatureHeaders },
			});
			const done = (status: number) => {
				this.inFlight.delete(outgoing);
				resolve(answeredAt === undefined ? { status, sentAt } : { status, sentAt, answeredAt });
			};
			outgoing.on('response', (response) => {
				answeredAt = Date.now();
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
