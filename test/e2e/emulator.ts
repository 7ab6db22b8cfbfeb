/** The local fal emulator as a separate process, and a client for its control routes. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { FaultRule, JobRecord, RequestLogEntry, UploadRecord, WebhookDelivery } from '../emulator/types';
import { EMULATOR_API_KEY, REPO_ROOT, STRANGER_API_KEY } from './config';
import { waitFor, type ManagedProcess, type ProcessGroup } from './processes';

export interface EmulatorSettings {
	/** How long each job runs; long enough that two jobs visibly overlap. */
	runMs: number;
	/** Waits before each retry of a failed webhook delivery (fal: 10 retries over 2 hours). */
	webhookRetryMs?: number[];
	port?: number;
}

/** How the emulator sends a finished job's delivery once more: as fal's retry, or as an attacker would. */
export type Redelivery = 'again' | 'forged' | 'stale' | 'unsigned';

export class EmulatorClient {
	constructor(readonly url: string) {}

	async jobs(): Promise<JobRecord[]> {
		return (await this.get('/__emulator/jobs')) as JobRecord[];
	}

	async job(requestId: string): Promise<JobRecord | undefined> {
		return (await this.jobs()).find((job) => job.requestId === requestId);
	}

	/** Finished uploads to the emulated fal storage, by the file_url handed back. */
	async uploads(): Promise<Record<string, UploadRecord>> {
		return (await this.get('/__emulator/uploads')) as Record<string, UploadRecord>;
	}

	/** Every attempt to deliver a completion webhook, in order. */
	async webhooks(): Promise<WebhookDelivery[]> {
		return (await this.get('/__emulator/webhooks')) as WebhookDelivery[];
	}

	/** Every request the emulator served (time = when it arrived), status polls included. */
	async requestLog(): Promise<RequestLogEntry[]> {
		return (await this.get('/__emulator/log')) as RequestLogEntry[];
	}

	/** The webhook deliveries (every attempt) for one job. */
	async webhooksFor(requestId: string): Promise<WebhookDelivery[]> {
		return (await this.webhooks()).filter((delivery) => deliveryRequestId(delivery) === requestId);
	}

	/** Sends a finished job's delivery once more; resolves with the status the receiver answered. */
	async redeliver(requestId: string, variant: Redelivery): Promise<number> {
		const path = `/__emulator/redeliver/${encodeURIComponent(requestId)}?variant=${variant}`;
		const response = await fetch(`${this.url}${path}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
		const text = await response.text();
		if (!response.ok) throw new Error(`Emulator ${path} answered ${response.status}: ${text}`);
		return (JSON.parse(text) as { status: number }).status;
	}

	/** SHA-256 of the video bytes the emulator served for this job. */
	async videoSha256(requestId: string): Promise<string> {
		const body = (await this.get(`/__emulator/video-sha256/${encodeURIComponent(requestId)}`)) as { sha256: string };
		return body.sha256;
	}

	/** Faults from now on, until clearFaults(): the first matching rule wins. */
	async addFaults(rules: FaultRule[]): Promise<void> {
		for (const rule of rules) await this.send('POST', '/__emulator/faults', rule);
	}

	async clearFaults(): Promise<void> {
		await this.send('DELETE', '/__emulator/faults');
	}

	private async send(method: string, path: string, body?: unknown): Promise<void> {
		const response = await fetch(`${this.url}${path}`, {
			method,
			headers: body === undefined ? undefined : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(10_000),
		});
		if (!response.ok) throw new Error(`Emulator ${method} ${path} answered ${response.status}: ${await response.text()}`);
	}

	private async get(path: string): Promise<unknown> {
		const response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) });
		if (!response.ok) throw new Error(`Emulator ${path} answered ${response.status}: ${await response.text()}`);
		return await response.json();
	}
}

export async function startEmulator(
	group: ProcessGroup,
	logDir: string,
	settings: EmulatorSettings,
): Promise<{ client: EmulatorClient; process: ManagedProcess }> {
	const readyFile = join(logDir, 'emulator.ready.json');
	rmSync(readyFile, { force: true }); // left over from an earlier run in the same folder (npm run dev)
	const tsx = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
	const args = [
		tsx,
		join(REPO_ROOT, 'test', 'emulator', 'cli.ts'),
		...['--host', '127.0.0.1', '--port', String(settings.port ?? 0)],
		...['--run-ms', String(settings.runMs), '--ready-file', readyFile],
		...(settings.webhookRetryMs ? ['--webhook-retry-ms', settings.webhookRetryMs.join(',')] : []),
		// Two fal accounts: ours (the credential's) and a stranger's (trigger-security.ts).
		...['--api-key', EMULATOR_API_KEY, '--api-key', STRANGER_API_KEY],
	];
	// The emulator is repo code: it runs on the Node that runs this script, not n8n's Node 24.
	const emulator = group.start('fal emulator', process.execPath, args, { cwd: REPO_ROOT, logFile: join(logDir, 'emulator.log') });
	await waitFor('the fal emulator to listen', 30_000, () => {
		if (!emulator.running) throw new Error(`The fal emulator exited:\n${emulator.tail()}`);
		return existsSync(readyFile) && readFileSync(readyFile, 'utf8').includes('\n');
	});
	const { url } = JSON.parse(readFileSync(readyFile, 'utf8')) as { url: string };
	return { client: new EmulatorClient(url), process: emulator };
}

/** The job a delivery belongs to: fal names it in the body (`request_id`). */
export function deliveryRequestId(delivery: WebhookDelivery): string | undefined {
	const body = delivery.body as { request_id?: unknown } | undefined;
	return typeof body?.request_id === 'string' ? body.request_id : undefined;
}
