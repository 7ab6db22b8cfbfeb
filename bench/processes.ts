/**
 * The benchmark's processes, seen from the parent: the fal emulator (test/emulator/cli.ts) and engine
 * children (bench/child.ts). Each lives in its own process so that what is measured in an engine
 * child is the engine and the node alone. Everything listens on and talks to 127.0.0.1 only.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { JobRecord, RequestLogEntry, UploadRecord } from '../test/emulator';
import type { ChildMessage, RunResult, RunSpec } from './types';

export const ROOT = resolve(__dirname, '..');
const TSX = ['--import', 'tsx'];
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
/** No run of the full benchmark comes near this; a hung run fails its scenario instead of the whole bench. */
const RUN_TIMEOUT_MS = 10 * 60_000;

/** Every process this benchmark started and that is still running, so an interrupted run can stop them. */
const live = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
	live.add(child);
	child.once('exit', () => live.delete(child));
	return child;
}

/** Stops the processes this benchmark started (each by its own handle), e.g. on Ctrl-C. */
export function killStartedProcesses(): void {
	for (const child of live) child.kill('SIGKILL');
}

/** What the emulator CLI is started with; undefined fields keep the emulator's defaults. */
export interface EmulatorSettings {
	runMs?: number;
	queueMs?: number;
	/** Max jobs running at once; undefined = unlimited. */
	concurrency?: number;
	videoBytes?: number;
}

export function describeEmulator(settings: EmulatorSettings): string {
	const parts = [
		`run ${settings.runMs ?? 150} ms`,
		`queue ${settings.queueMs ?? 0} ms`,
		`concurrency ${settings.concurrency ?? 'unlimited'}`,
		`video ${settings.videoBytes === undefined ? 'sample clip (11.6 KiB)' : formatBytes(settings.videoBytes)}`,
	];
	return `${parts.join(', ')} (separate process)`;
}

export function formatBytes(bytes: number): string {
	const MiB = 1024 * 1024;
	if (bytes >= 1024 * MiB) return `${(bytes / (1024 * MiB)).toFixed(bytes % (1024 * MiB) === 0 ? 0 : 2)} GiB`;
	if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
	return `${(bytes / 1024).toFixed(1)} KiB`;
}

export class EmulatorProcess {
	private constructor(
		readonly url: string,
		readonly settings: EmulatorSettings,
		private readonly child: ChildProcess,
		readonly logFile: string,
	) {}

