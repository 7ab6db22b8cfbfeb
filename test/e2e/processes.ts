/**
 * Every process the run starts goes through a ProcessGroup, so that all of them stop on success,
 * on failure and on Ctrl-C. Each child gets its own process group (`detached`), because n8n, tsx and
 * postgres start children of their own; stopping signals the whole group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface StartOptions {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	/** stdout and stderr go here (a pipe could fill up and block a chatty server). */
	logFile: string;
	/** postgres shuts down fast on SIGINT; most others on SIGTERM. */
	stopSignal?: NodeJS.Signals;
}

export interface RunOptions {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	timeoutMs: number;
	/** Resolve with a non-zero exit code instead of rejecting. */
	allowFailure?: boolean;
}

export interface RunResult {
	code: number;
	stdout: string;
	stderr: string;
}

export class ManagedProcess {
	readonly exited: Promise<number | null>;
	private exitCode: number | null | undefined;
	/** Set when the command could not be started at all (e.g. not installed). */
	spawnError?: Error;

	constructor(
		readonly name: string,
		private readonly child: ChildProcess,
		readonly logFile: string,
		private readonly stopSignal: NodeJS.Signals,
	) {
		this.exited = new Promise((resolve) => {
			child.once('exit', (code, signal) => {
				this.exitCode = code ?? (signal ? null : 0);
				resolve(this.exitCode);
			});
			child.once('error', (error) => {
				this.spawnError = error;
				this.exitCode = null;
				resolve(null);
			});
		});
	}

	get running(): boolean {
		return this.exitCode === undefined;
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	output(): string {
		try {
			return readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	/** The last lines of the log, for error messages. */
	tail(lines = 40): string {
		return this.output().split('\n').slice(-lines).join('\n');
	}

	async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
		await waitFor(`${this.name} to print ${pattern}`, timeoutMs, () => {
			if (!this.running) {
				const reason = this.spawnError?.message ?? `exit code ${this.exitCode}`;
				throw new Error(`${this.name} ended (${reason}) before printing ${pattern}:\n${this.tail()}`);
			}
			return pattern.test(this.output());
		});
	}

	async stop(timeoutMs = 20_000): Promise<void> {
		if (this.running) {
			signalGroup(this.child.pid, this.stopSignal);
			const stopped = await Promise.race([this.exited.then(() => true), delay(timeoutMs).then(() => false)]);
			if (!stopped) process.stderr.write(`${this.name} did not stop within ${timeoutMs / 1000} s: killing it\n`);
		}
		// Also reaps children that outlived their parent (e.g. a task runner).
		signalGroup(this.child.pid, 'SIGKILL');
		await Promise.race([this.exited, delay(5_000)]);
	}

	killNow(): void {
		signalGroup(this.child.pid, 'SIGKILL');
	}
}

export class ProcessGroup {
	private readonly processes: ManagedProcess[] = [];

	/** Starts a long-running process; it runs until stop() or stopAll(). */
	start(name: string, command: string, args: string[], options: StartOptions): ManagedProcess {
		const log = openSync(options.logFile, 'a');
		try {
			const child = spawn(command, args, {
				cwd: options.cwd,
				env: options.env ?? process.env,
				stdio: ['ignore', log, log],
				detached: true,
			});
			const managed = new ManagedProcess(name, child, options.logFile, options.stopSignal ?? 'SIGTERM');
			this.processes.push(managed);
			return managed;
		} finally {
			closeSync(log);
		}
	}

	/** Runs a command to completion with a deadline; the group can still kill it on Ctrl-C. */
	async run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env ?? process.env,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		const managed = new ManagedProcess(`${command} ${args.join(' ')}`, child, '', 'SIGTERM');
		this.processes.push(managed);
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		// Output may still be in the pipes when the process exits: wait (briefly) until both are drained.
		const drained = Promise.all([once(child.stdout, 'close'), once(child.stderr, 'close')]).catch(() => undefined);
		const finished = await Promise.race([managed.exited.then(() => true), delay(options.timeoutMs).then(() => false)]);
		if (finished) await Promise.race([drained, delay(5_000)]);
		await managed.stop(5_000);
		this.forget(managed);
		const code = (await managed.exited) ?? -1;
		const shown = `${command} ${args.join(' ')}`;
		if (managed.spawnError) throw new Error(`Could not start ${shown}: ${managed.spawnError.message}`);
		if (!finished) throw new Error(`Timed out after ${options.timeoutMs / 1000} s: ${shown}\n${lastLines(stdout + stderr)}`);
		if (code !== 0 && !options.allowFailure) throw new Error(`Failed (exit ${code}): ${shown}\n${lastLines(stdout + stderr)}`);
		return { code, stdout, stderr };
	}

	/** Stops everything, newest first (n8n before the services it uses). */
	async stopAll(): Promise<void> {
		for (const managed of [...this.processes].reverse()) {
			await managed.stop();
			this.forget(managed);
		}
	}

	/** Last resort on process exit, where nothing asynchronous runs any more. */
	killAllNow(): void {
		for (const managed of this.processes) managed.killNow();
	}

	private forget(managed: ManagedProcess): void {
		const index = this.processes.indexOf(managed);
		if (index >= 0) this.processes.splice(index, 1);
	}
}

/**
 * Ctrl-C, SIGTERM and normal exit all stop the group. `cleanup` runs once; a second Ctrl-C during
 * cleanup kills everything at once.
 */
export function stopOnExit(group: ProcessGroup, cleanup: () => Promise<void> = () => group.stopAll()): void {
	let stopping = false;
	const onSignal = (signal: NodeJS.Signals) => {
		if (stopping) {
			group.killAllNow();
			process.exit(130);
		}
		stopping = true;
		process.stderr.write(`\n${signal}: stopping everything…\n`);
		cleanup().finally(() => process.exit(130));
	};
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	process.on('exit', () => group.killAllNow());
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	if (!pid) return;
	try {
		process.kill(-pid, signal);
	} catch {
		// The group is already gone.
	}
}

/** Entry points end with process.exit, so timers left over from races do not hold the run open. */
export function delay(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true; throws after `timeoutMs` (every wait in the run is bounded). */
export async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>, intervalMs = 250): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return;
		if (Date.now() > deadline) throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
		await delay(intervalMs);
	}
}

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

function lastLines(text: string, lines = 30): string {
	return text.trim().split('\n').slice(-lines).join('\n');
}
