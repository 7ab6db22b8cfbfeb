/** The local fal emulator as a separate process, and a client for its control routes. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { JobRecord, UploadRecord, WebhookDelivery } from '../emulator/types';
import { REPO_ROOT } from './config';
import { waitFor, type ManagedProcess, type ProcessGroup } from './processes';

export interface EmulatorSettings {
	/** How long each job runs; long enough that two jobs visibly overlap. */
	runMs: number;
	port?: number;
}

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

	/** SHA-256 of the video bytes the emulator served for this job. */
	async videoSha256(requestId: string): Promise<string> {
		const body = (await this.get(`/__emulator/video-sha256/${encodeURIComponent(requestId)}`)) as { sha256: string };
		return body.sha256;
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
