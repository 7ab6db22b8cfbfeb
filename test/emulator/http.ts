import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestLogEntry } from './types';

/** Generous (inputs may carry data: URIs) but bounded. */
const JSON_BODY_LIMIT = 16 * 1024 * 1024;

export type JsonBody = { ok: true; value: unknown } | { ok: false; reason: 'too-large' | 'invalid-json' };

/** One request: its parsed URL, its log entry, and answers that keep the log entry's status right. */
export class RequestContext {
	constructor(
		readonly req: IncomingMessage,
		readonly res: ServerResponse,
		readonly entry: RequestLogEntry,
		readonly url: URL,
	) {}

	header(name: string): string | undefined {
		const value = this.req.headers[name.toLowerCase()];
		return Array.isArray(value) ? value.join(', ') : value;
	}

	writeHead(status: number, headers: OutgoingHttpHeaders = {}): void {
		this.entry.status = status;
		this.res.writeHead(status, headers);
	}

	json(status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
		const text = JSON.stringify(body);
		this.writeHead(status, {
			'content-type': 'application/json',
			'content-length': Buffer.byteLength(text),
			...headers,
		});
		this.res.end(text);
	}

	/** Drops the connection without an answer: the client sees ECONNRESET / "socket hang up". */
	reset(): void {
		this.entry.status = 0;
		this.req.socket.resetAndDestroy();
	}

	/** True once the client went away, so slow work can stop early. */
	get clientGone(): boolean {
		return this.req.destroyed || this.res.destroyed;
	}

	async readJson(): Promise<JsonBody> {
		const body = await this.readBody(JSON_BODY_LIMIT);
		if (body === undefined) return { ok: false, reason: 'too-large' };
		this.entry.bodyBytes = body.length;
		if (body.length === 0) return { ok: true, value: undefined };
		try {
			return { ok: true, value: JSON.parse(body.toString('utf8')) };
		} catch {
			return { ok: false, reason: 'invalid-json' };
		}
	}

	/** The whole body, or undefined when it exceeds `limit` (small JSON bodies only; uploads are streamed). */
	private readBody(limit: number): Promise<Buffer | undefined> {
		return new Promise((resolve, reject) => {
			const chunks: Buffer[] = [];
			let size = 0;
			let tooLarge = false;
			this.req.on('data', (chunk: Buffer) => {
				size += chunk.length;
				if (size > limit) tooLarge = true;
				if (!tooLarge) chunks.push(chunk);
			});
			this.req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
			this.req.on('error', reject);
		});
	}
}