	static async start(settings: EmulatorSettings, workDir: string, label: string): Promise<EmulatorProcess> {
		const args = ['test/emulator/cli.ts', '--host', '127.0.0.1', '--port', '0'];
		if (settings.runMs !== undefined) args.push('--run-ms', String(settings.runMs));
		if (settings.queueMs !== undefined) args.push('--queue-ms', String(settings.queueMs));
		if (settings.concurrency !== undefined) args.push('--concurrency', String(settings.concurrency));
		if (settings.videoBytes !== undefined) args.push('--video-bytes', String(settings.videoBytes));
		const logFile = join(workDir, `emulator-${label}.log`);
		const logFd = openSync(logFile, 'a');
		const child = track(spawn(process.execPath, [...TSX, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', logFd] }));
		closeSync(logFd);
		const url = await new Promise<string>((resolveUrl, reject) => {
			let stdout = '';
			const timer = setTimeout(() => reject(new Error(`the fal emulator did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
			child.stdout?.on('data', (chunk: Buffer) => {
				stdout += chunk.toString();
				const line = stdout.split('\n').find((l) => l.trim().startsWith('{'));
				if (!line) return;
				clearTimeout(timer);
				try {
					resolveUrl((JSON.parse(line) as { url: string }).url);
				} catch (error) {
					reject(error);
				}
			});
			child.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`the fal emulator exited with code ${code} before it listened; see ${logFile}: ${tail(logFile)}`));
			});
		});
		child.stdout?.resume();
		return new EmulatorProcess(url, settings, child, logFile);
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	async jobs(): Promise<JobRecord[]> {
		return (await this.control('GET', 'jobs')) as JobRecord[];
	}

	async log(): Promise<RequestLogEntry[]> {
		return (await this.control('GET', 'log')) as RequestLogEntry[];
	}

	async uploads(): Promise<Record<string, UploadRecord>> {
		return (await this.control('GET', 'uploads')) as Record<string, UploadRecord>;
	}

	/** TCP connections open at the emulator now, and the most at once since the last reset. */
	async connections(): Promise<{ open: number; peak: number }> {
		return (await this.control('GET', 'connections')) as { open: number; peak: number };
	}

	/** Forgets jobs and the request log (keeps settings). */
	async reset(): Promise<void> {
		await this.control('POST', 'reset');
	}

	async close(): Promise<void> {
		await stopProcess(this.child);
	}

	private async control(method: string, resource: string): Promise<unknown> {
		const response = await fetch(`${this.url}/__emulator/${resource}`, { method });
		if (!response.ok) throw new Error(`emulator control ${method} ${resource} answered ${response.status}`);
		return await response.json();
	}
}

/** An engine child (bench/child.ts): n8n's engine + the node, one workflow run at a time. */
export class EngineProcess {
	private nextId = 1;
	private readonly pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
	private output = '';

	private constructor(
		private readonly child: ChildProcess,
		readonly nodeVersion: string,
	) {
		child.on('message', (message: ChildMessage) => {
			if (message.type === 'ready') return;
			const waiter = this.pending.get(message.id);
			if (!waiter) return;
			this.pending.delete(message.id);
			if (message.type === 'result') waiter.resolve(message.result);
			else waiter.reject(new Error(`engine child failed: ${message.message}`));
		});
		const keep = (chunk: Buffer) => {
			this.output = (this.output + chunk.toString()).slice(-8_000);
		};
		child.stdout?.on('data', keep);
		child.stderr?.on('data', keep);
		child.once('exit', (code, signal) => {
			for (const waiter of this.pending.values()) {
				waiter.reject(new Error(`engine child exited (${code ?? signal}) during a run. Its last output:\n${this.output}`));
			}
			this.pending.clear();
		});
	}

	static async start(workDir: string, label: string): Promise<EngineProcess> {
		const userFolder = join(workDir, `n8n-${label}`);
		mkdirSync(userFolder, { recursive: true });
		const child = track(fork(join(__dirname, 'child.ts'), [], {
			cwd: ROOT,
			execArgv: [...TSX, '--expose-gc'],
			env: {
				...process.env,
				N8N_USER_FOLDER: userFolder,
				// Read/Write Files from Disk may read the benchmark's input files, and nothing else.
				N8N_RESTRICT_FILE_ACCESS_TO: workDir,
				N8N_DIAGNOSTICS_ENABLED: 'false',
				N8N_LOG_LEVEL: 'warn',
			},
			stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
		}));
		const nodeVersion = await new Promise<string>((resolveReady, reject) => {
			let output = '';
			const collect = (chunk: Buffer) => {
				output = (output + chunk.toString()).slice(-8_000);
			};
			child.stdout?.on('data', collect);
			child.stderr?.on('data', collect);
			const timer = setTimeout(() => reject(new Error(`the engine child did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
			child.on('message', (message: ChildMessage) => {
				if (message.type !== 'ready') return;
				clearTimeout(timer);
				child.stdout?.off('data', collect);
				child.stderr?.off('data', collect);
				resolveReady(message.node);
			});
			child.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`the engine child exited with code ${code} before it was ready:\n${output}`));
			});
		});
		return new EngineProcess(child, nodeVersion);
	}

	get pid(): number {
		return this.child.pid ?? -1;
	}

	async run(spec: RunSpec, timeoutMs = RUN_TIMEOUT_MS): Promise<RunResult> {
		const id = this.nextId++;
		let timer: NodeJS.Timeout | undefined;
		try {
			return await new Promise<RunResult>((resolveRun, reject) => {
				this.pending.set(id, { resolve: resolveRun, reject });
				timer = setTimeout(() => {
					this.pending.delete(id);
					reject(new Error(`a workflow run took longer than ${timeoutMs / 1000} s. The engine child's last output:\n${this.output}`));
				}, timeoutMs);
				this.child.send({ type: 'run', id, spec });
			});
		} finally {
			clearTimeout(timer);
		}
	}

	async close(): Promise<void> {
		if (this.child.connected) this.child.send({ type: 'exit' });
		await stopProcess(this.child);
	}
}

/** Asks a process we started to stop (SIGTERM), then insists (SIGKILL) — by its own handle only. */
async function stopProcess(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
	await exited;
	clearTimeout(timer);
}

function tail(file: string): string {
	try {
		return readFileSync(file, 'utf8').slice(-2_000);
	} catch {
		return '';
	}
}
