/** Small HTTP helpers for the emulator's own tests. */
import { createHash } from 'node:crypto';
import { createServer, get, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FalEmulator } from './index';

export const KEY = 'test-key';
export const APP = 'fal-ai/stable-avatar';

export function validInput(extra: Record<string, unknown> = {}): Record<string, unknown> {
	return { image_url: 'http://127.0.0.1:9/portrait.png', audio_url: 'http://127.0.0.1:9/speech.mp3', prompt: 'A person speaks.', ...extra };
}

/** fetch against the emulator with the test key (unless headers say otherwise). */
export function api(emulator: FalEmulator, path: string, init: RequestInit = {}): Promise<Response> {
	const headers = { authorization: `Key ${KEY}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) };
	return fetch(path.startsWith('http') ? path : `${emulator.url}${path}`, { ...init, headers });
}

export async function submitJob(emulator: FalEmulator, input = validInput(), query = ''): Promise<{ request_id: string; [key: string]: unknown }> {
	const response = await api(emulator, `/${APP}${query}`, { method: 'POST', body: JSON.stringify(input) });
	if (response.status !== 200) throw new Error(`submit answered ${response.status}: ${await response.text()}`);
	return (await response.json()) as { request_id: string };
}

export async function getJson(emulator: FalEmulator, path: string): Promise<{ status: number; body: any; headers: Headers }> {
	const response = await api(emulator, path);
	const text = await response.text();
	return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export function statusPath(requestId: string, logs = false): string {
	return `/${APP}/requests/${requestId}/status?logs=${logs ? 1 : 0}`;
}

export function resultPath(requestId: string): string {
	return `/${APP}/requests/${requestId}`;
}

export async function waitForCompletion(emulator: FalEmulator, requestId: string, timeoutMs = 10_000): Promise<void> {
	await emulator.waitFor(() => emulator.jobs.get(requestId)?.status === 'COMPLETED', timeoutMs);
}

/** Reads an SSE response into parsed `data:` events until the server ends it (or `stopAfterMs`). */
export async function readEvents(url: string, stopAfterMs?: number): Promise<{ events: any[]; ended: boolean; contentType: string | null }> {
	const controller = new AbortController();
	const timer = stopAfterMs ? setTimeout(() => controller.abort(), stopAfterMs) : undefined;
	const response = await fetch(url, { headers: { authorization: `Key ${KEY}`, accept: 'text/event-stream' }, signal: controller.signal });
	const events: any[] = [];
	let buffer = '';
	let ended = false;
	try {
		for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
			buffer += Buffer.from(chunk).toString('utf8');
			let boundary: number;
			while ((boundary = buffer.indexOf('\n\n')) >= 0) {
				const block = buffer.slice(0, boundary);
				buffer = buffer.slice(boundary + 2);
				const data = block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
				if (data) events.push(JSON.parse(data));
			}
		}
		ended = true;
	} catch (error) {
		if ((error as Error).name !== 'AbortError') throw error;
	} finally {
		clearTimeout(timer);
	}
	return { events, ended, contentType: response.headers.get('content-type') };
}

export interface Download {
	status: number;
	headers: IncomingHttpHeaders;
	bytes: number;
	sha256: string;
	/** Set when the connection broke before the announced length arrived. */
	error?: string;
	/** Highest heap + array-buffer use seen while downloading. */
	peakMemory: number;
}

/** Streams a download, hashing as it goes (node:http, to see truncation exactly). */
export function download(url: string, headers: Record<string, string> = {}): Promise<Download> {
	return new Promise((resolve, reject) => {
		get(url, { headers }, (response: IncomingMessage) => {
			const hash = createHash('sha256');
			let bytes = 0;
			let peakMemory = 0;
			let sampled = 0;
			response.on('data', (chunk: Buffer) => {
				hash.update(chunk);
				bytes += chunk.length;
				if (bytes - sampled > 8 * 1024 * 1024) {
					sampled = bytes;
					const usage = process.memoryUsage();
					peakMemory = Math.max(peakMemory, usage.heapUsed + usage.arrayBuffers);
				}
			});
			const finish = (error?: string) =>
				resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes, sha256: hash.digest('hex'), error, peakMemory });
			response.on('end', () => finish(response.complete ? undefined : 'incomplete'));
			response.on('error', (error) => finish(error.message));
		}).on('error', reject);
	});
}

/** A loopback HTTP server recording what it receives; `answer` picks each reply's status. */
export async function startReceiver(answer: (count: number) => number = () => 200): Promise<{
	url: string;
	received: { headers: IncomingHttpHeaders; body: any }[];
	close(): Promise<void>;
}> {
	const received: { headers: IncomingHttpHeaders; body: any }[] = [];
	const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
		let text = '';
		req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
		req.on('end', () => {
			received.push({ headers: req.headers, body: safeJson(text) });
			res.writeHead(answer(received.length)).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/hooks/fal`,
		received,
		close: () => {
			server.closeAllConnections();
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
